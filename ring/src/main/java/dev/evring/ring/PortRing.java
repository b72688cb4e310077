package dev.evring.ring;

import net.openhft.chronicle.core.io.AbstractCloseable;
import org.agrona.BitUtil;
import org.agrona.IoUtil;
import org.agrona.SystemUtil;
import org.agrona.UnsafeApi;
import org.agrona.concurrent.AtomicBuffer;
import org.agrona.concurrent.IdleStrategy;
import org.agrona.concurrent.UnsafeBuffer;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.lang.invoke.VarHandle;
import java.nio.MappedByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntConsumer;

import static dev.evring.ring.PortRingDescriptor.CONS_OFFSET;
import static dev.evring.ring.PortRingDescriptor.EXCLUSIVE_PRODUCER_OFFSET;
import static dev.evring.ring.PortRingDescriptor.MAX_CAPACITY_OFFSET;
import static dev.evring.ring.PortRingDescriptor.OVERFLOW_OFFSET;
import static dev.evring.ring.PortRingDescriptor.PRODUCER_LOCK_OFFSET;
import static dev.evring.ring.PortRingDescriptor.PROD_OFFSET;
import static dev.evring.ring.PortRingDescriptor.PRODUCER_OWNER_OFFSET;
import static dev.evring.ring.PortRingDescriptor.READER_WAITING_OFFSET;
import static dev.evring.ring.PortRingDescriptor.SIZE_OFFSET;
import static dev.evring.ring.PortRingDescriptor.SLEEPERS_OFFSET;
import static dev.evring.ring.PortRingDescriptor.WAKEUPS_OFFSET;
import static dev.evring.ring.PortRingDescriptor.entryOffset;

/**
 * A power-of-two ring of 32-bit ports in shared memory: the notification ring of the kernel's Xen
 * event-channel device ({@code drivers/xen/evtchn.c}), between threads or JVM processes.
 *
 * <p>One producer {@link #offer(int) offers} ports (several producer threads use
 * {@link #offerConcurrent(int)}, the role of the kernel's {@code ring_prod_lock}); any number of readers,
 * in any threads and processes, {@link #read(int[], int, int) read} them, each port reaching exactly one
 * reader. A full ring stores nothing and sets a sticky overflow flag: every read then fails with
 * {@link RingOverflowException} ({@code EFBIG}) until {@link #reset()}. The producer side may
 * {@link #resize(int)} the ring up to the maximum capacity fixed at creation, by copying the old contents
 * twice into the region reserved for it, while readers keep reading.
 *
 * <p>Memory ordering is explicit: every fence carries a comment naming the kernel barrier it mirrors.
 * The layout is described in {@link PortRingDescriptor}.
 *
 * <p><b>Threads.</b> {@code offer}, {@code resize} and {@code reset} are producer operations:
 * {@code offer} is for one producing thread at a time, {@code offerConcurrent}, {@code resize} and
 * {@code reset} take a lock in the shared memory that also holds off producers in other processes (a lock
 * left by a dead process is recovered). A producer that will be the only one for a while claims the role
 * with {@link #claimExclusiveProducer()} (the role of Aeron's exclusive publication): its offers then skip
 * the check for other producers, and other instances' offers and resizes are refused until it releases
 * the role, closes or dies. Read operations are safe from any number of threads.
 * {@link #close()} must not race with other calls on the same instance.
 *
 * <p><b>Mapped files.</b> The ring never changes the length of its file. If another process truncates a
 * file this ring maps, the pages beyond the new end are gone and touching them raises {@code SIGBUS}; the
 * JVM turns that into an asynchronous {@link InternalError} on the thread that touched it rather than a
 * crash, but the ring is then unusable. {@link #open(Path)} refuses a file that is already short, and
 * {@link #checkFile()} re-checks the length on demand; keep ring files in a directory only their owner can
 * write to (the evtchn hub uses mode 0700).
 */
public final class PortRing extends AbstractCloseable
{
    /** Poll bit: there are ports to read (Linux {@code POLLIN}). */
    public static final int POLLIN = 0x001;
    /** Poll bit: the device accepts writes (Linux {@code POLLOUT}); always set unless overflowed. */
    public static final int POLLOUT = 0x004;
    /** Poll bit: the ring overflowed (Linux {@code POLLERR}); set alone. */
    public static final int POLLERR = 0x008;
    /** What {@link #readOne()} returns when the ring is empty. */
    public static final long NONE = -1L;
    /** Capacity a ring starts with when none is given, like the evtchn device's first bind. */
    public static final int DEFAULT_INITIAL_CAPACITY = 64;

    private static final long CONS_MASK = 0xFFFF_FFFFL;
    private static final long GENERATION_ONE = 1L << 32;
    private static final long INT_ARRAY_BASE = UnsafeApi.arrayBaseOffset(int[].class);
    private static final int SMALL_COPY = 64;
    private static final int INCONSISTENT_SNAPSHOT_LIMIT = 1 << 20;
    /** How long {@link #awaitReadable(long, TimeUnit, IdleStrategy, DoorbellWaiter)} spins before it sleeps. */
    public static final long DEFAULT_SPIN_BEFORE_SLEEP_NS = TimeUnit.MICROSECONDS.toNanos(50);
    private static final int UNREAD_SCAN_ATTEMPTS = 8;
    private static final long LOCK_LIVENESS_CHECK_SPINS = 1 << 16;
    private static final AtomicInteger INSTANCES = new AtomicInteger();
    private static final long NO_PRODUCER = 0;
    /** Tokens of the instances in this JVM that hold an exclusive producer claim on some ring. */
    private static final Set<Long> LIVE_EXCLUSIVE_CLAIMS = ConcurrentHashMap.newKeySet();
    private static final ThreadLocal<int[]> DRAIN_SCRATCH = ThreadLocal.withInitial(() -> new int[1024]);

    private final UnsafeBuffer buffer;
    private final byte[] base;
    private final long address;
    private final MappedByteBuffer mapped;
    private final Path file;
    private final String name;
    private final int maxCapacity;
    private final boolean readersMaySleep;
    private final long pid;
    private volatile Doorbell doorbell;
    private final long producerToken;
    private int cachedCons;
    private int prod;
    private int size;
    private boolean exclusiveProducer;

    private PortRing(final UnsafeBuffer buffer, final MappedByteBuffer mapped, final Path file, final String name)
    {
        this.buffer = buffer;
        this.base = buffer.byteArray();
        this.address = buffer.addressOffset();
        this.mapped = mapped;
        this.file = file;
        this.name = name;
        this.maxCapacity = buffer.getInt(MAX_CAPACITY_OFFSET);
        if (!BitUtil.isPowerOfTwo(maxCapacity) || buffer.capacity() < PortRingDescriptor.requiredLength(maxCapacity))
        {
            // the hot paths address the entries without bounds checks: they must all lie inside the buffer
            throw new IllegalStateException(name + ": maxCapacity " + maxCapacity + " changed or does not fit the "
                + buffer.capacity() + " bytes mapped");
        }
        this.readersMaySleep = ReaderWaiting.of(buffer.getInt(READER_WAITING_OFFSET)) == ReaderWaiting.DOORBELL;
        this.pid = SystemUtil.getPid();
        this.cachedCons = (int)buffer.getLongVolatile(CONS_OFFSET);
        this.producerToken = (pid << 32) | (INSTANCES.incrementAndGet() & 0xFFFF_FFFFL);
        // a dead process with this pid may have left this very token: clear it, so the first offer adopts prod
        buffer.compareAndSetLong(PRODUCER_OWNER_OFFSET, producerToken, NO_PRODUCER);
        singleThreadedCheckDisabled(true);
    }

    /**
     * Create a new ring file of {@link #DEFAULT_INITIAL_CAPACITY} (or {@code maxCapacity} if smaller)
     * whose readers may sleep on a doorbell.
     *
     * @param file        the file to create; it must not exist.
     * @param maxCapacity the largest capacity the ring may be resized to, a power of two.
     * @return the mapped ring.
     * @throws IOException if the file exists or cannot be created and mapped.
     */
    public static PortRing create(final Path file, final int maxCapacity) throws IOException
    {
        return create(file, Math.min(DEFAULT_INITIAL_CAPACITY, maxCapacity), maxCapacity, ReaderWaiting.DOORBELL);
    }

    /**
     * Create a new ring file. The entries region for {@code maxCapacity} ports is reserved as a sparse
     * file: pages the ring never touches take no memory on tmpfs.
     *
     * @param file            the file to create; it must not exist.
     * @param initialCapacity the capacity to start with, a power of two up to {@code maxCapacity}.
     * @param maxCapacity     the largest capacity the ring may be resized to, a power of two.
     * @param waiting         whether readers may sleep on a doorbell.
     * @return the mapped ring.
     * @throws IOException if the file exists or cannot be created and mapped.
     */
    public static PortRing create(
        final Path file, final int initialCapacity, final int maxCapacity, final ReaderWaiting waiting)
        throws IOException
    {
        checkCapacities(initialCapacity, maxCapacity);
        Objects.requireNonNull(waiting, "waiting");
        final int length = PortRingDescriptor.requiredLength(maxCapacity);
        Files.newByteChannel(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE).close();
        try
        {
            try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw"))
            {
                raf.setLength(length);
            }
            final MappedByteBuffer mapped = IoUtil.mapExistingFile(file.toFile(), file.toString(), 0, length);
            final UnsafeBuffer buffer = new UnsafeBuffer(mapped);
            PortRingDescriptor.format(buffer, initialCapacity, maxCapacity, waiting, SystemUtil.getPid());
            return new PortRing(buffer, mapped, file, "ring " + file);
        }
        catch (final IOException | RuntimeException ex)
        {
            Files.deleteIfExists(file);
            throw ex;
        }
    }

    /**
     * Map an existing ring file, created by this or another process, after validating it (R10).
     *
     * @param file the ring file.
     * @return the mapped ring.
     * @throws RingFormatException if the file is not a ring of this layout version, is truncated, or
     *                             holds impossible values.
     * @throws IOException         if the file cannot be read or mapped.
     */
    public static PortRing open(final Path file) throws IOException
    {
        final long length = Files.size(file);
        if (length < PortRingDescriptor.ENTRIES_OFFSET || length > Integer.MAX_VALUE)
        {
            throw new RingFormatException("ring " + file + " is " + length
                + " bytes: not a ring file (truncated, or something else)");
        }
        final MappedByteBuffer mapped = IoUtil.mapExistingFile(file.toFile(), file.toString(), 0, length);
        final UnsafeBuffer buffer = new UnsafeBuffer(mapped);
        try
        {
            PortRingDescriptor.validate(buffer, "ring " + file);
        }
        catch (final RingFormatException ex)
        {
            IoUtil.unmap(mapped);
            throw ex;
        }
        return new PortRing(buffer, mapped, file, "ring " + file);
    }

    /**
     * Allocate a ring in this process's off-heap memory (no file), for threads of one JVM.
     *
     * @param maxCapacity the largest capacity, a power of two; the ring starts at
     *                    {@link #DEFAULT_INITIAL_CAPACITY} or {@code maxCapacity} if smaller.
     * @return the ring.
     */
    public static PortRing allocate(final int maxCapacity)
    {
        return allocate(Math.min(DEFAULT_INITIAL_CAPACITY, maxCapacity), maxCapacity, ReaderWaiting.DOORBELL);
    }

    /**
     * Allocate a ring in this process's off-heap memory (no file).
     *
     * @param initialCapacity the capacity to start with.
     * @param maxCapacity     the largest capacity.
     * @param waiting         whether readers may sleep on a doorbell.
     * @return the ring.
     */
    public static PortRing allocate(final int initialCapacity, final int maxCapacity, final ReaderWaiting waiting)
    {
        checkCapacities(initialCapacity, maxCapacity);
        final UnsafeBuffer buffer = new UnsafeBuffer(
            java.nio.ByteBuffer.allocateDirect(PortRingDescriptor.requiredLength(maxCapacity)));
        PortRingDescriptor.format(buffer, initialCapacity, maxCapacity, waiting, SystemUtil.getPid());
        return new PortRing(buffer, null, null, "in-process ring");
    }

    /**
     * Lay a new, empty ring out in a caller's zeroed buffer (embedding in a larger shared region).
     *
     * @param buffer          at least {@link PortRingDescriptor#requiredLength(int)} bytes, all zero,
     *                        with 8-byte alignment.
     * @param initialCapacity the capacity to start with.
     * @param maxCapacity     the largest capacity.
     * @param waiting         whether readers may sleep on a doorbell.
     * @return the ring over that buffer; closing it leaves the buffer to its owner.
     */
    public static PortRing format(
        final AtomicBuffer buffer, final int initialCapacity, final int maxCapacity, final ReaderWaiting waiting)
    {
        checkCapacities(initialCapacity, maxCapacity);
        if (buffer.capacity() < PortRingDescriptor.requiredLength(maxCapacity))
        {
            throw new IllegalArgumentException("buffer of " + buffer.capacity() + " bytes is too small for maxCapacity "
                + maxCapacity + ": needs " + PortRingDescriptor.requiredLength(maxCapacity));
        }
        buffer.verifyAlignment();
        PortRingDescriptor.format(buffer, initialCapacity, maxCapacity, waiting, SystemUtil.getPid());
        return new PortRing(new UnsafeBuffer(buffer), null, null, "embedded ring");
    }

    /**
     * Use a ring that already lives in a caller's buffer (laid out by {@link #format} or {@link #create},
     * possibly in another process), after validating it.
     *
     * @param buffer the buffer holding the ring.
     * @return the ring; closing it leaves the buffer to its owner.
     * @throws RingFormatException if the buffer does not hold a valid ring.
     */
    public static PortRing wrap(final AtomicBuffer buffer) throws RingFormatException
    {
        buffer.verifyAlignment();
        PortRingDescriptor.validate(buffer, "buffer");
        return new PortRing(new UnsafeBuffer(buffer), null, null, "embedded ring");
    }

    private static void checkCapacities(final int initialCapacity, final int maxCapacity)
    {
        PortRingDescriptor.checkCapacity(maxCapacity, "maxCapacity");
        PortRingDescriptor.checkCapacity(initialCapacity, "initialCapacity");
        if (initialCapacity > maxCapacity)
        {
            throw new IllegalArgumentException(
                "initialCapacity " + initialCapacity + " exceeds maxCapacity " + maxCapacity);
        }
    }

    // ----------------------------------------------------------------------------------------------
    // producer side
    // ----------------------------------------------------------------------------------------------

    /**
     * Set the doorbell this process's producer rings when a port lands in an empty ring while a reader
     * sleeps (only for {@link ReaderWaiting#DOORBELL} rings).
     *
     * @param doorbell the doorbell, or null for none.
     */
    public void doorbell(final Doorbell doorbell)
    {
        this.doorbell = doorbell;
    }

    /**
     * Offer a port (single producer thread). The ring half of the kernel's {@code evtchn_interrupt}: if
     * there is room, write the slot, fence, publish {@code prod + 1}, and wake a sleeping reader if the
     * ring was empty; if full, store nothing and set the sticky overflow flag (R2).
     *
     * <p>One producer at a time: the producer role may pass between threads, instances and processes
     * (each instance keeps prod and the size to itself while nobody else offers or resizes, and takes them
     * from the ring when somebody has), but two that offer at once need {@link #offerConcurrent(int)}, and
     * so do an offer and a {@link #resize(int)} from two threads at once. A producer killed inside an offer
     * loses at most that port. A producer that claimed the role with {@link #claimExclusiveProducer()}
     * skips the check for other producers.
     *
     * @param port the port to add.
     * @return true if added, false if the ring was full (now overflowed).
     * @throws IllegalStateException if another instance holds the exclusive producer role.
     */
    public boolean offer(final int port)
    {
        throwIfClosed();
        return append(port, true);
    }

    /**
     * Offer a port only if there is room (single producer thread, as {@link #offer(int)}): a full ring
     * refuses it and, unlike {@code offer}, does not overflow. For a producer that waits for room rather
     * than drop ports, such as an evtchn handle posting requests to its hub.
     *
     * @param port the port to add.
     * @return true if added, false if the ring was full (and stays as it was).
     * @throws IllegalStateException if another instance holds the exclusive producer role.
     */
    public boolean tryOffer(final int port)
    {
        throwIfClosed();
        return append(port, false);
    }

    /**
     * Append a port if there is room; if not, set the sticky overflow flag when asked (the kernel's
     * evtchn_interrupt does) and store nothing. The hot path goes through the raw address: every offset
     * it touches lies inside the length checked when the ring was mapped, and the slot is masked by a
     * size checked when this instance took the producer role.
     */
    private boolean append(final int port, final boolean overflowWhenFull)
    {
        final byte[] base = this.base;
        final long address = this.address;
        if (!exclusiveProducer && UnsafeApi.getLong(base, address + PRODUCER_OWNER_OFFSET) != producerToken)
        {
            adoptProducerIndex();
        }
        final int prod = this.prod;
        final int size = this.size;
        if (Integer.compareUnsigned(prod - cachedCons, size) >= 0 && isFull(prod, size))
        {
            if (overflowWhenFull)
            {
                buffer.putIntVolatile(OVERFLOW_OFFSET, 1);
            }
            return false;
        }
        UnsafeApi.putInt(base, address + entryOffset(prod & (size - 1)), port);
        VarHandle.storeStoreFence(); // smp_wmb: the entry is visible before the prod that covers it
        UnsafeApi.putLongRelease(base, address + PROD_OFFSET, producerWord(prod + 1, port));
        this.prod = prod + 1;
        if (readersMaySleep)
        {
            wakeSleeperIfWasEmpty(buffer, prod);
        }
        return true;
    }

    /**
     * Become the producer: take prod from the published word and the size, and write this instance's
     * token into the producers' block. Done on the first offer and again whenever another instance,
     * thread or process has offered or resized since (its token, or none, is there instead), so the
     * producer role passes safely, even from a producer that was killed inside an offer. prod then stays
     * in this instance: the readers poll the prod word, and reading it back on every offer would pull its
     * line from them each time (one more cache-line transfer per port). Refused while another instance
     * holds the exclusive producer role.
     */
    private void adoptProducerIndex()
    {
        final UnsafeBuffer buffer = this.buffer;
        refuseIfAnotherExclusiveProducer(buffer);
        final int size = buffer.getIntVolatile(SIZE_OFFSET);
        if (Integer.bitCount(size) != 1 || size > maxCapacity)
        {
            throw new IllegalStateException(name + " holds an impossible size " + size + " (maximum " + maxCapacity
                + "): the memory was corrupted or is not a ring");
        }
        this.size = size;
        prod = (int)buffer.getLongVolatile(PROD_OFFSET);
        buffer.putLongVolatile(PRODUCER_OWNER_OFFSET, producerToken);
    }

    /**
     * Whether the ring is full, once the cons kept here says so: re-read cons. cons only moves forward, so
     * a stale copy can only under-state the room, and the readers keep the cons line to themselves while
     * the ring has room.
     */
    private boolean isFull(final int prod, final int size)
    {
        final int cons = (int)buffer.getLongVolatile(CONS_OFFSET);
        cachedCons = cons;
        return Integer.compareUnsigned(prod - cons, size) >= 0;
    }

    /**
     * Offer a port from any of several producer threads or processes: {@link #offer(int)} under the
     * shared producer lock (the role of the kernel's {@code ring_prod_lock}).
     *
     * @param port the port to add.
     * @return true if added, false if the ring was full (now overflowed).
     * @throws IllegalStateException if another instance holds the exclusive producer role.
     */
    public boolean offerConcurrent(final int port)
    {
        lockProducer();
        try
        {
            return append(port, true);
        }
        finally
        {
            unlockProducer();
        }
    }

    private void wakeSleeperIfWasEmpty(final UnsafeBuffer buffer, final int prod)
    {
        VarHandle.fullFence(); // smp_mb: prod is published before the sleeper count is read (pairs with await)
        if (buffer.getIntVolatile(SLEEPERS_OFFSET) != 0 && (int)buffer.getLongVolatile(CONS_OFFSET) == prod)
        {
            final Doorbell bell = doorbell;
            if (bell != null)
            {
                buffer.getAndAddLong(WAKEUPS_OFFSET, 1);
                bell.ring();
            }
        }
    }

    /**
     * Grow the ring to {@code newCapacity} by doubling, each step the kernel's "copy the old contents
     * twice": copy {@code [0, size)} to {@code [size, 2 * size)} in the reserved region, then publish the
     * new size. Free-running indices stay as they are, so every unread port stays readable in order for
     * any cons offset and fill level (R8). Readers in other processes may read throughout: a reader whose
     * claim straddles a resize fails its CAS on the consumer word (the generation moved) and reads again.
     * Takes the producer lock, so it may run while other threads offer with {@link #offerConcurrent(int)};
     * a single-producer {@link #offer(int)} must not run at the same time (resize from the producing
     * thread, as the evtchn hub does). Every producer takes the new size at its next offer. While an
     * instance holds the exclusive producer role, only it may resize.
     *
     * @param newCapacity a power of two, at least the current capacity and at most the maximum.
     * @throws IllegalArgumentException if it is not.
     * @throws IllegalStateException    if another instance holds the exclusive producer role.
     */
    public void resize(final int newCapacity)
    {
        PortRingDescriptor.checkCapacity(newCapacity, "newCapacity");
        lockProducer();
        try
        {
            final UnsafeBuffer buffer = this.buffer;
            refuseIfAnotherExclusiveProducer(buffer);
            int size = buffer.getIntVolatile(SIZE_OFFSET);
            if (newCapacity < size || newCapacity > maxCapacity)
            {
                throw new IllegalArgumentException("newCapacity " + newCapacity + " must lie between the current "
                    + size + " and the maximum " + maxCapacity + " (rings never shrink)");
            }
            while (size < newCapacity)
            {
                buffer.putBytes(entryOffset(size), buffer, entryOffset(0), size * Integer.BYTES);
                VarHandle.storeStoreFence(); // smp_wmb: both copies are visible before the new size
                buffer.putIntVolatile(SIZE_OFFSET, size << 1);
                bumpGeneration(buffer);
                size <<= 1;
            }
            // every producer, this instance included, takes the new size with prod at its next offer
            buffer.putLongVolatile(PRODUCER_OWNER_OFFSET, NO_PRODUCER);
            if (exclusiveProducer)
            {
                this.size = size; // an exclusive producer never looks at the owner: it takes the size here
            }
        }
        finally
        {
            unlockProducer();
        }
    }

    /**
     * Empty the ring and clear overflow (R9; the kernel's {@code IOCTL_EVTCHN_RESET}): {@code cons} jumps
     * to {@code prod}, dropping every unread port, and readers mid-claim retry. Capacity, header and
     * sleepers are untouched. Takes the producer lock.
     *
     * @return how many unread ports were dropped (with one producer: the last ones it offered).
     */
    public int reset()
    {
        lockProducer();
        try
        {
            final UnsafeBuffer buffer = this.buffer;
            final int prod = (int)buffer.getLongVolatile(PROD_OFFSET);
            long word;
            do
            {
                word = buffer.getLongVolatile(CONS_OFFSET);
            }
            while (!buffer.compareAndSetLong(
                CONS_OFFSET, word, ((word & ~CONS_MASK) + GENERATION_ONE) | (prod & CONS_MASK)));
            buffer.putIntVolatile(OVERFLOW_OFFSET, 0);
            return prod - (int)word;
        }
        finally
        {
            unlockProducer();
        }
    }

    /**
     * Replace every unread copy of {@code port} with {@code replacement} (the evtchn hub scrubs an unbound
     * port this way, with a value its readers skip). Takes the producer lock and bumps the generation, so
     * a reader whose snapshot predates the replacement fails its claim and reads again: once this returns,
     * no read can return the replaced copies.
     *
     * @param port        the port to remove from the unread range.
     * @param replacement what to write in its place.
     * @return how many unread copies were replaced.
     */
    public int replaceUnread(final int port, final int replacement)
    {
        lockProducer();
        try
        {
            final UnsafeBuffer buffer = this.buffer;
            final int size = buffer.getIntVolatile(SIZE_OFFSET);
            final long published = buffer.getLongVolatile(PROD_OFFSET);
            final int prod = (int)published;
            final int unread = Math.min(Math.max(prod - (int)buffer.getLongVolatile(CONS_OFFSET), 0), size);
            int replaced = 0;
            for (int index = prod - unread; index != prod; index++)
            {
                final int offset = entryOffset(index & (size - 1));
                if (buffer.getInt(offset) == port)
                {
                    buffer.putInt(offset, replacement);
                    replaced++;
                }
            }
            if (unread > 0 && (int)(published >>> 32) == port)
            {
                // a CAS, not a store: a single producer (no lock) may have published a newer word since
                buffer.compareAndSetLong(PROD_OFFSET, published, producerWord(prod, replacement));
            }
            VarHandle.storeStoreFence(); // smp_wmb: the replacements are visible before the new generation
            bumpGeneration(buffer);
            return replaced;
        }
        finally
        {
            unlockProducer();
        }
    }

    private static void bumpGeneration(final UnsafeBuffer buffer)
    {
        long word;
        do
        {
            word = buffer.getLongVolatile(CONS_OFFSET);
        }
        while (!buffer.compareAndSetLong(CONS_OFFSET, word, word + GENERATION_ONE));
    }

    private void lockProducer()
    {
        throwIfClosed();
        final UnsafeBuffer buffer = this.buffer;
        long spins = 0;
        while (!buffer.compareAndSetLong(PRODUCER_LOCK_OFFSET, 0, pid))
        {
            Thread.onSpinWait();
            if (++spins % LOCK_LIVENESS_CHECK_SPINS == 0)
            {
                recoverLockOfDeadHolder(buffer);
            }
        }
    }

    private static void recoverLockOfDeadHolder(final UnsafeBuffer buffer)
    {
        final long holder = buffer.getLongVolatile(PRODUCER_LOCK_OFFSET);
        final boolean holderAlive = ProcessHandle.of(holder).map(ProcessHandle::isAlive).orElse(false);
        if (holder != 0 && !holderAlive)
        {
            buffer.compareAndSetLong(PRODUCER_LOCK_OFFSET, holder, 0);
        }
    }

    private void unlockProducer()
    {
        buffer.putLongRelease(PRODUCER_LOCK_OFFSET, 0);
    }

    /**
     * Claim the producer role for this instance alone, the role of Aeron's exclusive publication: until
     * it {@link #releaseExclusiveProducer() releases} the role or closes, its offers skip the per-offer
     * check for other producers, and {@code offer}, {@code tryOffer}, {@code offerConcurrent} and
     * {@code resize} on every other instance, in any process, fail with {@link IllegalStateException}.
     * Readers, {@link #reset()} and {@link #replaceUnread(int, int)} are not affected. A claim left by a
     * process that died is broken by the next instance that needs the role, which takes over prod as after
     * any killed producer. Claim while no other instance is inside an offer (at start-up, say): a claim
     * cannot stop an offer already under way.
     *
     * @throws IllegalStateException if another live instance holds the role, or this one is closed.
     */
    public void claimExclusiveProducer()
    {
        lockProducer();
        try
        {
            adoptProducerIndex(); // refused while another live instance holds the role
            LIVE_EXCLUSIVE_CLAIMS.add(producerToken);
            buffer.putLongVolatile(EXCLUSIVE_PRODUCER_OFFSET, producerToken);
            exclusiveProducer = true;
        }
        finally
        {
            unlockProducer();
        }
    }

    /**
     * Give up the exclusive producer role, if this instance holds it: other instances may produce again.
     * {@link #close()} does this too.
     */
    public void releaseExclusiveProducer()
    {
        if (exclusiveProducer)
        {
            exclusiveProducer = false;
            buffer.compareAndSetLong(EXCLUSIVE_PRODUCER_OFFSET, producerToken, NO_PRODUCER);
            LIVE_EXCLUSIVE_CLAIMS.remove(producerToken);
        }
    }

    /**
     * Whether this instance holds the exclusive producer role.
     *
     * @return true between {@link #claimExclusiveProducer()} and its release.
     */
    public boolean isExclusiveProducer()
    {
        return exclusiveProducer;
    }

    /**
     * Refuse a producer call while another live instance holds the exclusive producer role; break the
     * claim of one that is gone (its process died, or it was left by a dead process with this pid).
     */
    private void refuseIfAnotherExclusiveProducer(final UnsafeBuffer buffer)
    {
        final long holder = buffer.getLongVolatile(EXCLUSIVE_PRODUCER_OFFSET);
        if (holder == NO_PRODUCER || holder == producerToken)
        {
            return;
        }
        final long holderPid = holder >>> 32;
        final boolean alive = holderPid == pid ?
            LIVE_EXCLUSIVE_CLAIMS.contains(holder) :
            ProcessHandle.of(holderPid).map(ProcessHandle::isAlive).orElse(false);
        if (alive)
        {
            throw new IllegalStateException(name + " has an exclusive producer (pid " + holderPid + "): only it may "
                + "offer or resize until it releases the role or closes");
        }
        buffer.compareAndSetLong(EXCLUSIVE_PRODUCER_OFFSET, holder, NO_PRODUCER);
    }

    // ----------------------------------------------------------------------------------------------
    // reader side
    // ----------------------------------------------------------------------------------------------

    /**
     * Read up to {@code len} ports without blocking (the kernel's {@code evtchn_read}, non-blocking).
     * Copies one chunk, or two when the live range wraps, truncated to the room given, and advances
     * {@code cons} by exactly what was copied (R4). Safe from any number of reader threads and processes:
     * a reader copies, then claims what it copied with a CAS on the consumer word, and copies again if
     * another reader, a resize or a reset got there first (R6).
     *
     * @param dst destination.
     * @param off first index in {@code dst} to fill.
     * @param len room in {@code dst}; 0 returns 0.
     * @return the number of ports copied, 0 if the ring is empty.
     * @throws RingOverflowException if the ring overflowed and was not reset (R3).
     */
    public int read(final int[] dst, final int off, final int len)
    {
        Objects.checkFromIndexSize(off, len, dst.length);
        throwIfClosed();
        return len == 0 ? 0 : (int)take(dst, off, len);
    }

    /**
     * Take the oldest unread port without blocking: {@link #read(int[], int, int)} of one port, without
     * an array. The port is returned as its unsigned 32-bit value, so every port value is distinct from
     * {@link #NONE}.
     *
     * @return the port, {@code port & 0xFFFF_FFFFL}, or {@link #NONE} if the ring is empty.
     * @throws RingOverflowException if the ring overflowed and was not reset (R3).
     */
    public long readOne()
    {
        throwIfClosed();
        return take(null, 0, 1);
    }

    /**
     * The readers' claim loop: snapshot cons, prod and size, copy what is unread, and claim it with a CAS
     * on the consumer word, again from a fresh snapshot if another reader, a resize or a reset moved it.
     *
     * @param dst where to copy up to {@code len} ports, or null to take one port and return it.
     * @return with {@code dst}, the number of ports copied (0 if empty); without, the port as an unsigned
     *         value, or {@link #NONE} if empty.
     */
    private long take(final int[] dst, final int off, final int len)
    {
        final byte[] base = this.base;
        final long address = this.address;
        final int maxMask = maxCapacity - 1;
        int inconsistentSnapshots = 0;
        while (inconsistentSnapshots < INCONSISTENT_SNAPSHOT_LIMIT)
        {
            throwIfOverflowed(base, address);
            final long word = UnsafeApi.getLongVolatile(base, address + CONS_OFFSET);
            final int cons = (int)word;
            final long published = UnsafeApi.getLongVolatile(base, address + PROD_OFFSET);
            final int prod = (int)published;
            VarHandle.loadLoadFence(); // smp_rmb: prod (and then size) is read before the entries it covers
            final int size = UnsafeApi.getIntVolatile(base, address + SIZE_OFFSET);
            final int available = prod - cons;
            if (available == 0)
            {
                return dst == null ? NONE : 0;
            }
            if (!isConsistent(available, size, maxMask))
            {
                inconsistentSnapshots++; // cons moved under us (another reader, a reset): take a fresh snapshot
                continue;
            }
            final int count;
            final long taken;
            if (available == 1 || dst == null)
            {
                final int port = available == 1
                    ? (int)(published >>> 32) // the one new port rode in the producer word
                    : UnsafeApi.getInt(base, address + entryOffset(cons & (size - 1)));
                count = 1;
                if (dst == null)
                {
                    taken = port & 0xFFFF_FFFFL;
                }
                else
                {
                    dst[off] = port;
                    taken = 1;
                }
            }
            else
            {
                count = copyOut(base, address, cons, prod, size, dst, off, len);
                taken = count;
            }
            if (UnsafeApi.compareAndSetLong(
                base, address + CONS_OFFSET, word, (word & ~CONS_MASK) | ((cons + count) & CONS_MASK)))
            {
                return taken;
            }
        }
        throw new IllegalStateException(name + " holds impossible indices (prod - cons > size on "
            + INCONSISTENT_SNAPSHOT_LIMIT + " snapshots in a row): the memory was corrupted or is not a ring");
    }

    private void throwIfOverflowed(final byte[] base, final long address)
    {
        if (UnsafeApi.getIntVolatile(base, address + OVERFLOW_OFFSET) != 0)
        {
            throw new RingOverflowException(name);
        }
    }

    /**
     * Whether a reader's snapshot can be trusted: no more unread ports than the size, and a size that is
     * a power of two no larger than the maximum capacity, so every slot it reads lies inside the entries.
     */
    private static boolean isConsistent(final int available, final int size, final int maxMask)
    {
        return Integer.compareUnsigned(available, size) <= 0 && ((size - 1) & ~maxMask) == 0;
    }

    private static long producerWord(final int prod, final int lastPort)
    {
        return ((long)lastPort << 32) | (prod & CONS_MASK);
    }

    /**
     * Copy the unread range, truncated to {@code len}: one chunk, or two when it wraps past the end of
     * the entries. The caller has checked {@code size} is a power of two no larger than the maximum
     * capacity, so every slot read lies inside the mapped entries.
     */
    private static int copyOut(
        final byte[] base, final long address, final int cons, final int prod, final int size, final int[] dst,
        final int off, final int len)
    {
        final int mask = size - 1;
        int firstChunk;
        int secondChunk;
        if (((cons ^ prod) & size) != 0)
        {
            // cons and prod lie in different laps: the live range wraps past the end of the entries
            firstChunk = size - (cons & mask);
            secondChunk = prod & mask;
        }
        else
        {
            firstChunk = prod - cons;
            secondChunk = 0;
        }
        if (firstChunk >= len)
        {
            firstChunk = len;
            secondChunk = 0;
        }
        else if (firstChunk + secondChunk > len)
        {
            secondChunk = len - firstChunk;
        }
        copyEntries(base, address, cons & mask, dst, off, firstChunk);
        if (secondChunk > 0)
        {
            copyEntries(base, address, 0, dst, off + firstChunk, secondChunk);
        }
        return firstChunk + secondChunk;
    }

    private static void copyEntries(
        final byte[] base, final long address, final int slot, final int[] dst, final int off, final int count)
    {
        final long from = address + entryOffset(slot);
        if (count <= SMALL_COPY)
        {
            for (int i = 0; i < count; i++)
            {
                dst[off + i] = UnsafeApi.getInt(base, from + ((long)i << 2));
            }
            return;
        }
        UnsafeApi.copyMemory(base, from, dst, INT_ARRAY_BASE + ((long)off << 2), (long)count << 2);
    }

    /**
     * Read up to {@code limit} ports and hand each to {@code consumer}, without allocating (after the
     * first call on a thread). Ports are claimed before they are handed over, so a consumer that throws
     * loses the rest of its batch.
     *
     * @param consumer receives each port in order.
     * @param limit    the most ports to take.
     * @return the number of ports handed over.
     * @throws RingOverflowException if the ring overflowed and was not reset.
     */
    public int drain(final IntConsumer consumer, final int limit)
    {
        final int[] scratch = DRAIN_SCRATCH.get();
        int total = 0;
        while (total < limit)
        {
            final int n = read(scratch, 0, Math.min(scratch.length, limit - total));
            if (n == 0)
            {
                break;
            }
            for (int i = 0; i < n; i++)
            {
                consumer.accept(scratch[i]);
            }
            total += n;
        }
        return total;
    }

    /**
     * Wait until the ring has ports to read or overflowed, spinning through an idle strategy.
     *
     * @param timeout how long to wait at most.
     * @param unit    its unit.
     * @param idle    how to spin, yield or park between checks.
     * @return true if readable, false on timeout.
     * @throws InterruptedException if the thread is interrupted.
     */
    public boolean awaitReadable(final long timeout, final TimeUnit unit, final IdleStrategy idle)
        throws InterruptedException
    {
        return awaitReadable(timeout, unit, idle, null);
    }

    /**
     * Wait until the ring has ports to read or overflowed: spin through the idle strategy for a short
     * while, then, if a waiter is given, sleep on the doorbell. The sleep protocol: announce the sleeper
     * in shared memory, full fence, re-check the ring, and only then block; the producer publishes, full
     * fence, then reads the sleeper count, so one of the two always sees the other (R7). Spinning costs
     * no system call on either side.
     *
     * @param timeout how long to wait at most.
     * @param unit    its unit.
     * @param idle    how to spin, yield or park between checks before sleeping.
     * @param sleeper the doorbell to sleep on, or null to only spin until the timeout.
     * @return true if readable, false on timeout.
     * @throws InterruptedException  if the thread is interrupted.
     * @throws IllegalStateException if a sleeper is given for a {@link ReaderWaiting#SPIN} ring.
     */
    public boolean awaitReadable(
        final long timeout, final TimeUnit unit, final IdleStrategy idle, final DoorbellWaiter sleeper)
        throws InterruptedException
    {
        return awaitReadable(timeout, unit, idle, sleeper, DEFAULT_SPIN_BEFORE_SLEEP_NS);
    }

    /**
     * {@link #awaitReadable(long, TimeUnit, IdleStrategy, DoorbellWaiter)} with the time to spin before
     * sleeping given: 0 sleeps on the doorbell at the first empty check (for a caller that has spun
     * already), a long time spins and never sleeps before then.
     *
     * @param timeout           how long to wait at most.
     * @param unit              its unit.
     * @param idle              how to spin, yield or park between checks before sleeping.
     * @param sleeper           the doorbell to sleep on, or null to only spin until the timeout.
     * @param spinBeforeSleepNs how long to spin before sleeping on the doorbell, at least 0.
     * @return true if readable, false on timeout.
     * @throws InterruptedException     if the thread is interrupted.
     * @throws IllegalStateException    if a sleeper is given for a {@link ReaderWaiting#SPIN} ring.
     * @throws IllegalArgumentException if {@code spinBeforeSleepNs} is negative.
     */
    public boolean awaitReadable(
        final long timeout, final TimeUnit unit, final IdleStrategy idle, final DoorbellWaiter sleeper,
        final long spinBeforeSleepNs) throws InterruptedException
    {
        if (spinBeforeSleepNs < 0)
        {
            throw new IllegalArgumentException("spinBeforeSleepNs must not be negative, got " + spinBeforeSleepNs);
        }
        if (sleeper != null && !readersMaySleep)
        {
            throw new IllegalStateException(name + " was created with ReaderWaiting.SPIN: its producer does not "
                + "check for sleepers, so a reader must not sleep on a doorbell");
        }
        final long deadline = System.nanoTime() + unit.toNanos(timeout);
        final long sleepAfter = System.nanoTime() + Math.min(spinBeforeSleepNs, Long.MAX_VALUE / 4);
        idle.reset();
        while (true)
        {
            if (isReadable())
            {
                return true;
            }
            if (Thread.interrupted())
            {
                throw new InterruptedException("interrupted while waiting on " + name);
            }
            final long now = System.nanoTime();
            if (now - deadline >= 0)
            {
                return false;
            }
            if (sleeper != null && now - sleepAfter >= 0)
            {
                if (sleepOnce(sleeper, deadline - now))
                {
                    return true;
                }
            }
            else
            {
                idle.idle();
            }
        }
    }

    private boolean sleepOnce(final DoorbellWaiter sleeper, final long timeoutNs) throws InterruptedException
    {
        final UnsafeBuffer buffer = this.buffer;
        buffer.getAndAddInt(SLEEPERS_OFFSET, 1); // smp_mb (atomic RMW): the announcement precedes the re-check
        try
        {
            if (isReadable())
            {
                return true;
            }
            sleeper.await(timeoutNs);
            return isReadable();
        }
        finally
        {
            if (!isClosing())
            {
                buffer.getAndAddInt(SLEEPERS_OFFSET, -1);
            }
        }
    }

    private boolean isReadable()
    {
        throwIfClosed();
        return buffer.getIntVolatile(OVERFLOW_OFFSET) != 0
            || (int)buffer.getLongVolatile(PROD_OFFSET) != (int)buffer.getLongVolatile(CONS_OFFSET);
    }

    // ----------------------------------------------------------------------------------------------
    // state
    // ----------------------------------------------------------------------------------------------

    /**
     * The poll mask (R3, E15): {@link #POLLERR} alone when overflowed, else {@link #POLLOUT} plus
     * {@link #POLLIN} when there are ports to read.
     *
     * @return the mask.
     */
    public int pollMask()
    {
        throwIfClosed();
        if (buffer.getIntVolatile(OVERFLOW_OFFSET) != 0)
        {
            return POLLERR;
        }
        return isEmpty() ? POLLOUT : POLLOUT | POLLIN;
    }

    /**
     * Whether the sticky overflow flag is set.
     *
     * @return true from the first refused offer until {@link #reset()}.
     */
    public boolean overflowed()
    {
        throwIfClosed();
        return buffer.getIntVolatile(OVERFLOW_OFFSET) != 0;
    }

    /**
     * Whether the unread range holds an entry other than {@code blank} (the evtchn hub leaves blanks in
     * place of the ports an unbind removed, and its readers skip them). A snapshot scan: the indices are
     * read again after the scan and, if they moved, the scan is repeated a few times; after that, or if
     * the ring overflowed, the answer is "yes" and a read finds out.
     *
     * @param blank the value that does not count.
     * @return true if a read may return an entry other than {@code blank}.
     */
    public boolean hasUnreadOtherThan(final int blank)
    {
        throwIfClosed();
        final UnsafeBuffer buffer = this.buffer;
        for (int attempt = 0; attempt < UNREAD_SCAN_ATTEMPTS; attempt++)
        {
            final int prod = (int)buffer.getLongVolatile(PROD_OFFSET);
            final int cons = (int)buffer.getLongVolatile(CONS_OFFSET);
            VarHandle.loadLoadFence(); // smp_rmb: prod is read before the entries it covers
            final int size = buffer.getIntVolatile(SIZE_OFFSET);
            final int unread = prod - cons;
            if (unread == 0)
            {
                return false;
            }
            if (Integer.compareUnsigned(unread, size) > 0 || buffer.getIntVolatile(OVERFLOW_OFFSET) != 0)
            {
                return true;
            }
            for (int index = cons; index != prod; index++)
            {
                if (buffer.getInt(entryOffset(index & (size - 1))) != blank)
                {
                    return true;
                }
            }
            VarHandle.loadLoadFence(); // smp_rmb: the entries are read before the indices are checked again
            if ((int)buffer.getLongVolatile(PROD_OFFSET) == prod && (int)buffer.getLongVolatile(CONS_OFFSET) == cons)
            {
                return false;
            }
        }
        return true;
    }

    /**
     * Whether there are no ports to read.
     *
     * @return true if empty.
     */
    public boolean isEmpty()
    {
        throwIfClosed();
        return (int)buffer.getLongVolatile(PROD_OFFSET) == (int)buffer.getLongVolatile(CONS_OFFSET);
    }

    /**
     * The number of unread ports (a snapshot, exact when producer and readers are quiet).
     *
     * @return {@code prod - cons}.
     */
    public int size()
    {
        throwIfClosed();
        final int cons = (int)buffer.getLongVolatile(CONS_OFFSET);
        return Math.max(0, Math.min((int)buffer.getLongVolatile(PROD_OFFSET) - cons, capacity()));
    }

    /**
     * The current capacity, a power of two (the kernel's {@code ring_size}).
     *
     * @return the number of slots in use.
     */
    public int capacity()
    {
        throwIfClosed();
        return buffer.getIntVolatile(SIZE_OFFSET);
    }

    /**
     * The capacity fixed at creation, the limit of {@link #resize(int)}.
     *
     * @return the maximum capacity.
     */
    public int maxCapacity()
    {
        return maxCapacity;
    }

    /**
     * How readers of this ring wait.
     *
     * @return the mode recorded at creation.
     */
    public ReaderWaiting readerWaiting()
    {
        return readersMaySleep ? ReaderWaiting.DOORBELL : ReaderWaiting.SPIN;
    }

    /**
     * Readers currently inside the doorbell sleep protocol.
     *
     * @return the shared sleeper count.
     */
    public int sleepers()
    {
        throwIfClosed();
        return buffer.getIntVolatile(SLEEPERS_OFFSET);
    }

    /**
     * How many times a producer rang the doorbell, over the ring's life (a counter readable from any
     * process: a reader that spins never makes it move).
     *
     * @return the shared wake-up count.
     */
    public long wakeups()
    {
        throwIfClosed();
        return buffer.getLongVolatile(WAKEUPS_OFFSET);
    }

    /**
     * The free-running producer index.
     *
     * @return prod.
     */
    public int producerIndex()
    {
        throwIfClosed();
        return (int)buffer.getLongVolatile(PROD_OFFSET);
    }

    /**
     * The free-running consumer index.
     *
     * @return cons.
     */
    public int consumerIndex()
    {
        throwIfClosed();
        return (int)buffer.getLongVolatile(CONS_OFFSET);
    }

    /**
     * The mapped file, if the ring lives in one.
     *
     * @return the file, or null for allocated and embedded rings.
     */
    public Path file()
    {
        return file;
    }

    /**
     * Re-check that the mapped file still has the length the ring needs (another process may truncate
     * it; see the class comment).
     *
     * @throws RingFormatException if the file is now shorter than the mapping.
     * @throws IOException         if its length cannot be read.
     */
    public void checkFile() throws IOException
    {
        throwIfClosed();
        if (file != null && Files.size(file) < buffer.capacity())
        {
            throw new RingFormatException(name + " was truncated to " + Files.size(file) + " bytes while mapped ("
                + buffer.capacity() + "): stop using it");
        }
    }

    private void throwIfClosed()
    {
        if (isClosing())
        {
            throw new IllegalStateException(name + " is closed");
        }
    }

    /**
     * Unmap the ring (R11); the file stays for other processes. Every later call fails cleanly.
     */
    @Override
    protected void performClose()
    {
        releaseExclusiveProducer();
        if (mapped != null)
        {
            IoUtil.unmap(mapped);
        }
    }

    /**
     * {@inheritDoc}
     */
    @Override
    public String toString()
    {
        return name;
    }
}

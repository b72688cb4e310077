package dev.evring.ring;

import net.openhft.chronicle.core.io.AbstractCloseable;
import org.agrona.BitUtil;
import org.agrona.SystemUtil;
import org.agrona.UnsafeApi;
import org.agrona.concurrent.AtomicBuffer;
import org.agrona.concurrent.IdleStrategy;
import org.agrona.concurrent.UnsafeBuffer;

import java.io.IOException;
import java.lang.invoke.VarHandle;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntConsumer;
import java.util.function.IntSupplier;
import java.util.function.LongUnaryOperator;

import static dev.evring.ring.PortRingDescriptor.CONS_OFFSET;
import static dev.evring.ring.PortRingDescriptor.MAX_CAPACITY_OFFSET;
import static dev.evring.ring.PortRingDescriptor.OVERFLOW_OFFSET;
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
 * <p><b>One structure.</b> This class is longer than the library's other files because the ring is one
 * shared structure: the producer's publish, the readers' claim, resize, reset and the sleep protocol all
 * move the same three words (prod, cons and its generation, size) and their correctness is in how they
 * order against each other, which reads best in one place. The jobs that stand apart live in
 * package-private classes: the producers' lock word ({@code ProducerLock}), the exclusive-producer claim
 * ({@code ExclusiveProducerClaim}), the cold-path file guard ({@code RingFileGuard}), the readers' copy
 * out of the entries ({@code EntryCopy}), and the layout and snapshot checks ({@link PortRingDescriptor}).
 *
 * <p><b>Threads.</b> {@code offer}, {@code resize} and {@code reset} are producer operations:
 * {@code offer} is for one producing thread at a time, {@code offerConcurrent}, {@code resize} and
 * {@code reset} take a lock in the shared memory that also holds off producers in other processes (a lock
 * left by a dead process is recovered). A producer that will be the only one for a while claims the role
 * with {@link #claimExclusiveProducer()} (the role of Aeron's exclusive publication): its offers then skip
 * the check for other producers, and other instances' offers and resizes are refused until it releases
 * the role, closes or dies. Read operations are safe from any number of threads. A reader that will be
 * the only one claims that role with {@link #claimExclusiveReader()}, the mirror image: it keeps cons on
 * its own side and reads without a compare-and-set, from one thread at a time.
 * {@link #close()} must not race with other calls on the same instance.
 *
 * <p><b>Memory another process can write (H1).</b> A ring in a shared file can be written, zeroed,
 * locked or truncated by any process of the same user. Nothing read from the mapping can send a read or
 * write outside it: the maximum capacity is checked against the mapped length once, when the ring is
 * mapped, and kept in this instance; every size read from the mapping is checked to be a power of two
 * within it before it masks an index (a producer refuses a bad one with {@link RingException}
 * {@code EIO}, a reader retries a bounded number of times and then does the same), and loops over the
 * unread range are bounded by that size. An {@link #claimExclusiveProducer() exclusive producer} keeps
 * prod and the size on its own side and never reads them back, so the readers' side cannot steer its
 * writes, resizes or scans at all. Every wait on shared memory is bounded (H3): the producer lock gives up
 * after {@link #producerLockTimeout(long, TimeUnit) its timeout} with {@code ETIMEDOUT}, and every
 * compare-and-set loop after a bounded number of attempts.
 *
 * <p><b>Truncated files.</b> The ring never changes the length of its file. If another process truncates a
 * file this ring maps, the pages beyond the new end are gone and touching them raises {@code SIGBUS}.
 * HotSpot turns that into an {@link InternalError} in a plain or ordered access, but a fault inside an
 * atomic (compare-and-set, get-and-add) in interpreted code kills the JVM. So:
 * <ul>
 *   <li>every cold path that performs an atomic on the mapping ({@link #resize}, {@link #reset},
 *   {@link #replaceUnread}, {@link #claimExclusiveProducer}, {@link #releaseExclusiveProducer}, the wait
 *   for the producer lock, the doorbell sleep in {@link #awaitReadable}) first checks with one
 *   {@code fstat} that the file still covers the mapping, and fails with {@link RingException}
 *   {@link Errno#EIO} if not; {@link #close()} then just unmaps. Giving up the exclusive role (on release
 *   or close) and clearing a stale owner token use a read and an ordered store, no atomic at all;</li>
 *   <li>the hot paths ({@code offer}, {@code tryOffer}, {@code offerConcurrent}, {@code read},
 *   {@code readOne}) do no such check, and an {@link InternalError} raised inside any ring call is
 *   rethrown as {@link RingException} {@link Errno#EIO};</li>
 *   <li>{@link #open(Path)} refuses a file that is already short, and {@link #checkFile()} re-checks the
 *   length on demand.</li>
 * </ul>
 * <p>The exact limits that remain, set by the JVM (as measured on HotSpot 17):
 * <ol>
 *   <li>HotSpot reports a fault in a plain access late, at the thread's next call into the VM (an
 *   allocation slow path, a safepoint), in interpreted and compiled code alike, and the faulting load
 *   yields garbage meanwhile. So a reader of a ring whose entry pages were cut may return, and claim, ports
 *   that were never written before the error arrives (a probe that cut a full ring of 4096 ports to its
 *   first page read 29 to 3263 wrong ports), and the error may surface after the ring call returned,
 *   outside the ring, as an {@link InternalError}. A producer's offers into cut pages are lost the same
 *   way. A consumer that must not act on such ports calls {@link #checkFile()} before it does.</li>
 *   <li>The atomics of the hot paths run without a file check: a reader's claim (a compare-and-set on the
 *   consumer word) and the lock of {@link #offerConcurrent(int)}. On a file cut inside its first page (the
 *   header) they kill the JVM while their code is still interpreted; compiled, they survive the fault as
 *   above. An exclusive producer's {@code offer} and {@code tryOffer} and a
 *   {@link #claimExclusiveReader() sole reader}'s {@code read} and {@code readOne} perform no atomic at
 *   all: a ring whose memory another process may cut is read through a sole reader (as the evtchn hub
 *   reads its clients' request rings) and produced through an exclusive producer (its event rings).</li>
 *   <li>A truncation that lands between a cold path's check and its atomic, a window of a few
 *   instructions, can still kill an interpreted caller.</li>
 *   <li>A ring laid out by {@link #format} or {@link #wrap} over a caller's own mapping has no file to
 *   check: its cold paths' atomics are as exposed as the hot paths'. Map a ring file with
 *   {@link #create(Path, int, int, ReaderWaiting)} or {@link #open(Path)} to have the checks.</li>
 * </ol>
 * Keep ring files in a directory only their owner can write to (the evtchn hub uses mode 0700).
 *
 * <p><b>Full disks (H5).</b> Ring files are sparse: {@link #create(Path, int, int, ReaderWaiting)} and
 * {@link #resize(int)} reserve the pages they are about to use through the file system first
 * ({@link SharedMappedFile}), so a full tmpfs is {@link Errno#ENOSPC} from that call, with the ring
 * unchanged, never a {@code SIGBUS} later. Rings laid out by {@link #format} in a caller's buffer reserve
 * nothing: the caller owns that memory.
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
    private static final int INCONSISTENT_SNAPSHOT_LIMIT = 1 << 20;
    /** How long {@link #awaitReadable(long, TimeUnit, IdleStrategy, DoorbellWaiter)} spins before it sleeps. */
    public static final long DEFAULT_SPIN_BEFORE_SLEEP_NS = TimeUnit.MICROSECONDS.toNanos(50);
    private static final int UNREAD_SCAN_ATTEMPTS = 8;
    private static final int CAS_ATTEMPT_LIMIT = 1 << 20;
    /** How long a producer call waits for the shared producer lock unless {@link #producerLockTimeout} says. */
    public static final long DEFAULT_PRODUCER_LOCK_TIMEOUT_NS = TimeUnit.SECONDS.toNanos(2);
    private static final AtomicInteger INSTANCES = new AtomicInteger();
    private static final ThreadLocal<int[]> DRAIN_SCRATCH = ThreadLocal.withInitial(() -> new int[1024]);

    private final UnsafeBuffer buffer;
    private final byte[] base;
    private final long address;
    private final RingFileGuard file;
    private final ProducerLock producerLock;
    private final ExclusiveProducerClaim exclusiveClaim;
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
    private boolean exclusiveReader;
    private int readerCons;
    private long readerGeneration;
    private int readerSize;

    private PortRing(final UnsafeBuffer buffer, final SharedMappedFile shared, final String name)
    {
        this.buffer = buffer;
        this.base = buffer.byteArray();
        this.address = buffer.addressOffset();
        this.file = new RingFileGuard(shared, name);
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
        this.producerLock = new ProducerLock(buffer, pid, name, file);
        this.cachedCons = (int)buffer.getLongVolatile(CONS_OFFSET);
        this.producerToken = (pid << 32) | (INSTANCES.incrementAndGet() & 0xFFFF_FFFFL);
        this.exclusiveClaim = new ExclusiveProducerClaim(buffer, producerToken, pid, name, file);
        // a dead process with this pid may have left this very token: clear it, so the first offer adopts prod
        // (a read and a store, no atomic: at worst another producer adopts prod once more)
        if (buffer.getLongVolatile(PRODUCER_OWNER_OFFSET) == producerToken)
        {
            buffer.putLongVolatile(PRODUCER_OWNER_OFFSET, ExclusiveProducerClaim.NO_PRODUCER);
        }
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
     * Create a new ring file. The entries region for {@code maxCapacity} ports is left sparse, so pages the
     * ring never touches take no memory on tmpfs; the header and the first {@code initialCapacity} entries
     * are reserved through the file system first ({@link SharedMappedFile}), so a full disk is an
     * {@link Errno#ENOSPC} here and never a {@code SIGBUS} later (H5).
     *
     * @param file            the file to create; it must not exist.
     * @param initialCapacity the capacity to start with, a power of two up to {@code maxCapacity}.
     * @param maxCapacity     the largest capacity the ring may be resized to, a power of two.
     * @param waiting         whether readers may sleep on a doorbell.
     * @return the mapped ring.
     * @throws ErrnoException {@link Errno#ENOSPC} if the file system is full (no file is left behind).
     * @throws IOException    if the file exists or cannot be created and mapped.
     */
    public static PortRing create(
        final Path file, final int initialCapacity, final int maxCapacity, final ReaderWaiting waiting)
        throws IOException
    {
        checkCapacities(initialCapacity, maxCapacity);
        Objects.requireNonNull(waiting, "waiting");
        final SharedMappedFile shared = SharedMappedFile.create(
            file, PortRingDescriptor.requiredLength(maxCapacity), entryOffset(initialCapacity));
        try
        {
            final UnsafeBuffer buffer = new UnsafeBuffer(shared.mapping());
            PortRingDescriptor.format(buffer, initialCapacity, maxCapacity, waiting, SystemUtil.getPid());
            return new PortRing(buffer, shared, "ring " + file);
        }
        catch (final RuntimeException ex)
        {
            shared.close();
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
        final SharedMappedFile shared = SharedMappedFile.open(file);
        try
        {
            final UnsafeBuffer buffer = new UnsafeBuffer(shared.mapping());
            PortRingDescriptor.validate(buffer, "ring " + file);
            return new PortRing(buffer, shared, "ring " + file);
        }
        catch (final IOException | RuntimeException ex)
        {
            shared.close();
            throw ex;
        }
        catch (final InternalError ex) // SIGBUS: the file was cut between its length check and the validation
        {
            shared.close();
            throw new RingFormatException(Errno.EIO, "ring " + file + " was truncated while it was being opened ("
                + ex.getMessage() + ")");
        }
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
        return new PortRing(buffer, null, "in-process ring");
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
        return new PortRing(new UnsafeBuffer(buffer), null, "embedded ring");
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
        return new PortRing(new UnsafeBuffer(buffer), null, "embedded ring");
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
     * @throws RingException         {@link Errno#EIO} if the ring's memory is damaged (a size no ring holds,
     *                               or a fault on pages its file lost; see the class comment for when a
     *                               fault is seen).
     */
    public boolean offer(final int port)
    {
        throwIfClosed();
        try
        {
            return append(port, true);
        }
        catch (final InternalError ex)
        {
            throw file.lostPages(ex);
        }
    }

    /**
     * Offer a port only if there is room (single producer thread, as {@link #offer(int)}): a full ring
     * refuses it and, unlike {@code offer}, does not overflow. For a producer that waits for room rather
     * than drop ports, such as an evtchn handle posting requests to its hub.
     *
     * @param port the port to add.
     * @return true if added, false if the ring was full (and stays as it was).
     * @throws IllegalStateException if another instance holds the exclusive producer role.
     * @throws RingException         {@link Errno#EIO} if the ring's memory is damaged.
     */
    public boolean tryOffer(final int port)
    {
        throwIfClosed();
        try
        {
            return append(port, false);
        }
        catch (final InternalError ex)
        {
            throw file.lostPages(ex);
        }
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
        exclusiveClaim.refuseIfHeldByAnother();
        this.size = sharedSize();
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
     * @throws RingException         {@link Errno#ETIMEDOUT} if the producer lock stayed held past the
     *                               {@link #producerLockTimeout(long, TimeUnit) lock timeout};
     *                               {@link Errno#EIO} if the ring's memory is damaged.
     */
    public boolean offerConcurrent(final int port)
    {
        try
        {
            throwIfClosed();
            producerLock.lock();
            try
            {
                return append(port, true);
            }
            finally
            {
                producerLock.unlock();
            }
        }
        catch (final InternalError ex)
        {
            throw file.lostPages(ex);
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
                // one producer at a time (offerConcurrent holds the lock): a plain increment is exact, and
                // unlike an atomic add it survives a fault on a truncated file as an InternalError
                buffer.putLongRelease(WAKEUPS_OFFSET, buffer.getLongVolatile(WAKEUPS_OFFSET) + 1);
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
     * instance holds the exclusive producer role, only it may resize, and it starts from the size it keeps
     * itself, never from the shared word.
     *
     * <p>For a ring in a file, the pages the new entries need are reserved through the file system before
     * anything is copied: on a full disk this fails with {@link Errno#ENOSPC} and the ring is unchanged (H5).
     *
     * @param newCapacity a power of two, at least the current capacity and at most the maximum.
     * @throws IllegalArgumentException if it is not.
     * @throws IllegalStateException    if another instance holds the exclusive producer role.
     * @throws RingException            {@link Errno#ENOSPC} if the file system has no room for the new
     *                                  entries; {@link Errno#EIO} if the file was truncated or the shared size
     *                                  is one no ring holds; {@link Errno#ETIMEDOUT} if the producer lock
     *                                  stayed held past the {@link #producerLockTimeout(long, TimeUnit) lock
     *                                  timeout}.
     */
    public void resize(final int newCapacity)
    {
        PortRingDescriptor.checkCapacity(newCapacity, "newCapacity");
        underProducerLock(() -> grow(newCapacity));
    }

    private int grow(final int newCapacity)
    {
        final UnsafeBuffer buffer = this.buffer;
        if (!exclusiveProducer)
        {
            exclusiveClaim.refuseIfHeldByAnother();
        }
        int size = trustedSize();
        if (newCapacity < size || newCapacity > maxCapacity)
        {
            throw new IllegalArgumentException("newCapacity " + newCapacity + " must lie between the current "
                + size + " and the maximum " + maxCapacity + " (rings never shrink)");
        }
        file.reserveEntries(size, newCapacity);
        while (size < newCapacity)
        {
            buffer.putBytes(entryOffset(size), buffer, entryOffset(0), size * Integer.BYTES);
            VarHandle.storeStoreFence(); // smp_wmb: both copies are visible before the new size
            buffer.putIntVolatile(SIZE_OFFSET, size << 1);
            bumpGeneration();
            size <<= 1;
        }
        // every producer, this instance included, takes the new size with prod at its next offer
        buffer.putLongVolatile(PRODUCER_OWNER_OFFSET, ExclusiveProducerClaim.NO_PRODUCER);
        if (exclusiveProducer)
        {
            this.size = size; // an exclusive producer never looks at the owner: it takes the size here
        }
        return size;
    }

    /**
     * The size this instance may mask indices with: its own copy while it is the exclusive producer (the
     * only writer of the size, so the shared word is never read back), else the shared word, checked.
     */
    private int trustedSize()
    {
        return exclusiveProducer ? size : sharedSize();
    }

    /**
     * The shared size, refused unless it is a power of two within the maximum capacity this instance
     * checked against its mapping: every index masked with it then lies inside the entries.
     */
    private int sharedSize()
    {
        final int size = buffer.getIntVolatile(SIZE_OFFSET);
        if (size <= 0 || (size & (size - 1)) != 0 || size > maxCapacity)
        {
            throw new RingException(Errno.EIO, name + " holds an impossible size " + size + " (maximum "
                + maxCapacity + "): the memory was corrupted or is not a ring");
        }
        return size;
    }

    /**
     * Empty the ring and clear overflow (R9; the kernel's {@code IOCTL_EVTCHN_RESET}): {@code cons} jumps
     * to {@code prod}, dropping every unread port, and readers mid-claim retry. Capacity, header and
     * sleepers are untouched. Takes the producer lock. The exclusive producer takes prod from its own
     * copy, never from the shared word.
     *
     * @return how many unread ports were dropped (with one producer: the last ones it offered).
     * @throws RingException {@link Errno#EIO} if the ring's file was truncated; {@link Errno#ETIMEDOUT} if
     *                       the producer lock stayed held past the lock timeout; {@link Errno#EBUSY} if
     *                       the consumer word never stood still.
     */
    public int reset()
    {
        return underProducerLock(this::emptyRing);
    }

    private int emptyRing()
    {
        final int prod = exclusiveProducer ? this.prod : (int)buffer.getLongVolatile(PROD_OFFSET);
        final int dropped;
        if (exclusiveReader)
        {
            dropped = prod - readerCons;
            readerCons = prod;
            buffer.putLongRelease(CONS_OFFSET, readerGeneration | (prod & CONS_MASK)); // as the sole reader's read
        }
        else
        {
            dropped = prod - (int)updateConsumerWord(
                cons -> ((cons & ~CONS_MASK) + GENERATION_ONE) | (prod & CONS_MASK));
        }
        buffer.putIntVolatile(OVERFLOW_OFFSET, 0);
        return dropped;
    }

    /**
     * Replace every unread copy of {@code port} with {@code replacement} (the evtchn hub scrubs an unbound
     * port this way, with a value its readers skip). Takes the producer lock and bumps the generation, so
     * a reader whose snapshot predates the replacement fails its claim and reads again: once this returns,
     * no read can return the replaced copies. The size it masks with is checked (or, for the exclusive
     * producer, its own), so a corrupted size cannot send it outside the ring.
     *
     * @param port        the port to remove from the unread range.
     * @param replacement what to write in its place.
     * @return how many unread copies were replaced.
     * @throws RingException {@link Errno#EIO} if the ring's file was truncated or its size is one no ring
     *                       holds; {@link Errno#ETIMEDOUT} if the producer lock stayed held past the lock
     *                       timeout.
     */
    public int replaceUnread(final int port, final int replacement)
    {
        return underProducerLock(() -> replaceUnreadLocked(port, replacement));
    }

    private int replaceUnreadLocked(final int port, final int replacement)
    {
        final UnsafeBuffer buffer = this.buffer;
        final int size = trustedSize();
        final long published = buffer.getLongVolatile(PROD_OFFSET);
        final int prod = exclusiveProducer ? this.prod : (int)published;
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
        if (unread > 0 && (int)published == prod && (int)(published >>> 32) == port)
        {
            // a CAS, not a store: a single producer (no lock) may have published a newer word since
            buffer.compareAndSetLong(PROD_OFFSET, published, producerWord(prod, replacement));
        }
        VarHandle.storeStoreFence(); // smp_wmb: the replacements are visible before the new generation
        bumpGeneration();
        return replaced;
    }

    private void bumpGeneration()
    {
        updateConsumerWord(word -> word + GENERATION_ONE);
    }

    /**
     * Compare-and-set the consumer word from its current value, retrying while readers move it, a bounded
     * number of times (H3: a process writing it in a loop makes this an error, not a hang).
     *
     * @return the word replaced.
     */
    private long updateConsumerWord(final LongUnaryOperator update)
    {
        final UnsafeBuffer buffer = this.buffer;
        for (int attempt = 0; attempt < CAS_ATTEMPT_LIMIT; attempt++)
        {
            final long word = buffer.getLongVolatile(CONS_OFFSET);
            if (buffer.compareAndSetLong(CONS_OFFSET, word, update.applyAsLong(word)))
            {
                return word;
            }
        }
        throw new RingException(Errno.EBUSY, name + "'s consumer word changed under " + CAS_ATTEMPT_LIMIT
            + " compare-and-sets in a row: another process is writing it in a loop");
    }

    /**
     * Set how long a producer call waits for the shared producer lock before it gives up with
     * {@link Errno#ETIMEDOUT} (H3: a lock word that holds a live process's pid forever, written by a
     * broken or hostile process, is an error, not a hang). A holder that died is recovered long before.
     * Honest holders keep the lock for one offer or one resize copy.
     *
     * @param timeout the longest wait, more than 0.
     * @param unit    its unit.
     * @return this ring.
     * @throws IllegalArgumentException if the timeout is not positive.
     */
    public PortRing producerLockTimeout(final long timeout, final TimeUnit unit)
    {
        if (timeout <= 0)
        {
            throw new IllegalArgumentException("the producer lock timeout must be positive, got " + timeout + " " + unit);
        }
        producerLock.timeoutNs(unit.toNanos(timeout));
        return this;
    }

    /**
     * The time a producer call waits for the shared producer lock.
     *
     * @return nanoseconds; {@link #DEFAULT_PRODUCER_LOCK_TIMEOUT_NS} unless set.
     */
    public long producerLockTimeoutNs()
    {
        return producerLock.timeoutNs();
    }

    /**
     * Run a cold path under the producer lock, after checking the file still covers the mapping (the
     * atomics that follow kill the JVM on a vanished page when interpreted, where a plain access only
     * raises an InternalError), and turn a fault into {@link RingException} {@code EIO}.
     *
     * @return what the action returns.
     */
    private int underProducerLock(final IntSupplier action)
    {
        try
        {
            throwIfClosed();
            file.requireWhole();
            producerLock.lock();
            try
            {
                return action.getAsInt();
            }
            finally
            {
                producerLock.unlock();
            }
        }
        catch (final InternalError ex)
        {
            throw file.lostPages(ex);
        }
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
     * <p><b>The producer's own copy of the control words.</b> From the claim on, this instance keeps prod
     * and the size on its own side and never reads them back from shared memory: {@link #capacity()},
     * {@link #resize(int)}, {@link #reset()}, {@link #replaceUnread(int, int)} and
     * {@link #hasUnreadOtherThan(int)} use its copies, which it alone writes, and it does not look at the
     * shared exclusive-producer word again. A process that can write the ring's memory (the readers' side,
     * as an evtchn client can its event ring) can then corrupt what readers see, but can no longer steer
     * this producer's writes, resizes or scans: the way the kernel's device keeps its ring's control words
     * out of user space's reach. Claim on a freshly created ring, before any other process can write it,
     * so that the copies start from values this process wrote.
     *
     * @throws IllegalStateException if another live instance holds the role, or this one is closed.
     * @throws RingException         {@link Errno#EIO} if the ring's file was truncated or its size is one no
     *                               ring holds; {@link Errno#ETIMEDOUT} if the producer lock stayed held.
     */
    public void claimExclusiveProducer()
    {
        underProducerLock(this::takeExclusiveRole);
    }

    private int takeExclusiveRole()
    {
        adoptProducerIndex(); // refused while another live instance holds the role
        exclusiveClaim.announce();
        exclusiveProducer = true;
        return size;
    }

    /**
     * Give up the exclusive producer role, if this instance holds it: other instances may produce again.
     * {@link #close()} does this too. The role is given up on this side in any case; the shared word that
     * announces it is cleared only while the file is whole.
     *
     * @throws RingException {@link Errno#EIO} if the ring's file was truncated, so the shared word could
     *                       not be cleared (nobody can use the ring any more).
     */
    public void releaseExclusiveProducer()
    {
        if (exclusiveProducer)
        {
            exclusiveProducer = false;
            try
            {
                file.requireWhole();
                exclusiveClaim.clearWord();
            }
            catch (final InternalError ex)
            {
                throw file.lostPages(ex);
            }
            finally
            {
                exclusiveClaim.forget();
            }
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
     * @throws RingException         {@link Errno#EIO} if the ring's memory is damaged (indices or a size no
     *                               ring holds, on every snapshot; or a fault on pages its file lost, see
     *                               the class comment for when a fault is seen).
     */
    public int read(final int[] dst, final int off, final int len)
    {
        Objects.checkFromIndexSize(off, len, dst.length);
        throwIfClosed();
        try
        {
            return len == 0 ? 0 : (int)(exclusiveReader ? takeAlone(dst, off, len) : take(dst, off, len));
        }
        catch (final InternalError ex)
        {
            throw file.lostPages(ex);
        }
    }

    /**
     * Take the oldest unread port without blocking: {@link #read(int[], int, int)} of one port, without
     * an array. The port is returned as its unsigned 32-bit value, so every port value is distinct from
     * {@link #NONE}.
     *
     * @return the port, {@code port & 0xFFFF_FFFFL}, or {@link #NONE} if the ring is empty.
     * @throws RingOverflowException if the ring overflowed and was not reset (R3).
     * @throws RingException         {@link Errno#EIO} if the ring's memory is damaged.
     */
    public long readOne()
    {
        throwIfClosed();
        try
        {
            return exclusiveReader ? takeAlone(null, 0, 1) : take(null, 0, 1);
        }
        catch (final InternalError ex)
        {
            throw file.lostPages(ex);
        }
    }

    /**
     * Become the ring's only reader, the mirror of {@link #claimExclusiveProducer()} and the role the
     * kernel's evtchn device plays for its ring: until {@link #releaseExclusiveReader()} or close, this
     * instance keeps {@code cons} on its own side, starting from the consumer word as it is now, and never
     * reads it back from the mapping. {@link #read(int[], int, int)} and {@link #readOne()} then copy from
     * that cons, check the shared prod against it and against a size that must be a power of two within the
     * maximum capacity and never smaller than the last one seen (an impossible prod, more unread ports than
     * slots, is {@link RingException} {@link Errno#EIO} and hands out nothing), and publish the new cons
     * with an ordered store instead of a compare-and-set. No atomic read-modify-write is left on the path,
     * so a file cut under the reader, header page included, ends a read in {@link RingException}
     * {@code EIO} (or HotSpot's late {@link InternalError}, see the class comment), never in a JVM killed
     * with {@code SIGBUS}, in interpreted and compiled code alike. {@link #isEmpty()}, {@link #size()},
     * {@link #consumerIndex()}, {@link #pollMask()}, {@link #hasUnreadOtherThan(int)} and the readiness
     * check of {@code awaitReadable} answer from the same cons, and {@link #reset()} on this instance moves
     * it to prod.
     *
     * <p><b>What a process that can write the ring can still do to a sole reader</b> (the producers' side,
     * as an evtchn client can its request ring): garble entries, prod, the size or the overflow flag. The
     * reader then returns ports that are wrong, or fails with {@code EIO} or {@link RingOverflowException}:
     * every slot it reads is masked by a checked size inside the mapping and every count is bounded by it,
     * so it never reads outside the mapping, never hands out more than the size at once, never loops and
     * never waits. Writing the consumer word changes what producers see (room, or none) and nothing this
     * reader reads. A truncation is the fault above.
     *
     * <p><b>The caller's part.</b> Claim on a freshly created ring, before another process can write it,
     * so that cons starts from a value this process wrote. Only this instance may read while it holds the
     * role, from one thread at a time: another reader's claims, and a {@code reset} or
     * {@code replaceUnread} through another instance, are overwritten by this reader's next store of cons
     * (the producer's resizes are not: copying the old contents twice keeps every unread port at its index).
     *
     * @throws IllegalStateException if this instance is closed.
     * @throws RingException         {@link Errno#EIO} if the shared size is one no ring holds, or the
     *                               memory faults.
     */
    public void claimExclusiveReader()
    {
        throwIfClosed();
        try
        {
            final long word = buffer.getLongVolatile(CONS_OFFSET);
            readerSize = sharedSize();
            readerGeneration = word & ~CONS_MASK;
            readerCons = (int)word;
            exclusiveReader = true;
        }
        catch (final InternalError ex)
        {
            throw file.lostPages(ex);
        }
    }

    /**
     * Give up the sole-reader role, if this instance holds it: reads claim with a compare-and-set again,
     * from the consumer word, which already holds this reader's cons. Touches no shared memory.
     */
    public void releaseExclusiveReader()
    {
        exclusiveReader = false;
    }

    /**
     * Whether this instance is the ring's sole reader.
     *
     * @return true between {@link #claimExclusiveReader()} and its release.
     */
    public boolean isExclusiveReader()
    {
        return exclusiveReader;
    }

    /**
     * The cons a reader of this instance goes by: the sole reader's own, else the consumer word's.
     */
    private int consumerCursor()
    {
        return exclusiveReader ? readerCons : (int)buffer.getLongVolatile(CONS_OFFSET);
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
        int failedSnapshots = 0;
        while (failedSnapshots < INCONSISTENT_SNAPSHOT_LIMIT)
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
            if (!PortRingDescriptor.isConsistentSnapshot(available, size, maxMask))
            {
                failedSnapshots++; // cons moved under us (another reader, a reset): take a fresh snapshot
                continue;
            }
            final long taken = EntryCopy.copyUnread(base, address, published, cons, size, dst, off, len);
            final int count = dst == null ? 1 : (int)taken;
            if (UnsafeApi.compareAndSetLong(
                base, address + CONS_OFFSET, word, (word & ~CONS_MASK) | ((cons + count) & CONS_MASK)))
            {
                return taken;
            }
            failedSnapshots++; // another reader, a resize or a reset claimed first: a bounded number of times (H3)
        }
        throw new RingException(Errno.EIO, name + " holds impossible indices or size (no claim on "
            + INCONSISTENT_SNAPSHOT_LIMIT + " snapshots in a row): the memory was corrupted or is not a ring");
    }

    /**
     * The sole reader's read ({@link #claimExclusiveReader()}): the kernel's {@code evtchn_read}, which owns
     * {@code ring_cons}. cons comes from this instance, never from the mapping; prod and the size are
     * checked against it and the size this reader trusts before any entry is read, so an impossible prod
     * hands out nothing; the new cons is published with an ordered store. No atomic read-modify-write: a
     * fault on a cut file is an InternalError in every mode of execution.
     *
     * @return as {@link #take(int[], int, int)}.
     */
    private long takeAlone(final int[] dst, final int off, final int len)
    {
        final byte[] base = this.base;
        final long address = this.address;
        throwIfOverflowed(base, address);
        final int cons = readerCons;
        final long published = UnsafeApi.getLongVolatile(base, address + PROD_OFFSET);
        final int prod = (int)published;
        if (prod == cons)
        {
            return dst == null ? NONE : 0;
        }
        VarHandle.loadLoadFence(); // smp_rmb: prod (and then size) is read before the entries it covers
        int size = UnsafeApi.getIntVolatile(base, address + SIZE_OFFSET);
        if (size != readerSize)
        {
            size = adoptReaderSize(size);
        }
        if (Integer.compareUnsigned(prod - cons, size) > 0)
        {
            throw new RingException(Errno.EIO, name + " holds prod " + prod + " for the sole reader's cons " + cons
                + " and size " + size + ": more unread ports than slots, the producer's memory is corrupted");
        }
        final long taken = EntryCopy.copyUnread(base, address, published, cons, size, dst, off, len);
        final int next = cons + (dst == null ? 1 : (int)taken);
        // release: the entries are copied before cons hands their slots back to the producer, as
        // evtchn_read's plain store to ring_cons after its smp_rmb and copy_to_user
        UnsafeApi.putLongRelease(base, address + CONS_OFFSET, readerGeneration | (next & CONS_MASK));
        readerCons = next;
        return taken;
    }

    /**
     * Take a new shared size for the sole reader: a power of two within the maximum capacity checked
     * against the mapping, and never smaller than the last one taken (rings only grow).
     */
    private int adoptReaderSize(final int size)
    {
        if (size < readerSize || size > maxCapacity || (size & (size - 1)) != 0)
        {
            throw new RingException(Errno.EIO, name + " holds size " + size + " for a sole reader that saw "
                + readerSize + " (maximum " + maxCapacity + "): rings only grow, the memory is corrupted");
        }
        readerSize = size;
        return size;
    }

    private void throwIfOverflowed(final byte[] base, final long address)
    {
        if (UnsafeApi.getIntVolatile(base, address + OVERFLOW_OFFSET) != 0)
        {
            throw new RingOverflowException(name);
        }
    }

    private static long producerWord(final int prod, final int lastPort)
    {
        return ((long)lastPort << 32) | (prod & CONS_MASK);
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
     * while, then, if a waiter is given, sleep on the doorbell. The sleep protocol: take the waiter's mark,
     * announce the sleeper in shared memory, full fence, re-check the ring, and only then block until a
     * ring after the mark; the producer publishes, full fence, then reads the sleeper count, so one of the
     * two always sees the other (R7), and a ring between the re-check and the block is not lost. Spinning
     * costs no system call on either side.
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
     * @throws RingException            {@link Errno#EIO} if the ring's file was truncated (checked before
     *                                  each sleep) or its memory faults.
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
        try
        {
            return awaitReadable(unit.toNanos(timeout), idle, sleeper, spinBeforeSleepNs);
        }
        catch (final InternalError ex)
        {
            throw file.lostPages(ex);
        }
    }

    private boolean awaitReadable(
        final long timeoutNs, final IdleStrategy idle, final DoorbellWaiter sleeper, final long spinBeforeSleepNs)
        throws InterruptedException
    {
        final long start = System.nanoTime();
        final long deadline = start + timeoutNs;
        final long sleepAfter = start + Math.min(spinBeforeSleepNs, Long.MAX_VALUE / 4);
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
        file.requireWhole(); // the sleeper count is an atomic: a fault inside it would kill the JVM
        final long mark = sleeper.mark(); // before the re-check: a ring after it ends the sleep (prepare_to_wait)
        buffer.getAndAddInt(SLEEPERS_OFFSET, 1); // smp_mb (atomic RMW): the announcement precedes the re-check
        try
        {
            if (isReadable())
            {
                return true;
            }
            sleeper.await(mark, timeoutNs);
            return isReadable();
        }
        finally
        {
            if (!isClosing())
            {
                file.requireWhole();
                buffer.getAndAddInt(SLEEPERS_OFFSET, -1);
            }
        }
    }

    private boolean isReadable()
    {
        throwIfClosed();
        return buffer.getIntVolatile(OVERFLOW_OFFSET) != 0
            || (int)buffer.getLongVolatile(PROD_OFFSET) != consumerCursor();
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
     * <p>The size it masks with is checked (or, for the exclusive producer, its own copy), so a size
     * corrupted under a live mapping is an error, never a read outside the ring.
     *
     * @param blank the value that does not count.
     * @return true if a read may return an entry other than {@code blank}.
     * @throws RingException {@link Errno#EIO} if the shared size is one no ring holds, or the memory faults.
     */
    public boolean hasUnreadOtherThan(final int blank)
    {
        throwIfClosed();
        try
        {
            return scanForOtherThan(blank);
        }
        catch (final InternalError ex)
        {
            throw file.lostPages(ex);
        }
    }

    private boolean scanForOtherThan(final int blank)
    {
        final UnsafeBuffer buffer = this.buffer;
        for (int attempt = 0; attempt < UNREAD_SCAN_ATTEMPTS; attempt++)
        {
            final int prod = (int)buffer.getLongVolatile(PROD_OFFSET);
            final int cons = consumerCursor();
            VarHandle.loadLoadFence(); // smp_rmb: prod is read before the entries it covers
            final int size = trustedSize();
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
            if ((int)buffer.getLongVolatile(PROD_OFFSET) == prod && consumerCursor() == cons)
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
        return (int)buffer.getLongVolatile(PROD_OFFSET) == consumerCursor();
    }

    /**
     * The number of unread ports (a snapshot, exact when producer and readers are quiet).
     *
     * @return {@code prod - cons}.
     */
    public int size()
    {
        throwIfClosed();
        final int cons = consumerCursor();
        return Math.max(0, Math.min((int)buffer.getLongVolatile(PROD_OFFSET) - cons, capacity()));
    }

    /**
     * The current capacity, a power of two (the kernel's {@code ring_size}). The exclusive producer answers
     * from its own copy (see {@link #claimExclusiveProducer()}), read from the thread that produces; any
     * other instance reads the shared word, which a process that can write the ring may have corrupted.
     *
     * @return the number of slots in use.
     */
    public int capacity()
    {
        throwIfClosed();
        return exclusiveProducer ? size : buffer.getIntVolatile(SIZE_OFFSET);
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
     * @return cons (the sole reader's own, see {@link #claimExclusiveReader()}).
     */
    public int consumerIndex()
    {
        throwIfClosed();
        return consumerCursor();
    }

    /**
     * The mapped file, if the ring lives in one.
     *
     * @return the file, or null for allocated and embedded rings.
     */
    public Path file()
    {
        return file.file();
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
        file.checkFile();
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
        try
        {
            if (exclusiveProducer && file.isWhole())
            {
                exclusiveClaim.clearWord(); // a truncated file: the role ends here, its shared word with the file
            }
        }
        catch (final InternalError ex)
        {
            // the memory is gone (a buffer cut under the ring): there is no word left to clear
        }
        finally
        {
            exclusiveProducer = false;
            exclusiveReader = false;
            exclusiveClaim.forget();
            file.close();
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

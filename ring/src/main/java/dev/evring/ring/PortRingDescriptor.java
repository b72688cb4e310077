package dev.evring.ring;

import org.agrona.BitUtil;
import org.agrona.concurrent.AtomicBuffer;

/**
 * The shared-memory layout of a {@link PortRing}: one file (or buffer) per ring, every hot field in its
 * own 128-byte block so that the producer, the readers and the sleepers never share a cache line (nor an
 * adjacent-line prefetch pair).
 *
 * <pre>
 *   0 +---------------------------------------------------------------+
 *     | magic (8) "EVRINGPR" | layout version (4) | maxCapacity (4)    |  header, written once by
 *     | creator pid (8)      | creation time, epoch ms (8)            |  create() / format()
 *     | reader waiting (4): 0 SPIN, 1 DOORBELL                         |
 * 128 +---------------------------------------------------------------+
 *     | prod word (8): last port (high 32) | prod (low 32)             |  producer block
 *     |   prod: free-running index of the next slot to write           |
 *     |   last port: the port at index prod - 1, published with prod  |
 *     |   in one store so a reader that finds one new port takes it   |
 *     |   from this line alone (one cache-line transfer, not two)     |
 * 256 +---------------------------------------------------------------+
 *     | cons word (8): generation (high 32) | cons (low 32)            |  consumer block
 *     |   cons: free-running index of the next slot to read            |
 *     |   generation: bumped by every resize and reset, so a reader    |
 *     |   whose claim straddles one fails its CAS and reads again      |
 * 384 +---------------------------------------------------------------+
 *     | size (4): current power-of-two capacity | overflow (4): 0 or 1 |  control block
 * 512 +---------------------------------------------------------------+
 *     | producer lock (8): pid of the holder, 0 when free              |  producers' block
 *     | producer owner (8): token of the instance that offered last,   |
 *     |   0 after a resize; while it is its own, a producer keeps prod |
 *     |   and size in fields and never reads back the prod line the    |
 *     |   readers poll                                                 |
 *     | exclusive producer (8): token of the instance that claimed the |
 *     |   role for itself, 0 when none; it offers without reading the  |
 *     |   owner, and every other instance's producer calls are refused |
 * 640 +---------------------------------------------------------------+
 *     | sleepers (4): readers in the doorbell protocol | wakeups (8)   |  waiters block
 * 768 +---------------------------------------------------------------+
 *     | entries: maxCapacity x int32; only [0, size) is in use, the    |
 *     | rest is reserved for resize (sparse: untouched pages cost no   |
 *     | memory on tmpfs)                                               |
 *     +---------------------------------------------------------------+
 * </pre>
 *
 * <p>The resize/reset sequence lives in the consumer word rather than in the control block: a reader
 * claims ports with one 64-bit CAS that checks the generation and advances {@code cons} together.
 */
public final class PortRingDescriptor
{
    /** "EVRINGPR" in little-endian ASCII. */
    public static final long MAGIC = 0x52504749_52564545L;
    /** Layout version; a file of another version is refused. */
    public static final int VERSION = 3;
    /** Bytes per block that holds a hot field. */
    public static final int BLOCK_LENGTH = 128;

    /** Offset of the magic. */
    public static final int MAGIC_OFFSET = 0;
    /** Offset of the layout version. */
    public static final int VERSION_OFFSET = 8;
    /** Offset of the maximum capacity fixed at creation. */
    public static final int MAX_CAPACITY_OFFSET = 12;
    /** Offset of the creating process id. */
    public static final int CREATOR_PID_OFFSET = 16;
    /** Offset of the creation time (epoch milliseconds). */
    public static final int CREATION_TIME_OFFSET = 24;
    /** Offset of the {@link ReaderWaiting} code. */
    public static final int READER_WAITING_OFFSET = 32;

    /**
     * Offset of the producer word: prod in the low 32 bits, the port at {@code prod - 1} in the high 32.
     * On a little-endian machine an int read here is prod.
     */
    public static final int PROD_OFFSET = BLOCK_LENGTH;
    /** Offset of the consumer word: generation in the high half, cons in the low half. */
    public static final int CONS_OFFSET = 2 * BLOCK_LENGTH;
    /** Offset of the current capacity. */
    public static final int SIZE_OFFSET = 3 * BLOCK_LENGTH;
    /** Offset of the sticky overflow flag. */
    public static final int OVERFLOW_OFFSET = SIZE_OFFSET + 4;
    /** Offset of the producer lock word. */
    public static final int PRODUCER_LOCK_OFFSET = 4 * BLOCK_LENGTH;
    /**
     * Offset of the producer owner: the token of the {@link PortRing} instance that offered last (0 before
     * any offer). Only producers touch this line; readers never do.
     */
    public static final int PRODUCER_OWNER_OFFSET = PRODUCER_LOCK_OFFSET + 8;
    /**
     * Offset of the exclusive producer: the token of the instance that claimed the producer role for
     * itself ({@link PortRing#claimExclusiveProducer()}), 0 when no instance has. Only producers touch it.
     */
    public static final int EXCLUSIVE_PRODUCER_OFFSET = PRODUCER_OWNER_OFFSET + 8;
    /** Offset of the count of readers that announced they are going to sleep. */
    public static final int SLEEPERS_OFFSET = 5 * BLOCK_LENGTH;
    /** Offset of the count of doorbell rings the producer made. */
    public static final int WAKEUPS_OFFSET = SLEEPERS_OFFSET + 8;
    /** Offset of entry 0. */
    public static final int ENTRIES_OFFSET = 6 * BLOCK_LENGTH;

    /** Smallest capacity (2^0); the evtchn hub starts handle rings at 64. */
    public static final int MIN_CAPACITY = 1;
    /** Largest maximum capacity: 2^28 ports, 1 GiB of entries. */
    public static final int MAX_CAPACITY = 1 << 28;

    private static final int STABLE_SNAPSHOT_ATTEMPTS = 1 << 16;

    private PortRingDescriptor()
    {
    }

    /**
     * Whether a reader's snapshot can be trusted: no more unread ports than the size, and a size that is
     * a power of two (0 and {@code Integer.MIN_VALUE} fail the second test) no larger than the maximum
     * capacity, so every slot it reads lies inside the entries, with or without a wrap.
     *
     * @param available {@code prod - cons} of the snapshot.
     * @param size      the size of the snapshot.
     * @param maxMask   the maximum capacity checked against the mapping, minus one.
     * @return true if the snapshot may be copied from.
     */
    static boolean isConsistentSnapshot(final int available, final int size, final int maxMask)
    {
        return Integer.compareUnsigned(available, size) <= 0 && ((size & (size - 1)) | ((size - 1) & ~maxMask)) == 0;
    }

    /**
     * Bytes a ring of the given maximum capacity occupies.
     *
     * @param maxCapacity a valid maximum capacity.
     * @return header blocks plus {@code maxCapacity} entries.
     */
    public static int requiredLength(final int maxCapacity)
    {
        checkCapacity(maxCapacity, "maxCapacity");
        return ENTRIES_OFFSET + maxCapacity * Integer.BYTES;
    }

    /**
     * Offset of the entry that holds a given slot.
     *
     * @param slot an index already masked into [0, size).
     * @return its byte offset in the buffer.
     */
    public static int entryOffset(final int slot)
    {
        return ENTRIES_OFFSET + (slot << 2);
    }

    /**
     * Check a capacity is a power of two within the supported range (R1).
     *
     * @param capacity the value to check.
     * @param what     its name, for the message.
     * @throws IllegalArgumentException if it is not.
     */
    public static void checkCapacity(final int capacity, final String what)
    {
        if (capacity < MIN_CAPACITY || capacity > MAX_CAPACITY || !BitUtil.isPowerOfTwo(capacity))
        {
            throw new IllegalArgumentException(
                what + " must be a power of two between " + MIN_CAPACITY + " and " + MAX_CAPACITY + ", got " + capacity);
        }
    }

    /**
     * Write a fresh header into a zeroed buffer.
     *
     * @param buffer          at least {@link #requiredLength(int)} bytes, all zero.
     * @param initialCapacity the first capacity, a power of two not above {@code maxCapacity}.
     * @param maxCapacity     the capacity the entries region is reserved for.
     * @param waiting         how readers wait.
     * @param pid             the creating process.
     */
    static void format(
        final AtomicBuffer buffer, final int initialCapacity, final int maxCapacity, final ReaderWaiting waiting,
        final long pid)
    {
        buffer.putInt(READER_WAITING_OFFSET, waiting.code());
        buffer.putLong(CREATOR_PID_OFFSET, pid);
        buffer.putLong(CREATION_TIME_OFFSET, System.currentTimeMillis());
        buffer.putInt(MAX_CAPACITY_OFFSET, maxCapacity);
        buffer.putInt(VERSION_OFFSET, VERSION);
        buffer.putIntVolatile(SIZE_OFFSET, initialCapacity);
        // publish the magic last: a reader that sees it sees a complete header
        buffer.putLongVolatile(MAGIC_OFFSET, MAGIC);
    }

    /**
     * Validate a buffer that claims to hold a ring (R10): magic, version, capacities and indices.
     *
     * @param buffer the buffer.
     * @param where  the file or buffer name, for the message.
     * @return the maximum capacity recorded in the header.
     * @throws RingFormatException if anything is not what a ring holds.
     */
    static int validate(final AtomicBuffer buffer, final String where) throws RingFormatException
    {
        final int length = buffer.capacity();
        if (length < ENTRIES_OFFSET)
        {
            throw new RingFormatException(where + " is " + length + " bytes, shorter than a ring header ("
                + ENTRIES_OFFSET + "): truncated, or not a ring");
        }
        final long magic = buffer.getLongVolatile(MAGIC_OFFSET);
        if (magic != MAGIC)
        {
            throw new RingFormatException(where + " is not an evring PortRing (magic 0x" + Long.toHexString(magic) + ")");
        }
        final int version = buffer.getInt(VERSION_OFFSET);
        if (version != VERSION)
        {
            throw new RingFormatException(where + " has PortRing layout version " + version
                + " but this evring reads version " + VERSION + ": open it with the evring that created it");
        }
        final int maxCapacity = buffer.getInt(MAX_CAPACITY_OFFSET);
        if (maxCapacity < MIN_CAPACITY || maxCapacity > MAX_CAPACITY || !BitUtil.isPowerOfTwo(maxCapacity))
        {
            throw new RingFormatException(where + " records maxCapacity " + maxCapacity + ", not a power of two");
        }
        final long needed = ENTRIES_OFFSET + (long)maxCapacity * Integer.BYTES;
        if (length < needed)
        {
            throw new RingFormatException(where + " is truncated: " + length + " bytes for a ring of maxCapacity "
                + maxCapacity + " that needs " + needed);
        }
        if (ReaderWaiting.of(buffer.getInt(READER_WAITING_OFFSET)) == null)
        {
            throw new RingFormatException(where + " records an unknown reader-waiting mode "
                + buffer.getInt(READER_WAITING_OFFSET));
        }
        final int size = buffer.getIntVolatile(SIZE_OFFSET);
        if (size < MIN_CAPACITY || size > maxCapacity || !BitUtil.isPowerOfTwo(size))
        {
            throw new RingFormatException(where + " records size " + size
                + ", not a power of two up to maxCapacity " + maxCapacity);
        }
        // A live ring moves while we look (other processes produce, read, resize): take prod from an
        // instant at which the consumer word stood still, and a size read after prod, which can only be
        // larger than the size prod was published under, so a valid ring always passes.
        long word;
        int prod;
        int liveSize;
        int attempts = 0;
        do
        {
            word = buffer.getLongVolatile(CONS_OFFSET);
            prod = (int)buffer.getLongVolatile(PROD_OFFSET);
            liveSize = buffer.getIntVolatile(SIZE_OFFSET);
        }
        while (word != buffer.getLongVolatile(CONS_OFFSET) && ++attempts < STABLE_SNAPSHOT_ATTEMPTS);
        final int cons = (int)word;
        final int bound = liveSize > size && liveSize <= maxCapacity ? liveSize : size;
        final long fill = Integer.toUnsignedLong(prod - cons);
        if (fill > bound)
        {
            throw new RingFormatException(where + " holds impossible indices: prod " + Integer.toUnsignedString(prod)
                + " - cons " + Integer.toUnsignedString(cons) + " = " + fill + " > size " + bound);
        }
        final int overflow = buffer.getIntVolatile(OVERFLOW_OFFSET);
        if (overflow != 0 && overflow != 1)
        {
            throw new RingFormatException(where + " has overflow flag " + overflow + ", neither 0 nor 1");
        }
        return maxCapacity;
    }
}

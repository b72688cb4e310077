package dev.evring.bench.mechanism;

import org.agrona.concurrent.UnsafeBuffer;

/**
 * The naive baseline: the least a single-producer, single-consumer ring of ints in shared memory can do.
 * The producer writes the slot with a plain store and publishes its index with a release store; the
 * consumer loads that index with acquire, copies, and publishes its own index with a release store. No
 * overflow flag, no resize, no multiple readers, no cached indices.
 *
 * <pre>
 *   0  prod (4)
 * 128  cons (4)
 * 256  entries: capacity x int32
 * </pre>
 */
final class NaiveIntRing
{
    private static final int PROD_OFFSET = 0;
    private static final int CONS_OFFSET = 128;
    private static final int ENTRIES_OFFSET = 256;

    private final UnsafeBuffer buffer;
    private final int capacity;
    private final int mask;
    private int prod;
    private int cons;

    /**
     * A view of a ring in a zeroed region (both peers make one over the same memory).
     *
     * @param buffer   at least {@link #length(int)} bytes.
     * @param capacity a power of two.
     */
    NaiveIntRing(final UnsafeBuffer buffer, final int capacity)
    {
        if (Integer.bitCount(capacity) != 1 || buffer.capacity() < length(capacity))
        {
            throw new IllegalArgumentException("capacity must be a power of two that fits the buffer, got " + capacity);
        }
        this.buffer = buffer;
        this.capacity = capacity;
        this.mask = capacity - 1;
        this.prod = buffer.getIntVolatile(PROD_OFFSET);
        this.cons = buffer.getIntVolatile(CONS_OFFSET);
    }

    /**
     * Bytes a ring of the given capacity needs.
     *
     * @param capacity the capacity.
     * @return the length.
     */
    static int length(final int capacity)
    {
        return ENTRIES_OFFSET + capacity * Integer.BYTES;
    }

    /**
     * Producer: add a value if there is room.
     *
     * @param value the value.
     * @return false if the ring is full.
     */
    boolean offer(final int value)
    {
        final int p = prod;
        if (p - buffer.getIntAcquire(CONS_OFFSET) == capacity) // load-acquire: the consumer is done with the slot
        {
            return false;
        }
        buffer.putInt(ENTRIES_OFFSET + ((p & mask) << 2), value);
        buffer.putIntRelease(PROD_OFFSET, p + 1); // store-release (smp_store_release): the slot before the index
        prod = p + 1;
        return true;
    }

    /**
     * Consumer: copy out up to {@code dst.length} values.
     *
     * @param dst destination.
     * @return the number copied, 0 if empty.
     */
    int read(final int[] dst)
    {
        final int c = cons;
        final int p = buffer.getIntAcquire(PROD_OFFSET); // load-acquire (smp_load_acquire): index before the slots
        final int n = Math.min(p - c, dst.length);
        for (int k = 0; k < n; k++)
        {
            dst[k] = buffer.getInt(ENTRIES_OFFSET + (((c + k) & mask) << 2));
        }
        if (n > 0)
        {
            buffer.putIntRelease(CONS_OFFSET, c + n); // store-release: the copies before the slots are reused
            cons = c + n;
        }
        return n;
    }
}

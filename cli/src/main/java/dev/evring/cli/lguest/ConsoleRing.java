package dev.evring.cli.lguest;

import dev.evring.lguest.GuestMemory;

import java.io.IOException;
import java.io.OutputStream;

/**
 * The output queue of an example console device, in the spirit of virtio-console: a single-producer,
 * single-consumer byte ring in guest memory. The guest {@link #offer offers} text and kicks the device with
 * a notify; the launcher-side service {@link #drain drains} it.
 *
 * <pre>
 * base + 0     producer index (long, free-running byte count, written by the guest)
 * base + 64    consumer index (long, free-running byte count, written by the launcher)
 * base + 128   capacity bytes of text
 * </pre>
 *
 * The producer publishes its index with a volatile store after copying the bytes; the consumer reads the
 * index with a volatile load before copying them out, and frees the room with a volatile store after.
 */
public final class ConsoleRing
{
    /** Bytes before the text area. */
    public static final int HEADER = 128;

    private static final int PRODUCER_OFFSET = 0;
    private static final int CONSUMER_OFFSET = 64;

    private final GuestMemory memory;
    private final long base;
    private final int capacity;
    private final byte[] scratch;

    /**
     * A view of a ring in guest memory.
     *
     * @param memory   guest memory (the guest's or the launcher's view).
     * @param base     the guest-physical address of the ring, a multiple of 8.
     * @param capacity the text capacity, a power of two.
     */
    public ConsoleRing(final GuestMemory memory, final long base, final int capacity)
    {
        if (capacity < 8 || Integer.bitCount(capacity) != 1)
        {
            throw new IllegalArgumentException("capacity " + capacity + " is not a power of two of at least 8");
        }
        this.memory = memory;
        this.base = base;
        this.capacity = capacity;
        this.scratch = new byte[capacity];
        memory.getByte(base + HEADER + capacity - 1); // the whole ring must be in guest memory
    }

    /**
     * Copy as much of the text as fits and publish it (guest side).
     *
     * @param text   the bytes.
     * @param offset the first to copy.
     * @param length how many.
     * @return the number copied, 0 if the ring is full.
     */
    public int offer(final byte[] text, final int offset, final int length)
    {
        final long producer = memory.getLong(base + PRODUCER_OFFSET);
        final long consumer = memory.getLongVolatile(base + CONSUMER_OFFSET);
        final int room = (int)(capacity - (producer - consumer));
        final int count = Math.min(room, length);
        for (int i = 0; i < count; i++)
        {
            memory.putByte(text(producer + i), text[offset + i]);
        }
        memory.putLongVolatile(base + PRODUCER_OFFSET, producer + count);
        return count;
    }

    /**
     * Whether the ring has no room left (guest side).
     *
     * @return true if the consumer has not freed any of the text published.
     */
    public boolean isFull()
    {
        return memory.getLong(base + PRODUCER_OFFSET) - memory.getLongVolatile(base + CONSUMER_OFFSET) >= capacity;
    }

    /**
     * Copy everything published so far to a sink and free the room (launcher side).
     *
     * @param sink where the text goes.
     * @return the number of bytes drained.
     * @throws IOException if the sink fails.
     */
    public int drain(final OutputStream sink) throws IOException
    {
        final long consumer = memory.getLong(base + CONSUMER_OFFSET);
        final long producer = memory.getLongVolatile(base + PRODUCER_OFFSET);
        final int available = (int)(producer - consumer);
        if (available < 0 || available > capacity)
        {
            throw new IOException("console ring indices are impossible: producer " + producer
                + ", consumer " + consumer);
        }
        final int first = (int)Math.min(available, capacity - (consumer & (capacity - 1)));
        memory.getBytes(text(consumer), scratch, 0, first);
        memory.getBytes(base + HEADER, scratch, first, available - first);
        sink.write(scratch, 0, available);
        memory.putLongVolatile(base + CONSUMER_OFFSET, producer);
        return available;
    }

    private long text(final long index)
    {
        return base + HEADER + (index & (capacity - 1));
    }
}

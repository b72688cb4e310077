package dev.evring.bench.mechanism;

import dev.evring.bench.harness.RoundTrips;
import dev.evring.lguest.GuestContext;
import dev.evring.lguest.GuestMemory;
import dev.evring.lguest.GuestProgram;
import org.HdrHistogram.Histogram;

import java.nio.ByteBuffer;

/**
 * The guest program of {@code lguest-eventfd}: it times its own round trips. Each ping is a notify of
 * {@link #PING_ADDRESS} (which the launcher routes to an evtchn port without returning from
 * {@code run()}); the consumer JVM answers by storing the ping's number in guest memory at
 * {@link #ACK}. The plan comes from the launcher in guest memory; at the end the guest stores its
 * histogram there and notifies {@link #DONE_ADDRESS}, which no target holds, so {@code run()} returns.
 */
public final class EventfdPingGuest implements GuestProgram
{
    /** The address routed to the evtchn port. */
    static final long PING_ADDRESS = 0x2000;
    /** The address that ends the run (no target: {@code run()} returns it). */
    static final long DONE_ADDRESS = 0x3000;
    /** Guest-physical address of the plan: warm-up round trips, measured round trips, cap in ms (longs). */
    static final long PLAN = 0;
    /** Guest-physical address of the consumer's acknowledgement: the number of pings it has answered. */
    static final long ACK = 128;
    /** Guest-physical address of the encoded histogram's length (int). */
    static final long HISTOGRAM_LENGTH = 256;
    /** Guest-physical address of the encoded histogram. */
    static final long HISTOGRAM = 4096;
    /** Guest pages: the histogram's room ends at the last. */
    static final long PAGES = 32;

    /**
     * Loaded by the guest JVM through this constructor.
     */
    public EventfdPingGuest()
    {
    }

    /**
     * {@inheritDoc}
     */
    @Override
    public void run(final GuestContext context)
    {
        final GuestMemory memory = context.memory();
        final RoundTrips trips = new RoundTrips(
            memory.getLongVolatile(PLAN), memory.getLongVolatile(PLAN + 8), memory.getLongVolatile(PLAN + 16));
        for (long i = 0; trips.more(i); i++)
        {
            final long start = System.nanoTime();
            context.notify(PING_ADDRESS);
            while (memory.getLongVolatile(ACK) <= i)
            {
                Thread.yield(); // this JVM shares peer A's CPU with the launcher and the hub
            }
            trips.record(i, start, System.nanoTime());
        }
        final Histogram histogram = trips.histogram();
        final ByteBuffer encoded = ByteBuffer.allocate(histogram.getNeededByteBufferCapacity());
        final int length = histogram.encodeIntoCompressedByteBuffer(encoded);
        if (HISTOGRAM + length > PAGES * GuestMemory.PAGE_SIZE)
        {
            context.crash("the histogram needs " + length + " bytes, more than guest memory has room for");
            return;
        }
        memory.putBytes(HISTOGRAM, encoded.array(), 0, length);
        memory.putIntVolatile(HISTOGRAM_LENGTH, length);
        context.notify(DONE_ADDRESS);
    }
}

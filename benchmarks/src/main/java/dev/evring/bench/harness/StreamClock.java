package dev.evring.bench.harness;

import org.HdrHistogram.Histogram;

import java.util.concurrent.TimeUnit;
import java.util.function.LongPredicate;

/**
 * Times a one-way stream for the producer: once the responder has opened its end and takes messages,
 * messages flow for the plan's warm-up time, then for its measured time. The clock is read once every
 * {@value #CLOCK_EVERY} messages, so timing costs the stream nothing measurable. At the end the producer
 * announces the total and waits until the consumer has taken every message, so the rate counts delivery,
 * not just sending. Each chunk of {@link Measurement#CHUNK} measured messages is also timed on its own.
 */
public final class StreamClock
{
    /** Messages between two readings of the clock, a power of two. */
    public static final int CLOCK_EVERY = 1024;

    private final Peer peer;
    private final long warmupNs;
    private long warmupEndNs;
    private boolean warmingUp;
    private final long measuredNs;
    private long endNs;
    private long measuredFrom = -1;
    private long startNs;
    private long chunkStartNs;
    private final Histogram chunks = Measurement.newHistogram();

    /**
     * Start the clock now.
     *
     * @param peer the producing peer.
     */
    public StreamClock(final Peer peer)
    {
        this.peer = peer;
        this.warmupNs = TimeUnit.MILLISECONDS.toNanos(peer.plan().streamWarmupMs());
        this.measuredNs = TimeUnit.MILLISECONDS.toNanos(peer.plan().streamMs());
    }

    /**
     * Whether to send another message.
     *
     * @param sent messages sent so far.
     * @return false once the measured time is over.
     */
    public boolean keepSending(final long sent)
    {
        if ((sent & (CLOCK_EVERY - 1)) != 0)
        {
            return true;
        }
        final long now = System.nanoTime();
        if (!warmingUp)
        {
            // the warm-up starts when both ends stream, not while the responder still opens its end
            warmingUp = peer.control().isResponderStreaming();
            warmupEndNs = now + warmupNs;
            return true;
        }
        if (measuredFrom < 0)
        {
            if (now - warmupEndNs >= 0)
            {
                measuredFrom = sent;
                startNs = now;
                chunkStartNs = now;
                endNs = now + measuredNs;
            }
            return true;
        }
        if ((sent - measuredFrom) % Measurement.CHUNK == 0)
        {
            chunks.recordValue(Math.min(now - chunkStartNs, Measurement.HIGHEST_TRACKABLE_NS));
            chunkStartNs = now;
        }
        return now - endNs < 0;
    }

    /**
     * A whole stream of a transport that refuses an offer while it is full: offer messages 0, 1, 2, ... until
     * the clock stops, spinning (with the watchdog checked now and then) while an offer is refused, then
     * {@link #finish(long)}.
     *
     * @param offer offers message {@code n}; false if the transport is full now.
     * @return the measurement.
     */
    public Measurement stream(final LongPredicate offer)
    {
        final Watchdog watchdog = peer.watchdog();
        long sent = 0;
        while (keepSending(sent))
        {
            long spins = 0;
            while (!offer.test(sent))
            {
                Thread.onSpinWait();
                if ((++spins & Watchdog.CHECK_MASK) == 0)
                {
                    watchdog.check();
                }
            }
            sent++;
        }
        return finish(sent);
    }

    /**
     * End the stream: announce the total, wait until the consumer took it all, and stop the clock.
     *
     * @param sent messages sent in all.
     * @return the measured messages and the time they took to be delivered.
     */
    public Measurement finish(final long sent)
    {
        return finish(sent, Thread::onSpinWait);
    }

    /**
     * End the stream as {@link #finish(long)} does, running the producer's transport (an invoker-mode
     * driver, say) while the consumer takes the rest.
     *
     * @param sent messages sent in all.
     * @param idle what to do between looks at the consumer's count.
     * @return the measured messages and the time they took to be delivered.
     */
    public Measurement finish(final long sent, final Runnable idle)
    {
        peer.control().streamEnd(sent);
        peer.control().awaitResponderCount(sent, peer.watchdog(), idle);
        return Measurement.stream(sent - measuredFrom, System.nanoTime() - startNs, chunks);
    }

    /**
     * How many messages went before the measured time began.
     *
     * @return the count, or -1 while the stream still warms up.
     */
    public long measuredFrom()
    {
        return measuredFrom;
    }
}

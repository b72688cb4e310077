package dev.evring.bench.harness;

import org.HdrHistogram.Histogram;

import java.util.concurrent.TimeUnit;

/**
 * The schedule and record of peer A's round trips in one phase: up to {@code warmup} untimed ones, then up
 * to {@code measured} recorded ones. Each part also ends when it has taken the phase's time cap, so a
 * loaded machine (peers often descheduled) still finishes in bounded time, with fewer samples.
 *
 * <pre>
 * RoundTrips trips = new RoundTrips(warmup, measured, capMs);
 * for (long i = 0; trips.more(i); i++) { start = nanoTime(); exchange(); trips.record(i, start, nanoTime()); }
 * </pre>
 */
public final class RoundTrips
{
    private final long measured;
    private final long capNs;
    private final Histogram histogram = Measurement.newHistogram();
    private long warmup;
    private long warmupEndsAt;
    private long measuredEndsAt;
    private boolean stopped;

    /**
     * A schedule that starts now.
     *
     * @param warmup   round trips not recorded, at most.
     * @param measured round trips recorded, at most.
     * @param capMs    the longest the warm-up, and then the measured part, may take.
     */
    public RoundTrips(final long warmup, final long measured, final long capMs)
    {
        this.warmup = warmup;
        this.measured = measured;
        this.capNs = TimeUnit.MILLISECONDS.toNanos(capMs);
        this.warmupEndsAt = System.nanoTime() + capNs;
    }

    /**
     * Whether to make round trip {@code i}.
     *
     * @param i the round trip's index from 0.
     * @return false once both parts are over.
     */
    public boolean more(final long i)
    {
        return !stopped && i < warmup + measured;
    }

    /**
     * Record round trip {@code i}.
     *
     * @param i       its index.
     * @param startNs {@link System#nanoTime()} before it.
     * @param endNs   {@link System#nanoTime()} after it.
     */
    public void record(final long i, final long startNs, final long endNs)
    {
        if (i < warmup)
        {
            if (endNs - warmupEndsAt > 0)
            {
                warmup = i + 1;
            }
            return;
        }
        histogram.recordValue(Math.min(endNs - startNs, Measurement.HIGHEST_TRACKABLE_NS));
        if (i == warmup)
        {
            measuredEndsAt = startNs + capNs;
        }
        else if (endNs - measuredEndsAt > 0)
        {
            stopped = true;
        }
    }

    /**
     * The recorded round trips.
     *
     * @return the histogram in nanoseconds.
     */
    public Histogram histogram()
    {
        return histogram;
    }
}

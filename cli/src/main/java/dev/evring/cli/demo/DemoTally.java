package dev.evring.cli.demo;

import org.HdrHistogram.Histogram;

/**
 * The demo's running figures, fed by every consumer's {@code STAT} lines and by domain 0's loop: the latest
 * running counts of each source, every round trip so far, and the round trips since the status line last
 * looked. Thread-safe.
 */
final class DemoTally
{
    private final long[] events;
    private final long[] roundTrips;
    private final long[] ticks;
    private final Histogram total = DemoLoop.newHistogram();
    private final Histogram live = DemoLoop.newHistogram();

    /**
     * @param sources the number of consumers plus one for domain 0.
     */
    DemoTally(final int sources)
    {
        this.events = new long[sources];
        this.roundTrips = new long[sources];
        this.ticks = new long[sources];
    }

    synchronized void update(
        final int source, final long events, final long roundTrips, final long ticks, final Histogram interval)
    {
        this.events[source] = events;
        this.roundTrips[source] = roundTrips;
        this.ticks[source] = ticks;
        total.add(interval);
        live.add(interval);
    }

    synchronized long events()
    {
        return sum(events);
    }

    synchronized long roundTrips()
    {
        return sum(roundTrips);
    }

    synchronized long ticks()
    {
        return sum(ticks);
    }

    /**
     * Every round trip recorded so far.
     */
    synchronized Histogram total()
    {
        return total.copy();
    }

    /**
     * The round trips recorded since the last call.
     */
    synchronized Histogram takeLive()
    {
        final Histogram copy = live.copy();
        live.reset();
        return copy;
    }

    private static long sum(final long[] values)
    {
        long sum = 0;
        for (final long value : values)
        {
            sum += value;
        }
        return sum;
    }
}

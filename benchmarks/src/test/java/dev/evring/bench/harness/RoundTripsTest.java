package dev.evring.bench.harness;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RoundTripsTest
{
    private static final long SECOND = 1_000_000_000L;

    @Test
    void warmupThenMeasuredByCount()
    {
        final RoundTrips trips = new RoundTrips(3, 4, 60_000);
        final long now = System.nanoTime();
        long i = 0;
        for (; trips.more(i); i++)
        {
            trips.record(i, now + i * 100, now + i * 100 + 10 + i);
        }

        assertEquals(7, i);
        assertEquals(4, trips.histogram().getTotalCount());
        assertEquals(13, trips.histogram().getMinValue(), "round trip 3 is the first recorded");
        assertEquals(16, trips.histogram().getMaxValue());
    }

    @Test
    void warmupEndsEarlyAtTheCap()
    {
        final RoundTrips trips = new RoundTrips(1_000_000, 2, 1_000);
        final long now = System.nanoTime();

        trips.record(0, now, now + 10);
        trips.record(1, now + 2 * SECOND, now + 2 * SECOND + 10);

        assertTrue(trips.more(2));
        trips.record(2, now + 3 * SECOND, now + 3 * SECOND + 20);
        trips.record(3, now + 3 * SECOND + 100, now + 3 * SECOND + 130);
        assertFalse(trips.more(4), "two warm-up round trips, then the two measured ones");
        assertEquals(2, trips.histogram().getTotalCount());
        assertEquals(20, trips.histogram().getMinValue());
    }

    @Test
    void measuredPartStopsAtTheCapWithWhatItHas()
    {
        final RoundTrips trips = new RoundTrips(0, 1_000_000, 1_000);
        final long now = System.nanoTime();

        trips.record(0, now, now + 10);
        trips.record(1, now + 100, now + 110);
        assertTrue(trips.more(2));
        trips.record(2, now + SECOND + 1, now + SECOND + 11);

        assertFalse(trips.more(3));
        assertEquals(3, trips.histogram().getTotalCount());
    }
}

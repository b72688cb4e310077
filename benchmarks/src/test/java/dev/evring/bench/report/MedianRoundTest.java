package dev.evring.bench.report;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MedianRoundTest
{
    @Test
    void oneRoundIsReportedAsItIs()
    {
        final Measured only = stream(5e7);
        assertSame(only, MedianRound.of(List.of(only), 120));
        assertNull(only.row().flag());
    }

    @Test
    void streamTakesTheMedianRateAndListsEveryRound()
    {
        final Measured median = MedianRound.of(List.of(stream(9e7), stream(3e7), stream(6e7)), 120);
        assertEquals(6e7, median.row().msgsPerSecond());
        assertEquals("median of 3 rounds: 90.0M msgs/s, 30.0M msgs/s, 60.0M msgs/s", median.row().flag());
    }

    @Test
    void roundTripTakesTheMedianRatioAndAnEvenCountTakesTheWorseMiddle()
    {
        assertEquals(1.3, MedianRound.of(List.of(roundTrip(1.1), roundTrip(1.5), roundTrip(1.3)), 120)
            .row().ratioToFloor());
        assertEquals(1.3, MedianRound.of(List.of(roundTrip(1.1), roundTrip(1.5), roundTrip(1.3), roundTrip(1.2)), 120)
            .row().ratioToFloor(), "the worse of 1.2x and 1.3x");
        assertEquals(4e7, MedianRound.of(List.of(stream(9e7), stream(1e7), stream(4e7), stream(6e7)), 120)
            .row().msgsPerSecond(), "the worse of 40M and 60M");
    }

    @Test
    void roundsWhoseFloorMovedCountOnlyWhenNoOtherRoundHeldStill()
    {
        final Measured median = MedianRound.of(List.of(roundTrip(1.3), movedRoundTrip(0.9),
            roundTrip(1.2), movedRoundTrip(0.95), roundTrip(1.6)), 120);
        assertEquals(1.3, median.row().ratioToFloor(), "the median of 1.2x, 1.3x and 1.6x");
        assertEquals("median of 3 rounds: 1.30x, 0.90x (floor moved), 1.20x, 0.95x (floor moved), 1.60x",
            median.row().flag());
        assertEquals(0.95, MedianRound.of(List.of(movedRoundTrip(0.9), movedRoundTrip(0.95), movedRoundTrip(1.1)), 120)
            .row().ratioToFloor(), "every floor moved: all rounds count");
    }

    @Test
    void roundsAtAnotherPlacementCountOnlyWhenNoRoundRanAtTheUsualOne()
    {
        final Measured median = MedianRound.of(List.of(stream(9e7), farStream(2e7), stream(8e7),
            farStream(3e7), stream(7e7)), 120);
        assertEquals(8e7, median.row().msgsPerSecond(), "the median of 90M, 80M and 70M, not of all five");
        assertEquals("median of 3 rounds: 90.0M msgs/s, 20.0M msgs/s (other placement: floor 360 ns), 80.0M msgs/s, "
            + "30.0M msgs/s (other placement: floor 360 ns), 70.0M msgs/s", median.row().flag());
        assertEquals(3e7, MedianRound.of(List.of(farStream(2e7), farStream(3e7), farStream(4e7)), 120)
            .row().msgsPerSecond(), "no round at the usual placement: the steady rounds count");
    }

    @Test
    void theUsualPlacementIsTheFloorMostSteadyRoundsShare()
    {
        assertEquals(120, MedianRound.usualFloorNs(List.of(farStream(1e7), stream(1e7), stream(2e7), failed())));
        assertEquals(120, MedianRound.usualFloorNs(List.of(streamAt(60, 1e7), stream(1e7), stream(2e7),
            farStream(1e7))), "one round at an unusually close placement does not set the placement");
        assertEquals(120, MedianRound.usualFloorNs(List.of(farStream(1e7), stream(1e7))), "a tie: the lower floor");
        assertEquals(120, MedianRound.usualFloorNs(List.of(stream(1e7), movedRoundTrip(1.0), movedRoundTrip(1.0))),
            "rounds whose floor moved do not count");
        assertEquals(0, MedianRound.usualFloorNs(List.of(failed())));
    }

    @Test
    void failedRoundsAreLeftOutAndCounted()
    {
        final Measured median = MedianRound.of(
            List.of(failed(), stream(2e7), stream(8e7), stream(5e7)), 120);
        assertEquals(5e7, median.row().msgsPerSecond());
        assertTrue(median.row().flag().endsWith("; 1 failed"), median.row().flag());
        final Measured allFailed = MedianRound.of(List.of(failed(), failed()), 120);
        assertEquals("peer died", allFailed.row().error());
    }

    private static Measured stream(final double msgsPerSecond)
    {
        return measured(new ResultRow("s", true, null, null, null, null, null, msgsPerSecond, msgsPerSecond, 120L, 120L,
            null, 1.0, 1.0, null, null));
    }

    private static Measured farStream(final double msgsPerSecond)
    {
        return streamAt(360, msgsPerSecond);
    }

    private static Measured streamAt(final long floorNs, final double msgsPerSecond)
    {
        return measured(new ResultRow("s", true, null, null, null, null, null, msgsPerSecond, msgsPerSecond, floorNs,
            floorNs, null, 1.0, 1.0, null, null));
    }

    private static Measured roundTrip(final double ratio)
    {
        final long p50 = Math.round(120 * ratio);
        return measured(new ResultRow("r", false, p50, p50, p50, p50, p50, null, null, 120L, 120L, ratio, 1.0, 1.0,
            null, null));
    }

    private static Measured movedRoundTrip(final double ratio)
    {
        final long p50 = Math.round(240 * ratio);
        return measured(new ResultRow("r", false, p50, p50, p50, p50, p50, null, null, 120L, 360L, ratio, 1.0, 1.0,
            null, null));
    }

    private static Measured failed()
    {
        return measured(new ResultRow("f", true, null, null, null, null, null, null, null, null, null, null, null, null,
            null, "peer died"));
    }

    private static Measured measured(final ResultRow row)
    {
        return new Measured(row, List.of(), null);
    }
}

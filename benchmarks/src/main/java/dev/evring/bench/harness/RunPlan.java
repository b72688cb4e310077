package dev.evring.bench.harness;

import java.util.Arrays;

/**
 * How much work each phase of a benchmark pair does: warm-up and measured round trips for the floor and
 * for round-trip mechanisms, warm-up and measured messages for streams, and how long the whole pair may
 * take before it is treated as hung.
 *
 * @param floorWarmup     floor round trips before measuring.
 * @param floorRoundTrips measured floor round trips (before and again after the mechanism).
 * @param warmupRoundTrips round trips a round-trip mechanism runs before measuring.
 * @param roundTrips      measured round trips at most.
 * @param streamWarmupMs  how long a stream runs before the clock starts.
 * @param streamMs        how long a stream is measured.
 * @param phaseCapMs      the longest the measured round trips of one phase (floor or mechanism) may take;
 *                        a phase that reaches it stops early with what it has.
 * @param timeoutMs       wall-clock budget of one pair of peers, start-up included.
 */
public record RunPlan(
    long floorWarmup,
    long floorRoundTrips,
    long warmupRoundTrips,
    long roundTrips,
    long streamWarmupMs,
    long streamMs,
    long phaseCapMs,
    long timeoutMs)
{
    /** The plan of {@code --quick}: the whole default set well under two minutes. */
    public static final RunPlan QUICK = new RunPlan(50_000, 200_000, 200_000, 1_000_000, 1_500, 1_500, 2_000, 60_000);

    /** The default plan. */
    public static final RunPlan FULL = new RunPlan(200_000, 1_000_000, 1_000_000, 10_000_000, 2_000, 10_000, 20_000, 600_000);

    /**
     * Check every count is usable.
     */
    public RunPlan
    {
        if (floorWarmup < 0 || floorRoundTrips < 1 || warmupRoundTrips < 0 || roundTrips < 1 || streamWarmupMs < 0
            || streamMs < 1 || phaseCapMs < 1 || timeoutMs < 1)
        {
            throw new IllegalArgumentException("every measured count must be positive and every warm-up count "
                + "non-negative: " + encode());
        }
        if (floorWarmup + floorRoundTrips >= Integer.MAX_VALUE || warmupRoundTrips + roundTrips >= Integer.MAX_VALUE)
        {
            throw new IllegalArgumentException("a phase makes fewer than " + Integer.MAX_VALUE + " round trips");
        }
    }

    /**
     * The plan as one command-line argument for a peer.
     *
     * @return comma-separated counts.
     */
    public String encode()
    {
        return floorWarmup + "," + floorRoundTrips + "," + warmupRoundTrips + "," + roundTrips + ","
            + streamWarmupMs + "," + streamMs + "," + phaseCapMs + "," + timeoutMs;
    }

    /**
     * Read a plan written by {@link #encode()}.
     *
     * @param text the argument.
     * @return the plan.
     * @throws IllegalArgumentException if the text is not a plan.
     */
    public static RunPlan decode(final String text)
    {
        final long[] values;
        try
        {
            values = Arrays.stream(text.split(",")).mapToLong(Long::parseLong).toArray();
        }
        catch (final NumberFormatException ex)
        {
            throw new IllegalArgumentException("not a run plan: " + text, ex);
        }
        if (values.length != 8)
        {
            throw new IllegalArgumentException("a run plan has 8 counts, got " + values.length + ": " + text);
        }
        return new RunPlan(values[0], values[1], values[2], values[3], values[4], values[5], values[6], values[7]);
    }
}

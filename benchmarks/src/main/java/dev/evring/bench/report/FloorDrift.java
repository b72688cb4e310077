package dev.evring.bench.report;

/**
 * How far the raw cache-line floor moved between the measurement before a mechanism and the one after.
 * A machine like this one moves between a fast and a slow core placement (a raw round trip of about 130 or
 * about 490 ns), so a result whose floor moved by more than {@link #THRESHOLD} was not measured on one
 * placement: it is flagged, and re-run once.
 *
 * @param beforeNs the floor's median round trip before the mechanism.
 * @param afterNs  the floor's median round trip after it.
 */
public record FloorDrift(long beforeNs, long afterNs)
{
    /** The relative change above which a result is flagged: 20%. */
    static final double THRESHOLD = 0.20;

    /**
     * Check the floors are real measurements.
     */
    public FloorDrift
    {
        if (beforeNs < 1 || afterNs < 1)
        {
            throw new IllegalArgumentException(
                "floor round trips must be positive, got " + beforeNs + " and " + afterNs);
        }
    }

    /**
     * The change relative to the floor before.
     *
     * @return {@code |after - before| / before}.
     */
    double fraction()
    {
        return Math.abs(afterNs - beforeNs) / (double)beforeNs;
    }

    /**
     * Whether the floor moved by more than {@link #THRESHOLD}.
     *
     * @return true if the result should be flagged.
     */
    public boolean moved()
    {
        return fraction() > THRESHOLD;
    }

    /**
     * The floor both measurements agree on.
     *
     * @return the mean of before and after.
     */
    double meanNs()
    {
        return (beforeNs + afterNs) / 2.0;
    }

    /**
     * A short description for the flag column.
     *
     * @return e.g. {@code floor moved +34%}.
     */
    public String describe()
    {
        return String.format(java.util.Locale.ROOT, "floor moved %+.0f%%", 100.0 * (afterNs - beforeNs) / beforeNs);
    }
}

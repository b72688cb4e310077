package dev.evring.bench.report;

import dev.evring.bench.harness.Measurement;
import dev.evring.bench.harness.Mechanism;
import dev.evring.bench.harness.PeerReport;
import org.HdrHistogram.Histogram;

/**
 * One line of the results: a mechanism's latency percentiles (round trips) or rate (streams), the floor
 * measured before and after it in the same processes, its ratio to that floor, and a flag when the floor
 * moved or the run failed. A field that does not apply is null.
 *
 * @param name          the mechanism.
 * @param stream        true for a one-way stream, false for round trips.
 * @param p50Ns         median round trip.
 * @param p90Ns         90th percentile.
 * @param p99Ns         99th percentile.
 * @param p999Ns        99.9th percentile.
 * @param maxNs         slowest round trip.
 * @param msgsPerSecond stream rate over the whole measured time.
 * @param msgsPerSecondMedianChunk stream rate of the median chunk of {@value Measurement#CHUNK} messages (the
 *                      rate while both peers ran), null if no chunk completed.
 * @param floorBeforeNs the floor's median round trip before the mechanism.
 * @param floorAfterNs  the floor's median round trip after it.
 * @param ratioToFloor  round trips: p50 over the mean floor; streams: null.
 * @param cpuShareA     the share of the mechanism phase peer A's thread was on its CPU (below 1: the
 *                      scheduler took the CPU away, other load on the machine).
 * @param cpuShareB     the same for peer B.
 * @param flag          why the result needs a second look, or null.
 * @param error         why the run failed (then every number is null), or null.
 * @param notifyRates   a notify stream's notifies and messages per second and coalesced share (its msgs/s
 *                      are the events its consumer read), or null.
 */
public record ResultRow(
    String name,
    boolean stream,
    Long p50Ns,
    Long p90Ns,
    Long p99Ns,
    Long p999Ns,
    Long maxNs,
    Double msgsPerSecond,
    Double msgsPerSecondMedianChunk,
    Long floorBeforeNs,
    Long floorAfterNs,
    Double ratioToFloor,
    Double cpuShareA,
    Double cpuShareB,
    String flag,
    String error,
    NotifyRates notifyRates)
{
    /** A peer on its CPU for less than this share of the mechanism phase is flagged as descheduled. */
    static final double CPU_SHARE_THRESHOLD = 0.9;

    /**
     * A row of any mechanism but a notify stream.
     *
     * @param name          the mechanism.
     * @param stream        true for a one-way stream.
     * @param p50Ns         median round trip.
     * @param p90Ns         90th percentile.
     * @param p99Ns         99th percentile.
     * @param p999Ns        99.9th percentile.
     * @param maxNs         slowest round trip.
     * @param msgsPerSecond stream rate.
     * @param msgsPerSecondMedianChunk stream rate of the median chunk.
     * @param floorBeforeNs the floor before.
     * @param floorAfterNs  the floor after.
     * @param ratioToFloor  p50 over the mean floor.
     * @param cpuShareA     peer A's share of a CPU.
     * @param cpuShareB     peer B's.
     * @param flag          why the result needs a second look, or null.
     * @param error         why the run failed, or null.
     */
    public ResultRow(final String name, final boolean stream, final Long p50Ns, final Long p90Ns, final Long p99Ns,
        final Long p999Ns, final Long maxNs, final Double msgsPerSecond, final Double msgsPerSecondMedianChunk,
        final Long floorBeforeNs, final Long floorAfterNs, final Double ratioToFloor, final Double cpuShareA,
        final Double cpuShareB, final String flag, final String error)
    {
        this(name, stream, p50Ns, p90Ns, p99Ns, p999Ns, maxNs, msgsPerSecond, msgsPerSecondMedianChunk, floorBeforeNs,
            floorAfterNs, ratioToFloor, cpuShareA, cpuShareB, flag, error, null);
    }

    /**
     * Turn a pair's report into a row: percentiles from the round-trip histogram, or the stream rate, and
     * the median of each floor histogram. Flags a floor that moved by more than 20% and a peer that was
     * descheduled for more than a tenth of the mechanism phase.
     *
     * @param name   the mechanism.
     * @param report what peer A measured.
     * @return the row.
     */
    public static ResultRow of(final String name, final PeerReport report)
    {
        return of(name, report, true);
    }

    /**
     * Turn a pair's report into a row, flagging descheduled peers only if the mechanism's peers spin.
     *
     * @param name      the mechanism.
     * @param report    what peer A measured.
     * @param peersSpin false for a mechanism whose peers sleep or park by design (their CPU share then
     *                  says nothing about other load).
     * @return the row.
     */
    public static ResultRow of(final String name, final PeerReport report, final boolean peersSpin)
    {
        final long floorBefore = report.floorBefore().getValueAtPercentile(50.0);
        final long floorAfter = report.floorAfter().getValueAtPercentile(50.0);
        final FloorDrift drift = new FloorDrift(floorBefore, floorAfter);
        final double shareA = report.initiatorCpuShare();
        final double shareB = report.responderCpuShare();
        final String flag = flag(drift, peersSpin ? shareA : 1.0, peersSpin ? shareB : 1.0);
        final Measurement measurement = report.measurement();
        if (measurement.isRoundTrip())
        {
            final Histogram h = measurement.histogram();
            final long p50 = h.getValueAtPercentile(50.0);
            return new ResultRow(name, false, p50, h.getValueAtPercentile(90.0), h.getValueAtPercentile(99.0),
                h.getValueAtPercentile(99.9), h.getMaxValue(), null, null, floorBefore, floorAfter,
                p50 / drift.meanNs(), shareA, shareB, flag, null);
        }
        return new ResultRow(name, true, null, null, null, null, null, measurement.messagesPerSecond(),
            measurement.medianChunkMessagesPerSecond(), floorBefore, floorAfter, null, shareA, shareB, flag, null,
            NotifyRates.of(measurement));
    }

    private static String flag(final FloorDrift drift, final double shareA, final double shareB)
    {
        final String moved = drift.moved() ? drift.describe() : null;
        final String descheduled = Math.min(shareA, shareB) < CPU_SHARE_THRESHOLD
            ? String.format(java.util.Locale.ROOT, "descheduled: on CPU A %.0f%% B %.0f%%", 100 * shareA, 100 * shareB)
            : null;
        if (moved != null && descheduled != null)
        {
            return moved + "; " + descheduled;
        }
        return moved != null ? moved : descheduled;
    }

    /**
     * A row for a run that failed.
     *
     * @param mechanism the mechanism.
     * @param error     what went wrong.
     * @return the row, every number null.
     */
    public static ResultRow failed(final Mechanism mechanism, final String error)
    {
        return new ResultRow(mechanism.name(), mechanism.isStream(), null, null, null, null, null, null, null, null,
            null, null, null, null, "FAILED", error);
    }

    /**
     * The floor's drift between before and after.
     *
     * @return the drift, or null if the run failed.
     */
    public FloorDrift drift()
    {
        return floorBeforeNs == null ? null : new FloorDrift(floorBeforeNs, floorAfterNs);
    }

    /**
     * This row with another flag.
     *
     * @param newFlag the flag.
     * @return the copy.
     */
    public ResultRow withFlag(final String newFlag)
    {
        return new ResultRow(name, stream, p50Ns, p90Ns, p99Ns, p999Ns, maxNs, msgsPerSecond, msgsPerSecondMedianChunk,
            floorBeforeNs, floorAfterNs, ratioToFloor, cpuShareA, cpuShareB, newFlag, error, notifyRates);
    }
}

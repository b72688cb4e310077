package dev.evring.bench.report;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * A ratio between two results of the same run, e.g. PortRing's stream rate over Agrona's: numbers from the
 * same machine load compare better than numbers from two runs. Round trips are compared as ratios to their
 * own floors, because each pair of processes may land on a different core placement; round trips bound
 * by kernel wake-ups (a sleeping consumer against a blocking socket) are compared as raw p50s, since they
 * do not scale with the placement; stream rates are compared as they are, so check their floors before
 * trusting a stream comparison.
 *
 * @param metric      the field compared ({@code p50_over_floor}, {@code p99_over_floor}, {@code p50_ns},
 *                    {@code msgs_per_s} or {@code msgs_per_s_median_chunk}).
 * @param subject     the mechanism measured.
 * @param baseline    the mechanism it is compared with.
 * @param ratio       subject over baseline.
 */
record Comparison(String metric, String subject, String baseline, double ratio)
{
    private static final List<Pair> PAIRS = List.of(
        new Pair("p50_over_floor", "portring", "agrona-o2o", ResultRow::ratioToFloor),
        new Pair("p99_over_floor", "portring", "agrona-o2o", Comparison::p99OverFloor),
        new Pair("p50_over_floor", "portring-doorbell", "portring", ResultRow::ratioToFloor),
        new Pair("p50_over_floor", "evtchn", "portring", ResultRow::ratioToFloor),
        new Pair("p50_over_floor", "chronicle-queue", "portring", ResultRow::ratioToFloor),
        // Aeron IPC is the strongest JVM IPC a user would pick instead of evring
        new Pair("p50_over_floor", "portring", "aeron-ipc", ResultRow::ratioToFloor),
        new Pair("p50_over_floor", "evtchn", "aeron-ipc", ResultRow::ratioToFloor),
        // UDP round trips are system calls and the network stack, not cache-line transfers: raw p50s
        new Pair("p50_ns", "evtchn-bridge", "aeron-udp", ResultRow::p50Ns),
        // wake-up bound round trips do not scale with the core placement the floor measures: raw p50s
        new Pair("p50_ns", "evtchn-blocking", "uds", ResultRow::p50Ns),
        new Pair("p50_ns", "evtchn-blocking", "uds-paused", ResultRow::p50Ns),
        new Pair("p50_ns", "uds-spin", "uds", ResultRow::p50Ns),
        new Pair("msgs_per_s", "portring-stream", "agrona-o2o-stream", ResultRow::msgsPerSecond),
        new Pair("msgs_per_s", "portring-stream", "naive-stream", ResultRow::msgsPerSecond),
        new Pair("msgs_per_s", "portring-doorbell-stream", "portring-stream", ResultRow::msgsPerSecond),
        // events read across hosts against Aeron messages of the bridge's NOTIFY size, the same invoker arrangement
        new Pair("msgs_per_s", "evtchn-bridge-stream", "aeron-udp-stream", ResultRow::msgsPerSecond),
        new Pair("msgs_per_s_median_chunk", "portring-stream", "agrona-o2o-stream",
            ResultRow::msgsPerSecondMedianChunk),
        new Pair("msgs_per_s_median_chunk", "portring-stream", "naive-stream", ResultRow::msgsPerSecondMedianChunk),
        new Pair("msgs_per_s_median_chunk", "portring-doorbell-stream", "portring-stream",
            ResultRow::msgsPerSecondMedianChunk));

    /**
     * The comparisons a run's results allow: every known pair whose two rows both have the metric.
     *
     * @param results the run's rows.
     * @return the comparisons, in a fixed order.
     */
    static List<Comparison> of(final List<ResultRow> results)
    {
        final Map<String, ResultRow> byName = results.stream()
            .collect(Collectors.toMap(ResultRow::name, Function.identity(), (a, b) -> b));
        final List<Comparison> comparisons = new ArrayList<>();
        for (final Pair pair : PAIRS)
        {
            final ResultRow subject = byName.get(pair.subject());
            final ResultRow baseline = byName.get(pair.baseline());
            if (subject == null || baseline == null)
            {
                continue;
            }
            final Number top = pair.metric().apply(subject);
            final Number bottom = pair.metric().apply(baseline);
            if (top != null && bottom != null && bottom.doubleValue() > 0)
            {
                comparisons.add(new Comparison(pair.name(), pair.subject(), pair.baseline(),
                    top.doubleValue() / bottom.doubleValue()));
            }
        }
        return comparisons;
    }

    /**
     * A round trip's 99th percentile over the floor measured around it, so that two rows measured on
     * different core placements (a floor of 130 or 490 ns) still compare.
     *
     * @param row the row.
     * @return p99 over the mean floor, or null without both.
     */
    static Double p99OverFloor(final ResultRow row)
    {
        return row.p99Ns() == null || row.drift() == null ? null : row.p99Ns() / row.drift().meanNs();
    }

    /**
     * A pair worth comparing and how to take the metric from a row.
     */
    private record Pair(String name, String subject, String baseline, Function<ResultRow, Number> metric)
    {
    }
}

package dev.evring.bench.report;

import dev.evring.bench.Mechanisms;
import dev.evring.bench.harness.FootprintEntry;
import dev.evring.bench.harness.MachineInfo;
import dev.evring.bench.harness.Measurement;

import java.util.List;
import java.util.Locale;

/**
 * The markdown form of a run: the results table, the notify streams' own figures, then the ring files'
 * footprint.
 */
public final class MarkdownReport
{
    private static final String NONE = "-";

    private MarkdownReport()
    {
    }

    /**
     * Render a run.
     *
     * @param report the run.
     * @return markdown text.
     */
    public static String render(final BenchReport report)
    {
        final MachineInfo m = report.machine();
        final StringBuilder out = new StringBuilder();
        out.append(String.format(Locale.ROOT, "%s, %d CPUs, Java %s, %s; %s; load %s at start, %s at end%n%n",
            m.cpuModel(), m.cores(), m.javaVersion(), m.os(), m.pinning(), m.loadAverage(), report.loadAverageEnd()));
        out.append("| name | p50 ns | p90 ns | p99 ns | p99.9 ns | max ns | msgs/s | msgs/s median chunk "
            + "| floor before ns | floor after ns | ratio to floor | on CPU A/B | flag |\n");
        out.append("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|\n");
        for (final ResultRow row : report.results())
        {
            out.append("| ").append(row.name())
                .append(" | ").append(number(row.p50Ns()))
                .append(" | ").append(number(row.p90Ns()))
                .append(" | ").append(number(row.p99Ns()))
                .append(" | ").append(number(row.p999Ns()))
                .append(" | ").append(number(row.maxNs()))
                .append(" | ").append(rate(row.msgsPerSecond()))
                .append(" | ").append(rate(row.msgsPerSecondMedianChunk()))
                .append(" | ").append(number(row.floorBeforeNs()))
                .append(" | ").append(number(row.floorAfterNs()))
                .append(" | ").append(row.ratioToFloor() == null ? NONE
                    : String.format(Locale.ROOT, "%.2f", row.ratioToFloor()))
                .append(" | ").append(row.cpuShareA() == null ? NONE : String.format(Locale.ROOT, "%.0f%%/%.0f%%",
                    100 * row.cpuShareA(), 100 * row.cpuShareB()))
                .append(" | ").append(flag(row))
                .append(" |\n");
        }
        out.append('\n');
        for (final ResultRow row : report.results())
        {
            out.append("- ").append(row.name()).append(": ").append(Mechanisms.byName(row.name()).description())
                .append('\n');
        }
        notifyStreams(report.results(), out);
        final List<Comparison> comparisons = Comparison.of(report.results());
        if (!comparisons.isEmpty())
        {
            out.append("\nmsgs/s is over the whole measured time; the median chunk rate is over the median chunk of "
                + Measurement.CHUNK + " messages, the rate while both peers ran.\n");
            out.append("\ncomparisons (same run):\n\n");
            for (final Comparison c : comparisons)
            {
                out.append(String.format(Locale.ROOT, "- %s: %s / %s = %.2fx%n", c.metric(), c.subject(), c.baseline(),
                    c.ratio()));
            }
        }
        if (!report.footprint().isEmpty())
        {
            out.append("\nfootprint (allocated = st_blocks x block size, `stat -c '%b %B'`, "
                + "after the run's traffic):\n\n");
            out.append("| mechanism | ring file | capacity | max capacity | apparent bytes | allocated bytes |\n");
            out.append("|---|---|---:|---:|---:|---:|\n");
            for (final FootprintEntry entry : report.footprint())
            {
                out.append("| ").append(entry.mechanism())
                    .append(" | ").append(entry.file())
                    .append(" | ").append(entry.capacity())
                    .append(" | ").append(entry.maxCapacity())
                    .append(" | ").append(entry.apparentBytes())
                    .append(" | ").append(entry.allocatedBytes() == null ? "unknown" : entry.allocatedBytes())
                    .append(" |\n");
            }
        }
        return out.toString();
    }

    /**
     * The notify streams' table, if the run has one: their msgs/s are the events read, and what was issued
     * and sent for them.
     */
    private static void notifyStreams(final List<ResultRow> results, final StringBuilder out)
    {
        if (results.stream().noneMatch(row -> row.notifyRates() != null))
        {
            return;
        }
        out.append("\nnotify streams (msgs/s above: events the consumer read; notifies of one port fold on the way):\n\n");
        out.append("| name | events read/s | notifies issued/s | messages sent/s | coalesced |\n");
        out.append("|---|---:|---:|---:|---:|\n");
        for (final ResultRow row : results)
        {
            final NotifyRates rates = row.notifyRates();
            if (rates != null)
            {
                out.append("| ").append(row.name())
                    .append(" | ").append(rate(row.msgsPerSecond()))
                    .append(" | ").append(rate(rates.notifiesPerSecond()))
                    .append(" | ").append(rate(rates.messagesPerSecond()))
                    .append(" | ").append(String.format(Locale.ROOT, "%.1f%%", 100 * rates.coalescedFraction()))
                    .append(" |\n");
            }
        }
    }

    private static String number(final Long value)
    {
        return value == null ? NONE : value.toString();
    }

    private static String rate(final Double value)
    {
        return value == null ? NONE : String.format(Locale.ROOT, "%,.0f", value);
    }

    private static String flag(final ResultRow row)
    {
        if (row.error() != null)
        {
            return "FAILED: " + row.error().replace('|', '/').replace('\n', ' ');
        }
        return row.flag() == null ? "" : row.flag();
    }
}

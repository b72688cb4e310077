package dev.evring.bench;

import dev.evring.bench.harness.FootprintEntry;
import dev.evring.bench.harness.MachineInfo;
import dev.evring.bench.harness.Measurement;
import dev.evring.bench.harness.Mechanism;
import dev.evring.bench.harness.Pinning;
import dev.evring.bench.harness.RunDirectories;
import dev.evring.bench.harness.RunPlan;
import dev.evring.bench.report.BenchReport;
import dev.evring.bench.report.FloorDrift;
import dev.evring.bench.report.JsonReport;
import dev.evring.bench.report.MarkdownReport;
import dev.evring.bench.report.Measured;
import dev.evring.bench.report.MedianRound;
import dev.evring.bench.report.PercentileChart;
import dev.evring.bench.report.ResultRow;
import org.HdrHistogram.Histogram;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * One run of the cross-process harness, what {@code evring bench} does: each selected mechanism in two
 * fresh child JVMs pinned to their own CPUs, {@code rounds} times interleaved, a floor that moved re-run
 * once, each mechanism's median round reported as a markdown table on {@code out} (progress on
 * {@code err}), and optionally as JSON and a PNG chart of the round-trip percentiles.
 */
public final class BenchRun
{
    private final List<Mechanism> mechanisms;
    private final RunPlan plan;
    private final boolean quick;
    private final int rounds;
    private final Pinning pinning;

    /**
     * A run of the given mechanisms.
     *
     * @param mechanisms the mechanisms, in run order (a repeated one runs once), or null for every one.
     * @param plan       the iteration counts, or null for the plan {@code quick} names.
     * @param quick      whether this is a quick run (fewer iterations, and so labelled).
     * @param rounds     how many interleaved rounds, at least 1.
     * @param pin        whether to pin the peers with taskset where it exists.
     * @throws IllegalArgumentException if {@code rounds} is below 1.
     */
    public BenchRun(final List<Mechanism> mechanisms, final RunPlan plan, final boolean quick, final int rounds,
        final boolean pin)
    {
        if (rounds < 1)
        {
            throw new IllegalArgumentException("--rounds must be at least 1, got " + rounds);
        }
        this.mechanisms = mechanisms == null ? Mechanisms.all() : new ArrayList<>(new LinkedHashSet<>(mechanisms));
        this.plan = plan != null ? plan : quick ? RunPlan.QUICK : RunPlan.FULL;
        this.quick = quick;
        this.rounds = rounds;
        this.pinning = pin ? Pinning.detect() : Pinning.none();
    }

    /**
     * Run every round and report.
     *
     * @param out  where the markdown table goes.
     * @param err  where progress goes.
     * @param json a JSON file to write, or null.
     * @param png  a PNG chart to write, or null.
     * @return 0 if every mechanism ran, 1 if one failed.
     * @throws IOException if the JSON or PNG file cannot be written.
     */
    public int run(final PrintWriter out, final PrintWriter err, final Path json, final Path png) throws IOException
    {
        final Path base = RunDirectories.defaultBase();
        final MachineInfo machine = MachineInfo.detect(pinning, base);
        final String startedAt = Instant.now().toString();
        err.printf(Locale.ROOT, "evring bench: %d mechanism(s), %s, %s; load %s%n", mechanisms.size(),
            quick ? "quick" : "full", pinning.describe(), machine.loadAverage());
        if (!pinning.used())
        {
            err.println("evring bench: warning: peers are not pinned, numbers will be noisier");
        }
        err.flush();

        final PairRunner runner = new PairRunner(pinning, base);
        final Map<Mechanism, List<Measured>> measuredRounds = new LinkedHashMap<>();
        for (int round = 1; round <= rounds; round++)
        {
            for (int i = 0; i < mechanisms.size(); i++)
            {
                final Mechanism mechanism = mechanisms.get(i);
                final String progress = String.format(Locale.ROOT, "evring bench: %s[%d/%d] %s",
                    rounds > 1 ? "round " + round + "/" + rounds + " " : "", i + 1, mechanisms.size(), mechanism.name());
                measuredRounds.computeIfAbsent(mechanism, m -> new ArrayList<>())
                    .add(measure(runner, mechanism, err, progress));
            }
        }
        final List<ResultRow> rows = new ArrayList<>();
        final List<FootprintEntry> footprint = new ArrayList<>();
        final Map<String, Histogram> latencies = new LinkedHashMap<>();
        boolean failed = false;
        final double usualFloorNs = MedianRound.usualFloorNs(
            measuredRounds.values().stream().flatMap(List::stream).toList());
        for (final Map.Entry<Mechanism, List<Measured>> entry : measuredRounds.entrySet())
        {
            final Measured measured = MedianRound.of(entry.getValue(), usualFloorNs);
            rows.add(measured.row());
            footprint.addAll(measured.footprint());
            if (measured.latency() != null)
            {
                latencies.put(entry.getKey().name(), measured.latency());
            }
            failed |= measured.row().error() != null;
        }

        final BenchReport report = new BenchReport(machine, quick, plan, startedAt,
            MachineInfo.currentLoadAverage(), rows, footprint);
        out.print(MarkdownReport.render(report));
        out.flush();
        if (json != null)
        {
            JsonReport.write(report, json);
            err.println("evring bench: wrote " + json);
        }
        if (png != null)
        {
            writeChart(err, png, startedAt, latencies);
        }
        return failed ? 1 : 0;
    }

    private void writeChart(final PrintWriter err, final Path png, final String startedAt,
        final Map<String, Histogram> latencies) throws IOException
    {
        if (latencies.isEmpty())
        {
            err.println("evring bench: no round-trip results, so no chart written to " + png);
            return;
        }
        PercentileChart.write(png, "evring bench: round-trip latency by percentile ("
            + (quick ? "quick" : "full") + " run, " + startedAt + ")", latencies);
        err.println("evring bench: wrote " + png);
    }

    private Measured measure(final PairRunner runner, final Mechanism mechanism, final PrintWriter err,
        final String progress)
    {
        err.println(progress + ": running (floor, " + mechanism.name() + ", floor) ...");
        err.flush();
        final long startNs = System.nanoTime();
        PairRunner.Outcome outcome = runner.run(mechanism, plan);
        if (outcome.error() != null)
        {
            err.println(progress + ": FAILED: " + outcome.error());
            return new Measured(ResultRow.failed(mechanism, outcome.error()), List.of(), null);
        }
        ResultRow row = ResultRow.of(mechanism.name(), outcome.report(), mechanism.peersSpin());
        final FloorDrift firstDrift = row.drift();
        if (firstDrift.moved())
        {
            err.println(progress + ": " + firstDrift.describe() + " (" + firstDrift.beforeNs() + " -> "
                + firstDrift.afterNs() + " ns): re-running once ...");
            err.flush();
            final PairRunner.Outcome again = runner.run(mechanism, plan);
            if (again.error() == null)
            {
                outcome = again;
                final ResultRow rerun = ResultRow.of(mechanism.name(), again.report(), mechanism.peersSpin());
                final String first = "re-run; first run's " + firstDrift.describe();
                row = rerun.withFlag(rerun.flag() == null ? first : rerun.flag() + " (" + first + ")");
            }
            else
            {
                row = row.withFlag(row.flag() + "; re-run failed: " + again.error());
            }
        }
        err.printf(Locale.ROOT, "%s: %s in %.1f s%n", progress, summary(row), (System.nanoTime() - startNs) / 1e9);
        err.flush();
        final Measurement measurement = outcome.report().measurement();
        return new Measured(row, outcome.footprint(), measurement.isRoundTrip() ? measurement.histogram() : null);
    }

    private static String summary(final ResultRow row)
    {
        final String floor = String.format(Locale.ROOT, "floor %d/%d ns", row.floorBeforeNs(), row.floorAfterNs());
        final String flag = row.flag() == null ? "" : " [" + row.flag() + "]";
        if (row.stream())
        {
            return String.format(Locale.ROOT, "%,.0f msgs/s, median chunk %s msgs/s (%s)%s", row.msgsPerSecond(),
                row.msgsPerSecondMedianChunk() == null ? "-"
                    : String.format(Locale.ROOT, "%,.0f", row.msgsPerSecondMedianChunk()), floor, flag);
        }
        return String.format(Locale.ROOT, "p50 %d ns, p99 %d ns, %.2fx floor (%s)%s", row.p50Ns(), row.p99Ns(),
            row.ratioToFloor(), floor, flag);
    }
}

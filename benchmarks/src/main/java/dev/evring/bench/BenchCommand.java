package dev.evring.bench;

import org.HdrHistogram.Histogram;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

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
import java.util.concurrent.Callable;

/**
 * {@code evring bench}: the cross-process harness. Each mechanism runs in two fresh child JVMs pinned to
 * their own CPUs; inside the same two processes the raw cache-line floor is measured before and after it.
 * Prints a markdown table on standard output and progress on standard error, and optionally writes JSON.
 */
@Command(
    name = "bench",
    mixinStandardHelpOptions = true,
    description = {
        "Measure IPC mechanisms between two JVMs pinned to their own CPUs: round-trip latency percentiles "
            + "and one-way stream rates, each beside the raw cache-line floor measured in the same processes "
            + "before and after it."
    },
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {"0:every mechanism ran", "1:some mechanism failed (see the flag column)", "2:usage error"})
public final class BenchCommand implements Callable<Integer>
{
    @Spec
    private CommandSpec spec;

    @Option(names = "--quick", description = "Fewer iterations: the whole default set in under two minutes.")
    private boolean quick;

    @Option(names = "--only", split = ",", paramLabel = "NAME", converter = MechanismConverter.class,
        completionCandidates = MechanismNames.class,
        description = "Run only these mechanisms, in this order (comma-separated): ${COMPLETION-CANDIDATES}.")
    private List<Mechanism> only;

    @Option(names = "--json", paramLabel = "FILE", description = "Also write the results as JSON to FILE.")
    private Path json;

    @Option(names = "--png", paramLabel = "FILE",
        description = "Also draw the round-trip latency percentiles of every mechanism to FILE (PNG).")
    private Path png;

    @Option(names = "--plan", hidden = true, description = "Override the iteration counts (for tests).")
    private String plan;

    @Option(names = "--no-pin", description = "Do not pin the peers with taskset even where it exists.")
    private boolean noPin;

    @Option(names = "--rounds", paramLabel = "N", defaultValue = "1",
        description = "Run the whole selection N times, interleaved, and report each mechanism's median round "
            + "(default ${DEFAULT-VALUE}). A shared or virtual machine drifts between runs: compare medians.")
    private int rounds;

    /**
     * Run the selected mechanisms and report.
     *
     * @return the exit code: 0 if every mechanism ran, 1 if one failed.
     * @throws IOException if the JSON file cannot be written.
     */
    @Override
    public Integer call() throws IOException
    {
        final PrintWriter out = spec.commandLine().getOut();
        final PrintWriter err = spec.commandLine().getErr();
        if (rounds < 1)
        {
            throw new CommandLine.ParameterException(spec.commandLine(), "--rounds must be at least 1, got " + rounds);
        }
        final RunPlan runPlan = plan != null ? RunPlan.decode(plan) : quick ? RunPlan.QUICK : RunPlan.FULL;
        final List<Mechanism> mechanisms = only == null ? Mechanisms.all() : new ArrayList<>(new LinkedHashSet<>(only));
        final Pinning pinning = noPin ? Pinning.none() : Pinning.detect();
        final Path base = PairRunner.defaultBaseDirectory();
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
                    .add(measure(runner, mechanism, runPlan, err, progress));
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

        final BenchReport report = new BenchReport(machine, quick, runPlan, startedAt,
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
            if (latencies.isEmpty())
            {
                err.println("evring bench: no round-trip results, so no chart written to " + png);
            }
            else
            {
                PercentileChart.write(png, "evring bench: round-trip latency by percentile ("
                    + (quick ? "quick" : "full") + " run, " + startedAt + ")", latencies);
                err.println("evring bench: wrote " + png);
            }
        }
        return failed ? 1 : 0;
    }

    private static Measured measure(
        final PairRunner runner, final Mechanism mechanism, final RunPlan plan, final PrintWriter err,
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

    /**
     * A mechanism's final row, the footprint of its ring files and its round-trip histogram (null for a
     * stream or a failure).
     */
    record Measured(ResultRow row, List<FootprintEntry> footprint, Histogram latency)
    {
    }

    /**
     * The names {@code --only} accepts, for help and completion.
     */
    static final class MechanismNames extends ArrayList<String>
    {
        private static final long serialVersionUID = 1L;

        MechanismNames()
        {
            super(Mechanisms.names());
        }
    }
}

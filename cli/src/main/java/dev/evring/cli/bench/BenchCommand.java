package dev.evring.cli.bench;

import dev.evring.bench.BenchRun;
import dev.evring.bench.Mechanisms;
import dev.evring.bench.harness.Mechanism;
import dev.evring.bench.harness.RunPlan;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * {@code evring bench}: the cross-process harness ({@link BenchRun}). Each mechanism runs in two fresh
 * child JVMs pinned to their own CPUs; inside the same two processes the raw cache-line floor is measured
 * before and after it. Prints a markdown table on standard output and progress on standard error, and
 * optionally writes JSON. A bad option value (an unknown mechanism, {@code --rounds 0}, a malformed
 * {@code --plan}) is a usage error.
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
        final BenchRun run;
        try
        {
            run = new BenchRun(only, plan == null ? null : RunPlan.decode(plan), quick, rounds, !noPin);
        }
        catch (final IllegalArgumentException ex)
        {
            throw new CommandLine.ParameterException(spec.commandLine(), ex.getMessage());
        }
        return run.run(spec.commandLine().getOut(), spec.commandLine().getErr(), json, png);
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

package dev.evring.bench;

import dev.evring.bench.harness.FootprintEntry;
import dev.evring.bench.harness.Mechanism;
import dev.evring.bench.harness.Peer;
import dev.evring.bench.harness.PeerReport;
import dev.evring.bench.harness.PeerRole;
import dev.evring.bench.harness.Pinning;
import dev.evring.bench.harness.RunDirectories;
import dev.evring.bench.harness.RunPlan;
import dev.evring.bench.harness.SharedControl;
import dev.evring.ring.ChildJvm;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The coordinator's side of one measurement: make a run directory with the shared file, let the mechanism
 * prepare its rings, start peer A and peer B as child JVMs (through {@link ChildJvm}, each pinned to its
 * own CPU), block until both exit, read peer A's report and measure the ring files' footprint. A pair that
 * does not finish within the plan's budget is destroyed; a peer that fails makes its partner give up, and
 * the partner is destroyed if it does not.
 */
public final class PairRunner
{
    private static final long GRACE_MS = 15_000;
    private static final long PARTNER_EXIT_MS = 10_000;

    private final Pinning pinning;
    private final Path baseDirectory;

    /**
     * A runner.
     *
     * @param pinning       how to pin the peers.
     * @param baseDirectory where run directories are made ({@link RunDirectories#defaultBase()}).
     */
    public PairRunner(final Pinning pinning, final Path baseDirectory)
    {
        this.pinning = pinning;
        this.baseDirectory = baseDirectory;
    }

    /**
     * Measure a mechanism once.
     *
     * @param mechanism the mechanism.
     * @param plan      how much to do.
     * @return the outcome: a report and footprint, or an error.
     */
    public Outcome run(final Mechanism mechanism, final RunPlan plan)
    {
        Path directory = null;
        try
        {
            directory = Files.createTempDirectory(baseDirectory, "evring-bench-");
            try (SharedControl control = SharedControl.create(directory.resolve(SharedControl.FILE_NAME),
                mechanism.regionLength()))
            {
                mechanism.prepare(directory, control.region());
            }
            final String error = runPeers(mechanism, plan, directory);
            if (error != null)
            {
                return Outcome.failed(error);
            }
            final PeerReport report = PeerReport.read(directory.resolve(PeerReport.FILE_NAME));
            final List<FootprintEntry> footprint = new ArrayList<>();
            for (final Path file : mechanism.footprintFiles(directory))
            {
                footprint.add(FootprintEntry.measure(mechanism.name(), file));
            }
            return new Outcome(report, footprint, null);
        }
        catch (final IOException | RuntimeException ex)
        {
            return Outcome.failed(ex.toString());
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            return Outcome.failed("interrupted");
        }
        finally
        {
            RunDirectories.deleteQuietly(directory);
        }
    }

    private String runPeers(final Mechanism mechanism, final RunPlan plan, final Path directory)
        throws IOException, InterruptedException
    {
        final Process a = start(PeerRole.INITIATOR, mechanism, plan, directory);
        final Process b;
        try
        {
            b = start(PeerRole.RESPONDER, mechanism, plan, directory);
        }
        catch (final IOException ex)
        {
            a.destroyForcibly();
            throw ex;
        }
        try
        {
            final long budgetMs = plan.timeoutMs() + GRACE_MS;
            try
            {
                // blocks this thread (the coordinator stays idle) until either peer exits
                CompletableFuture.anyOf(a.onExit(), b.onExit()).get(budgetMs, TimeUnit.MILLISECONDS);
            }
            catch (final TimeoutException ex)
            {
                return "timed out after " + budgetMs + " ms: both peers destroyed";
            }
            catch (final ExecutionException ex)
            {
                return "waiting for the peers failed: " + ex.getCause();
            }
            final Process first = a.isAlive() ? b : a;
            final Process second = first == a ? b : a;
            final long waitSecondMs = first.exitValue() == 0 ? budgetMs : PARTNER_EXIT_MS;
            if (!second.waitFor(waitSecondMs, TimeUnit.MILLISECONDS))
            {
                return "peer " + roleOf(second, a) + " did not exit after peer " + roleOf(first, a) + " exited with "
                    + first.exitValue() + ": destroyed";
            }
            if (a.exitValue() != 0 || b.exitValue() != 0)
            {
                return String.format(Locale.ROOT, "peers exited with A=%d B=%d%s", a.exitValue(), b.exitValue(),
                    peerOutput(directory));
            }
            return null;
        }
        finally
        {
            a.destroyForcibly();
            b.destroyForcibly();
            a.onExit().join();
            b.onExit().join();
        }
    }

    private Process start(final PeerRole role, final Mechanism mechanism, final RunPlan plan, final Path directory)
        throws IOException
    {
        final List<String> command = new ArrayList<>(pinning.prefix(role));
        command.addAll(ChildJvm.command(PeerMain.class.getName(), Peer.JVM_ARGS,
            role.name().toLowerCase(Locale.ROOT), mechanism.name(), directory.toString(), plan.encode()));
        return new ProcessBuilder(command)
            .redirectError(ProcessBuilder.Redirect.INHERIT)
            .redirectOutput(directory.resolve("peer-" + role.name().toLowerCase(Locale.ROOT) + ".out").toFile())
            .start();
    }

    private static String roleOf(final Process process, final Process a)
    {
        return process == a ? "A" : "B";
    }

    private static String peerOutput(final Path directory) throws IOException
    {
        final StringBuilder out = new StringBuilder();
        for (final PeerRole role : PeerRole.values())
        {
            final Path file = directory.resolve("peer-" + role.name().toLowerCase(Locale.ROOT) + ".out");
            if (Files.exists(file))
            {
                final String text = Files.readString(file, StandardCharsets.UTF_8).strip();
                if (!text.isEmpty())
                {
                    out.append("; ").append(role).append(" printed: ").append(text);
                }
            }
        }
        return out.toString();
    }

    /**
     * What one run of a pair produced.
     *
     * @param report    peer A's report, or null if the run failed.
     * @param footprint the ring files' footprint.
     * @param error     why the run failed, or null.
     */
    public record Outcome(PeerReport report, List<FootprintEntry> footprint, String error)
    {
        static Outcome failed(final String error)
        {
            return new Outcome(null, List.of(), error);
        }
    }
}

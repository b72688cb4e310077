package dev.evring.evtchn;

import dev.evring.ring.ChildJvm;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A hub in a child JVM of its own ({@link EvtchnHubMain}), for tests whose clients may crash a hub: the
 * test JVM watches it from outside, reads its counters file, and stops it with SIGTERM. A JVM crash
 * report goes to the test's directory, not the module's.
 */
final class HubProcess implements AutoCloseable
{
    private static final long READY_TIMEOUT_MS = 60_000;
    private static final long SIGTERM_TIMEOUT_MS = 30_000;

    final Child child;
    final Path directory;

    private HubProcess(final Child child, final Path directory)
    {
        this.child = child;
        this.directory = directory;
    }

    /**
     * Start a hub in {@code directory} and wait until it is ready.
     *
     * @param directory   the hub directory.
     * @param shellPrefix a shell command run before the JVM replaces the shell ({@code "ulimit -n 80"}), or
     *                    null to start the JVM directly.
     * @return the running hub.
     */
    static HubProcess start(final Path directory, final String shellPrefix) throws Exception
    {
        final Path crashReport = directory.resolveSibling(directory.getFileName() + "-hs_err.log");
        final List<String> java = ChildJvm.command(EvtchnHubMain.class.getName(),
            List.of("-XX:ErrorFile=" + crashReport), "--dir", directory.toString());
        final List<String> command = new ArrayList<>();
        if (shellPrefix != null)
        {
            command.addAll(List.of("bash", "-c", shellPrefix + " && exec \"$0\" \"$@\""));
        }
        command.addAll(java);
        final Child child = Child.start(new ProcessBuilder(command));
        try
        {
            child.expect("evtchn hub ready", READY_TIMEOUT_MS);
        }
        catch (final Exception ex)
        {
            child.close();
            throw ex;
        }
        return new HubProcess(child, directory);
    }

    static HubProcess start(final Path directory) throws Exception
    {
        return start(directory, null);
    }

    /**
     * A counter of the running hub, read from its counters file.
     *
     * @return its value, or -1 if the file does not hold it.
     */
    long counter(final HubCounter counter) throws Exception
    {
        try (HubCounters counters = HubCounters.map(directory))
        {
            final Long value = counters.snapshot().get(counter.label());
            return value == null ? -1 : value;
        }
    }

    /**
     * The values of every counter, by label, for failure messages.
     */
    Map<String, Long> counters() throws Exception
    {
        try (HubCounters counters = HubCounters.map(directory))
        {
            return counters.snapshot();
        }
    }

    /**
     * The handle files ({@code h<id>.events}, {@code h<id>.requests}) in the directory now.
     */
    long handleFiles(final long handleId) throws Exception
    {
        try (Stream<Path> files = Files.list(directory))
        {
            return files.filter(f -> f.getFileName().toString().startsWith("h" + handleId + ".")).count();
        }
    }

    /**
     * Fail at once if the hub JVM is gone (for a wait on the hub's state: a dead hub never gets there).
     */
    void assertAlive()
    {
        assertTrue(child.process.isAlive(), "the hub JVM is alive (exit " + exitOf(child.process) + ")");
    }

    /**
     * Assert the hub still runs, stop it with SIGTERM, and assert it exits within a bounded time (not by
     * a crash) and leaves no files behind.
     */
    void assertAliveAndStopsOnSigterm() throws Exception
    {
        assertAlive();
        child.process.destroy(); // SIGTERM
        assertTrue(child.process.waitFor(SIGTERM_TIMEOUT_MS, TimeUnit.MILLISECONDS),
            "the hub answered SIGTERM within " + SIGTERM_TIMEOUT_MS + " ms");
        final int exit = child.process.exitValue();
        assertTrue(exit == 0 || exit == 143, "the hub stopped cleanly on SIGTERM, not by a crash: exit " + exit);
        try (Stream<Path> left = Files.list(directory))
        {
            assertFalse(left.findAny().isPresent(), "the hub removed its files");
        }
    }

    private static String exitOf(final Process process)
    {
        return process.isAlive() ? "none yet" : String.valueOf(process.exitValue());
    }

    @Override
    public void close() throws Exception
    {
        child.close();
    }
}

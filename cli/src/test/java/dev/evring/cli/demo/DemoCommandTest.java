package dev.evring.cli.demo;

import dev.evring.evtchn.Evtchn;
import dev.evring.evtchn.EvtchnHub;
import dev.evring.evtchn.HubConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;
import picocli.CommandLine;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * {@code evring demo} run in process, with real consumer JVMs: every idle mode delivers events without
 * overflow and leaves no file and no process behind; a consumer that dies ends the demo with an error;
 * every user mistake is one line and a non-zero exit, never a stack trace.
 */
@Timeout(value = 300, unit = TimeUnit.SECONDS)
final class DemoCommandTest
{
    private static final Pattern HUB_LINE = Pattern.compile("^hub: domain 0 in (.+) \\(VIRQ_TIMER", Pattern.MULTILINE);

    @TempDir
    Path temp;

    @ParameterizedTest
    @EnumSource(DemoIdle.class)
    void everyIdleModeDeliversEventsAndRemovesEveryFile(final DemoIdle idle)
    {
        final Outcome outcome = demo("--duration", "2s", "--consumers", "2", "--idle", idle.label());

        outcome.assertSucceeded();
        assertEquals(idle.label(), outcome.fact("idle"));
        assertEquals(2, outcome.number("consumers"));
        assertTrue(outcome.number("round trips") > 0, outcome.out);
        assertTrue(outcome.number("timer ticks") > 0, outcome.out);
        assertTrue(outcome.out.contains("round-trip latency histogram"), outcome.out);
        // 4 ports per consumer (its ping channel, its echo channel, its hub channel, its timer) + domain 0's ends
        assertEquals(5 * 2, outcome.number("ports bound (peak)"), outcome.out);
    }

    @Test
    void threeConsumersInARingWithTheHubAndTheirOwnDirectory()
    {
        final Path dir = temp.resolve("hub");
        final Outcome outcome = demo("--duration", "2s", "--consumers", "3", "--idle", "block", "--dir", dir.toString());

        outcome.assertSucceeded();
        assertEquals(dir.toAbsolutePath(), outcome.hubDirectory());
        assertEquals(3, outcome.number("consumers"));
        assertEquals(5 * 3, outcome.number("ports bound (peak)"), outcome.out);
    }

    @Test
    void twoHostsBridgeTheirHubsShowTheCrossHostRoundTripAndLeaveNothing() throws Exception
    {
        final Path dir = temp.resolve("hub");
        final StringWriter out = new StringWriter();
        final CompletableFuture<Outcome> running = CompletableFuture.supplyAsync(
            () -> demo(out, "--duration", "6s", "--consumers", "3", "--hosts", "2", "--dir", dir.toString()));
        awaitStatusLine(out, running);
        try (Stream<Path> files = Files.list(temp))
        {
            assertEquals(List.of(), files.filter(file -> file.toString().endsWith(".key")).toList(),
                "the run's key is removed once both bridges hold it: a killed demo leaves no secret behind");
        }
        final Outcome outcome = running.get(120, TimeUnit.SECONDS);

        outcome.assertSucceeded();
        assertTrue(outcome.out.contains("bridge: host a on "), outcome.out);
        assertTrue(outcome.out.contains("hub: domain 0 in " + dir.toAbsolutePath() + "-b, host b"), outcome.out);
        assertTrue(outcome.out.lines().anyMatch(line -> line.matches(".*\\| cross-host p50 [0-9.]+ us p99 [0-9.]+ us \\|.*")),
            "a live line shows the round trip across the bridge: " + outcome.out);
        assertTrue(outcome.number("round trips") > 0, outcome.out);
        // each consumer: ping, echo, hub channel, timer (4 ports) plus its domain 0's end (1); the cross-host pair (2)
        assertEquals(5 * 3 + 2, outcome.number("ports bound (peak)"), outcome.out);
        try (Stream<Path> left = Files.list(temp))
        {
            assertEquals(List.of(), left.toList(), "both hub directories, the drivers' directories and the key are removed");
        }
    }

    @Test
    void staleHubDirectoryIsClearedAndKept() throws IOException
    {
        final Path dir = Files.createDirectory(temp.resolve("stale"));
        for (final String name : List.of("hub.lock", "hub.mark", "hub.sock", "counters.dat", "h1.events", "h1.requests"))
        {
            Files.write(dir.resolve(name), new byte[] {1, 2, 3});
        }

        final Outcome outcome = demo("--duration", "1s", "--dir", dir.toString());

        assertEquals(0, outcome.exit, outcome.err);
        assertTrue(outcome.out.contains("note: cleared the files a dead hub left in " + dir.toAbsolutePath()), outcome.out);
        assertEquals("0", outcome.fact("files left"));
        assertTrue(outcome.fact("hub directory removed").startsWith("no (it existed before the demo"), outcome.out);
        assertTrue(Files.isDirectory(dir));
        try (var left = Files.list(dir))
        {
            assertEquals(List.of(), left.collect(Collectors.toList()));
        }
    }

    @Test
    void aHubAlreadyRunningIsOneLineAndLeftAlone() throws IOException
    {
        final Path dir = temp.resolve("busy");
        try (EvtchnHub hub = EvtchnHub.start(HubConfig.directory(dir)))
        {
            final Outcome outcome = demo("--duration", "1s", "--dir", dir.toString());

            outcome.assertOneLineError(DemoFailure.FAILED, "a hub (pid " + ProcessHandle.current().pid() + ") is already running in " + dir);
            try (Evtchn stillServing = Evtchn.open(hub.directory()))
            {
                assertTrue(stillServing.domid() > 0);
            }
        }
    }

    @Test
    void aConsumerThatDiesEndsTheDemoWithAnError() throws Exception
    {
        final StringWriter out = new StringWriter();
        final CompletableFuture<Outcome> running = CompletableFuture.supplyAsync(
            () -> demo(out, "--duration", "120s", "--consumers", "2", "--idle", "backoff"));
        awaitStatusLine(out, running);
        final Path hubDirectory = new Outcome(0, out.toString(), "").hubDirectory();
        final List<ProcessHandle> consumers = consumers(hubDirectory);
        assertEquals(2, consumers.size(), "consumer JVMs: " + consumers);
        final ProcessHandle victim = consumers.get(0);
        final long killedAt = System.nanoTime();
        victim.destroyForcibly();

        final Outcome outcome = running.get(60, TimeUnit.SECONDS);

        assertTrue(System.nanoTime() - killedAt < TimeUnit.SECONDS.toNanos(60), "the demo waited on a dead consumer");
        assertEquals(DemoFailure.FAILED, outcome.exit, outcome.out + outcome.err);
        assertTrue(outcome.fact("result").startsWith("FAILED (consumer "), outcome.out);
        assertTrue(outcome.fact("result").contains("stopped early"), outcome.out);
        assertEquals("0", outcome.fact("files left"), outcome.out);
        assertEquals("yes", outcome.fact("hub directory removed"), outcome.out);
        assertFalse(Files.exists(outcome.hubDirectory()));
        assertEquals(hubDirectory, outcome.hubDirectory());
        assertEquals(List.of(), consumers(hubDirectory), "consumer JVMs outlived the demo");
        assertFalse(outcome.err.contains("\tat "), outcome.err);
    }

    @ParameterizedTest
    @ValueSource(strings = {"--consumers=1", "--consumers=33", "--consumers=two", "--duration=-1s", "--duration=0s",
        "--duration=10 parsecs", "--duration=25h", "--idle=sleepy", "--hosts=3", "--hosts=0", "--hosts=two"})
    void badOptionsAreOneLineErrors(final String option)
    {
        final Outcome outcome = demo(option);

        outcome.assertOneLineError(DemoFailure.USAGE, option.substring(0, option.indexOf('=')) + " must ");
        assertEquals("", outcome.out);
    }

    @Test
    void aDirThatIsAFileIsAOneLineError() throws IOException
    {
        final Path file = Files.write(temp.resolve("not-a-dir"), new byte[] {42});

        demo("--dir", file.toString()).assertOneLineError(DemoFailure.USAGE, "is a file, not a directory");
        assertEquals(1, Files.size(file));
    }

    @Test
    void aDirWithSomeoneElsesFilesIsRefusedAndTheFilesKept() throws IOException
    {
        final Path dir = Files.createDirectory(temp.resolve("mine"));
        final Path precious = Files.writeString(dir.resolve("thesis.tex"), "do not delete");

        demo("--duration", "1s", "--dir", dir.toString()).assertOneLineError(DemoFailure.USAGE, "holds files that are not a hub's (thesis.tex)");
        assertEquals("do not delete", Files.readString(precious));
    }

    @Test
    void aDirWhoseParentIsMissingIsAOneLineError()
    {
        final Path dir = temp.resolve("no").resolve("such").resolve("hub");

        demo("--dir", dir.toString()).assertOneLineError(DemoFailure.USAGE, "is not a directory; create it first");
        assertFalse(Files.exists(dir.getParent()));
    }

    private static Outcome demo(final String... args)
    {
        return demo(new StringWriter(), args);
    }

    private static Outcome demo(final StringWriter out, final String... args)
    {
        final StringWriter err = new StringWriter();
        final CommandLine command = new CommandLine(new DemoCommand());
        command.setOut(new PrintWriter(out, true));
        command.setErr(new PrintWriter(err, true));
        final int exit = command.execute(args);
        return new Outcome(exit, out.toString(), err.toString());
    }

    /**
     * The consumer JVMs this JVM runs now for the hub in {@code hubDirectory}.
     */
    private static List<ProcessHandle> consumers(final Path hubDirectory)
    {
        return ProcessHandle.current().children()
            .filter(ProcessHandle::isAlive)
            .filter(child ->
            {
                final List<String> args = commandLine(child);
                return args.contains(DemoConsumer.class.getName()) && args.contains(hubDirectory.toString());
            })
            .collect(Collectors.toList());
    }

    /**
     * A process's whole command line from {@code /proc}: {@code ProcessHandle.Info.arguments()} cuts it
     * off after the first page, and a consumer's class path alone is longer than that.
     */
    private static List<String> commandLine(final ProcessHandle process)
    {
        try
        {
            final String cmdline = Files.readString(Path.of("/proc", Long.toString(process.pid()), "cmdline"));
            return List.of(cmdline.split("\u0000"));
        }
        catch (final IOException ex)
        {
            return List.of(); // the process is gone
        }
    }

    /**
     * Wait until the demo prints its first status line: every consumer is connected and running.
     */
    private static void awaitStatusLine(final StringWriter out, final CompletableFuture<Outcome> running)
    {
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (!out.toString().contains("] events/s "))
        {
            if (running.isDone())
            {
                fail("the demo ended before it ran: " + running.join());
            }
            if (System.nanoTime() - deadline > 0)
            {
                fail("timed out waiting for the demo's status line:\n" + out);
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(20));
        }
    }

    /**
     * What one run of the demo printed and returned.
     */
    private static final class Outcome
    {
        private final int exit;
        private final String out;
        private final String err;

        Outcome(final int exit, final String out, final String err)
        {
            this.exit = exit;
            this.out = out;
            this.err = err;
        }

        String fact(final String name)
        {
            final Matcher matcher = Pattern.compile("^" + Pattern.quote(name) + ": (.*)$", Pattern.MULTILINE).matcher(out);
            if (!matcher.find())
            {
                fail("no '" + name + ":' line in the demo's output:\n" + out + "\nstderr:\n" + err);
            }
            return matcher.group(1).strip();
        }

        long number(final String name)
        {
            return Long.parseLong(fact(name));
        }

        Path hubDirectory()
        {
            final Matcher matcher = HUB_LINE.matcher(out);
            if (!matcher.find())
            {
                fail("no hub line in the demo's output:\n" + out);
            }
            return Path.of(matcher.group(1));
        }

        /**
         * The promises CI checks: exit 0, events, no overflow, no file left, the directory gone, and no
         * consumer JVM left running.
         */
        void assertSucceeded()
        {
            final String all = out + "\nstderr:\n" + err;
            assertEquals(0, exit, all);
            assertTrue(number("events") > 0, all);
            assertEquals(0, number("overflows"), all);
            assertEquals(0, number("consumer failures"), all);
            assertEquals("0", fact("files left"), all);
            assertEquals("ok", fact("result"), all);
            assertFalse(err.contains("\tat "), all);
            final boolean madeByDemo = fact("hub directory removed").equals("yes");
            assertTrue(madeByDemo, all);
            assertFalse(Files.exists(hubDirectory()), "the hub directory is still there: " + hubDirectory());
            assertEquals(List.of(), consumers(hubDirectory()), "consumer JVMs outlived the demo");
        }

        void assertOneLineError(final int expectedExit, final String expectedText)
        {
            final String all = out + "\nstderr:\n" + err;
            assertEquals(expectedExit, exit, all);
            final List<String> lines = err.lines().collect(Collectors.toList());
            assertEquals(1, lines.size(), "not one line:\n" + err);
            assertTrue(lines.get(0).startsWith("evring demo: "), err);
            assertTrue(lines.get(0).contains(expectedText), "expected '" + expectedText + "' in: " + lines.get(0));
            assertFalse(all.contains("Exception"), all);
        }

        @Override
        public String toString()
        {
            return "exit " + exit + "\n" + out + "\nstderr:\n" + err;
        }
    }
}

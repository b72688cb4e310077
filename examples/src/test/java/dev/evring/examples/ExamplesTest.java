package dev.evring.examples;

import dev.evring.evtchn.EvtchnHub;
import dev.evring.evtchn.HubConfig;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Runs every example as a user would: its own JVM, started with {@code java @jvm.options} (plus
 * {@code @jvm-jdk24.options} on JDK 24 and later) and the example's class path, and checks what it prints.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class ExamplesTest
{
    private static final Path ROOT = Path.of(System.getProperty("evring.root", "..")).toAbsolutePath().normalize();

    @TempDir
    Path tmp;

    private final List<Process> started = new ArrayList<>();

    @AfterEach
    void stopAll()
    {
        started.forEach(Process::destroyForcibly);
    }

    @Test
    void portRingProducerAndReaderInTwoJvms() throws Exception
    {
        final Path dir = tmp.resolve("rings");
        final Run producer = start(RingProducer.class, dir.toString(), "200000");
        final Run reader = start(RingReader.class, dir.toString(), "200000");

        assertEquals("reader: read 200000 ports in order, sum " + 200_000L * 200_001L / 2, reader.lastLine());
        assertEquals("producer: offered 200000 ports", producer.lastLine());
    }

    @Test
    void hubAndHandleInTwoJvms() throws Exception
    {
        final Path rendezvous = tmp.resolve("hub.port");
        final Run hub = start(HubExample.class, tmp.resolve("hub").toString(), rendezvous.toString());
        hub.awaitLine("hub: ready in ");
        final Run handle = start(HandleExample.class, tmp.resolve("hub").toString(), rendezvous.toString());

        final String answered = handle.lastLine();
        assertTrue(answered.matches("handle: notified on port \\d+, answered"), answered);
        final String hubLine = hub.lastLine();
        assertTrue(hubLine.matches("hub: domain \\d+ answered on port \\d+"), hubLine);
        assertFalse(Files.exists(tmp.resolve("hub").resolve("hub.sock")), "the hub removed its files");
    }

    @Test
    void selectorLoopCountsTimerTicksOfAHubInAnotherJvm() throws Exception
    {
        try (EvtchnHub hub = EvtchnHub.start(HubConfig.directory(tmp.resolve("hub")).timerPeriod(Duration.ofMillis(10))))
        {
            final Run loop = start(SelectorLoop.class, hub.directory().toString(), "5");
            final String line = loop.lastLine();
            assertTrue(line.matches("selector: 5 timer ticks on port \\d+"), line);
        }
    }

    @Test
    void lguestLauncherAndGuest() throws Exception
    {
        final Run launcher = start(LauncherExample.class, "100");

        final List<String> lines = launcher.output().lines().filter(l -> l.startsWith("launcher:")).toList();
        assertEquals(List.of("launcher: the guest says 1 + ... + 100 = 5050",
            "launcher: guest stopped: shutdown: the guest program returned on every vCPU"), lines, launcher.output());
    }

    /** A started example: its lines as they come, and its output once it exited 0. */
    private static final class Run
    {
        private final Process process;
        private final BlockingQueue<String> lines = new LinkedBlockingQueue<>();
        private final CompletableFuture<String> stdout;
        private final CompletableFuture<String> stderr;

        Run(final Process process)
        {
            this.process = process;
            this.stdout = CompletableFuture.supplyAsync(() ->
            {
                final StringBuilder all = new StringBuilder();
                try (BufferedReader reader = new BufferedReader(
                    new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8)))
                {
                    String line;
                    while ((line = reader.readLine()) != null)
                    {
                        all.append(line).append('\n');
                        lines.add(line);
                    }
                }
                catch (final IOException ex)
                {
                    throw new UncheckedIOException(ex);
                }
                return all.toString();
            });
            this.stderr = CompletableFuture.supplyAsync(() ->
            {
                try
                {
                    return new String(process.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
                }
                catch (final IOException ex)
                {
                    throw new UncheckedIOException(ex);
                }
            });
        }

        void awaitLine(final String prefix) throws InterruptedException
        {
            final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            String line;
            do
            {
                line = lines.poll(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
                assertNotNull(line, "no line starting '" + prefix + "' within 60 s");
            }
            while (!line.startsWith(prefix));
        }

        String output() throws Exception
        {
            assertTrue(process.waitFor(120, TimeUnit.SECONDS), "the example did not finish");
            final String out = stdout.get(10, TimeUnit.SECONDS);
            assertEquals(0, process.exitValue(), out + stderr.get(10, TimeUnit.SECONDS));
            return out;
        }

        String lastLine() throws Exception
        {
            final List<String> all = output().lines().toList();
            return all.isEmpty() ? "" : all.get(all.size() - 1);
        }
    }

    private Run start(final Class<?> main, final String... args) throws IOException
    {
        final List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.add("@" + ROOT.resolve("jvm.options"));
        if (Runtime.version().feature() >= 24)
        {
            command.add("@" + ROOT.resolve("jvm-jdk24.options"));
        }
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(main.getName());
        command.addAll(List.of(args));
        final Process process = new ProcessBuilder(command).start();
        started.add(process);
        return new Run(process);
    }
}

package dev.evring.cli.lguest;

import dev.evring.ring.ChildJvm;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The console example: every line the guest writes reaches the launcher in order, through run() returns
 * and through the eventfd path, across many wraps of the small ring.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class LguestConsoleDemoTest
{
    /** Guest JVMs that start fast and stay small, as the lguest module's own tests start them. */
    private static final List<String> FAST_GUEST_JVM = List.of(
        "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-Xmx64m");

    @TempDir
    Path dir;

    @Test
    void everyLineArrivesInOrderWhenKicksReturnFromRun() throws Exception
    {
        final String output = runDemo(dir.resolve("console.mem"), 400, false);
        assertLines(output, 400);
        assertTrue(output.contains("(400 kicks returned by run, 0 taken by the eventfd)"), output);
    }

    @Test
    void everyLineArrivesInOrderWhenKicksGoThroughTheEventfd() throws Exception
    {
        final String output = runDemo(dir.resolve("console.mem"), 2_000, true);
        assertLines(output, 2_000);
        assertTrue(output.contains("(0 kicks returned by run, "), output);
        assertFalse(output.contains(", 0 taken by the eventfd"), output);
    }

    @Test
    void mainExitsZeroAfterTheGuestShutsDown() throws Exception
    {
        final Path memoryFile = dir.resolve("main.mem");
        final Process demo = ChildJvm.processBuilder(LguestConsoleDemo.class, "--lines", "3", "--memory-file",
            memoryFile.toString()).start();
        final CompletableFuture<String> stdout = CompletableFuture.supplyAsync(() ->
        {
            try
            {
                return new String(demo.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            }
            catch (final java.io.IOException ex)
            {
                throw new java.io.UncheckedIOException(ex);
            }
        });
        assertTrue(demo.waitFor(60, TimeUnit.SECONDS));
        assertEquals(0, demo.exitValue());
        assertLines(stdout.get(10, TimeUnit.SECONDS), 3);
        assertFalse(Files.exists(memoryFile));
    }

    @Test
    void theCommandRefusesNegativeLines()
    {
        final ByteArrayOutputStream err = new ByteArrayOutputStream();
        final CommandLine command = new CommandLine(new LguestDemoCommand());
        command.setErr(new java.io.PrintWriter(err, true, StandardCharsets.UTF_8));
        assertEquals(2, command.execute("--lines", "-1"));
        assertTrue(err.toString(StandardCharsets.UTF_8).contains("--lines must not be negative"));
        assertEquals("lguest-demo", command.getCommandName());
    }

    private static String runDemo(final Path memoryFile, final long lines, final boolean eventfd) throws Exception
    {
        final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8))
        {
            final int exit = new LguestConsoleDemo(memoryFile, lines, eventfd, out, FAST_GUEST_JVM).run();
            assertEquals(0, exit, bytes.toString(StandardCharsets.UTF_8));
        }
        assertFalse(Files.exists(memoryFile), "the demo's files are gone");
        return bytes.toString(StandardCharsets.UTF_8);
    }

    private static void assertLines(final String output, final long lines)
    {
        final List<String> got = output.lines().filter(line -> line.startsWith("hello")).toList();
        assertEquals(lines, got.size(), output);
        for (int i = 0; i < lines; i++)
        {
            assertEquals("hello from the guest, line " + (i + 1) + " of " + lines, got.get(i));
        }
        assertTrue(output.contains("guest stopped: shutdown"), output);
    }
}

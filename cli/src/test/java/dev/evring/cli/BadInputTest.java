package dev.evring.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 13, attack 8: every bad input of the {@code evring} tool is one line on standard error and a
 * non-zero exit, never a stack trace, and {@code lguest-demo} never changes a file it did not create.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class BadInputTest
{
    @TempDir
    Path tmp;

    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    private int execute(final String... args)
    {
        final CommandLine cli = EvringCommand.commandLine();
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        return cli.execute(args);
    }

    /** Exactly one line on standard error, starting with the command and containing the given text. */
    private String assertOneLine(final String command, final String text)
    {
        final List<String> lines = err.toString().lines().toList();
        assertEquals(1, lines.size(), "one line, got: " + err);
        final String line = lines.get(0);
        assertTrue(line.startsWith(command + ": "), line);
        assertTrue(line.contains(text), line);
        assertFalse(line.contains("\tat ") || line.contains("Exception"), "no stack trace or exception name: " + line);
        return line;
    }

    @Test
    void statRefusesAHubNameThatLeavesItsDirectory()
    {
        assertEquals(2, execute("stat", "--once", "--name", "../x"));
        assertOneLine("evring stat", "hub name '../x'");
        assertEquals("", out.toString());
    }

    @Test
    void statRefusesANegativeInterval()
    {
        assertEquals(2, execute("stat", "--interval-ms", "-1"));
        assertOneLine("evring stat", "--interval-ms must be at least 1, got -1");
        assertEquals(2, execute("stat", "--interval-ms", "0"));
    }

    @Test
    void statOfNoHubIsOneLineAndExitOne()
    {
        assertEquals(1, execute("stat", "--once", "--dir", tmp.resolve("nothing").toString()));
        assertOneLine("evring stat", "nothing");
    }

    @Test
    void benchRefusesAMalformedPlan()
    {
        assertEquals(2, execute("bench", "--plan", "x"));
        assertOneLine("evring bench", "not a run plan: x");
        assertEquals(2, execute("bench", "--plan", "1,2,3"));
        assertEquals("", out.toString(), "nothing was measured");
    }

    @Test
    void lguestDemoRefusesAMemoryFileInADirectoryThatDoesNotExist()
    {
        assertEquals(2, execute("lguest-demo", "--memory-file", "/nonexistent/dir/x"));
        assertOneLine("evring lguest-demo", "directory /nonexistent/dir does not exist");
        assertFalse(Files.exists(Path.of("/nonexistent")));
    }

    @Test
    void lguestDemoRefusesAndLeavesAloneAFileItDidNotCreate() throws IOException
    {
        final Path passwd = Path.of("/etc/passwd");
        final byte[] before = Files.readAllBytes(passwd);
        assertEquals(2, execute("lguest-demo", "--memory-file", passwd.toString()));
        assertOneLine("evring lguest-demo", "/etc/passwd exists");
        assertArrayEquals(before, Files.readAllBytes(passwd));
    }

    @Test
    void lguestDemoNeverChangesAnExistingFile() throws IOException
    {
        final Path mine = tmp.resolve("precious.mem");
        final byte[] content = new byte[64 * 1024];
        for (int i = 0; i < content.length; i++)
        {
            content[i] = (byte)(i * 31);
        }
        Files.write(mine, content);
        final long modified = Files.getLastModifiedTime(mine).toMillis();

        assertEquals(2, execute("lguest-demo", "--lines", "3", "--memory-file", mine.toString()));

        assertOneLine("evring lguest-demo", "exists");
        assertArrayEquals(content, Files.readAllBytes(mine));
        assertEquals(modified, Files.getLastModifiedTime(mine).toMillis());
        assertFalse(Files.exists(tmp.resolve("precious.mem.lguest")), "no control file made beside it");
    }

    @Test
    void lguestDemoRefusesWhenItsControlFileExists() throws IOException
    {
        final Path control = Files.writeString(tmp.resolve("guest.mem.lguest"), "mine");
        assertEquals(2, execute("lguest-demo", "--memory-file", tmp.resolve("guest.mem").toString()));
        assertOneLine("evring lguest-demo", "guest.mem.lguest exists");
        assertEquals("mine", Files.readString(control));
        assertFalse(Files.exists(tmp.resolve("guest.mem")));
    }

    @Test
    void anUnknownOptionIsOneLine()
    {
        assertEquals(2, execute("demo", "--frobnicate"));
        assertOneLine("evring demo", "--frobnicate");
    }
}

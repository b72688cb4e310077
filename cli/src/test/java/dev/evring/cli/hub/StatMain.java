package dev.evring.cli.hub;

import dev.evring.ring.ChildJvm;
import picocli.CommandLine;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link StatCommand} as a program, for tests that read a hub's counters from another process.
 */
public final class StatMain
{
    private StatMain()
    {
    }

    /**
     * Run the command.
     *
     * @param args its options.
     */
    public static void main(final String[] args)
    {
        System.exit(new CommandLine(new StatCommand()).execute(args));
    }

    /**
     * Run the command in a child JVM and take what it prints.
     *
     * @param args its options.
     * @return the lines of its standard output.
     * @throws IOException if the JVM cannot start.
     * @throws InterruptedException if interrupted while waiting.
     */
    static List<String> run(final String... args) throws IOException, InterruptedException
    {
        final Process stat = ChildJvm.processBuilder(StatMain.class, args)
            .redirectError(ProcessBuilder.Redirect.INHERIT).start();
        final String output = new String(stat.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(stat.waitFor(60, TimeUnit.SECONDS), output);
        assertEquals(0, stat.exitValue(), output);
        return output.lines().toList();
    }
}

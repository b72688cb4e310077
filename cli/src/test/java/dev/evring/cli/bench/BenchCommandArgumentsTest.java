package dev.evring.cli.bench;

import dev.evring.bench.Mechanisms;
import dev.evring.bench.harness.Mechanism;
import dev.evring.cli.EvringCommand;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

@Timeout(60)
class BenchCommandArgumentsTest
{
    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    private int execute(final String... args)
    {
        final CommandLine cli = new CommandLine(new EvringCommand());
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        return cli.execute(args);
    }

    @Test
    void unknownOnlyNameIsUsageErrorListingValidNames()
    {
        final int exit = execute("bench", "--only=floor,bogus");

        assertEquals(2, exit);
        final String message = err.toString();
        assertTrue(message.contains("unknown mechanism 'bogus'"), message);
        for (final String name : Mechanisms.names())
        {
            assertTrue(message.contains(name), "valid name " + name + " missing from: " + message);
        }
        assertEquals("", out.toString(), "nothing was measured");
    }

    @Test
    void onlyKeepsTheGivenOrder()
    {
        final CommandLine cli = new CommandLine(new EvringCommand());
        final CommandLine.ParseResult parsed = cli.parseArgs("bench", "--quick", "--only=naive-stream,floor,portring",
            "--json", "/tmp/x.json");
        final CommandLine.ParseResult bench = parsed.subcommand();
        final List<Mechanism> only = bench.matchedOptionValue("--only", List.of());

        assertEquals(List.of("naive-stream", "floor", "portring"),
            only.stream().map(Mechanism::name).collect(Collectors.toList()));
        assertTrue(bench.hasMatchedOption("--quick"));
        assertEquals("/tmp/x.json", bench.matchedOptionValue("--json", null).toString());
    }

    @Test
    void helpOfBenchListsMechanismsAndOptions()
    {
        final int exit = execute("bench", "--help");

        assertEquals(0, exit);
        final String help = out.toString();
        for (final String text : List.of("--quick", "--only", "--json", "--rounds", "portring-doorbell-stream", "agrona-o2o"))
        {
            assertTrue(help.contains(text), text + " missing from: " + help);
        }
    }

    @Test
    void helpSubcommandAndTopLevelHelpWork()
    {
        assertEquals(0, execute("--help"));
        assertTrue(out.toString().contains("bench"), out.toString());
        assertEquals(0, execute("help", "bench"));
        assertTrue(out.toString().contains("Usage: evring bench"), out.toString());
    }

    @Test
    void roundsBelowOneIsUsageError()
    {
        assertEquals(2, execute("bench", "--rounds", "0", "--only=floor"));
        assertTrue(err.toString().contains("--rounds must be at least 1, got 0"), err.toString());
        assertEquals("", out.toString(), "nothing was measured");
    }

    @Test
    void unknownSubcommandIsUsageError()
    {
        assertEquals(2, execute("benchmark"));
        assertTrue(err.toString().contains("benchmark"), err.toString());
    }
}

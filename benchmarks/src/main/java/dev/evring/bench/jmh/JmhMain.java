package dev.evring.bench.jmh;

import dev.evring.ring.ChildJvm;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.CommandLineOptionException;
import org.openjdk.jmh.runner.options.CommandLineOptions;
import org.openjdk.jmh.runner.options.Options;
import org.openjdk.jmh.runner.options.OptionsBuilder;

import java.util.Collection;

/**
 * The main class of {@code benchmarks.jar}: JMH's command line (the same options as
 * {@code org.openjdk.jmh.Main}), with evring's JVM flags ({@link ChildJvm#jvmFlags()}, the root
 * {@code jvm.options}) appended to every fork, and failing on the first benchmark error with a non-zero
 * exit status.
 *
 * <pre>
 * java -jar benchmarks/target/benchmarks.jar                      # every benchmark
 * java -jar benchmarks/target/benchmarks.jar PortRingWrap -f 1    # a subset, JMH options as usual
 * java -jar benchmarks/target/benchmarks.jar -l                   # list them
 * </pre>
 */
public final class JmhMain
{
    private JmhMain()
    {
    }

    /**
     * Run JMH.
     *
     * @param args JMH's command-line options.
     */
    public static void main(final String[] args)
    {
        final CommandLineOptions commandLine;
        try
        {
            commandLine = new CommandLineOptions(args);
        }
        catch (final CommandLineOptionException ex)
        {
            System.err.println("evring jmh: " + ex.getMessage());
            System.exit(2);
            return;
        }
        try
        {
            if (commandLine.shouldHelp())
            {
                commandLine.showHelp();
                return;
            }
            final Options options = new OptionsBuilder()
                .parent(commandLine)
                .jvmArgsAppend(ChildJvm.jvmFlags().toArray(new String[0]))
                .shouldFailOnError(true)
                .build();
            final Runner runner = new Runner(options);
            if (commandLine.shouldListWithParams())
            {
                runner.listWithParams(commandLine);
                return;
            }
            if (commandLine.shouldList())
            {
                runner.list();
                return;
            }
            final Collection<RunResult> results = runner.run();
            if (results.isEmpty())
            {
                System.err.println("evring jmh: no benchmark matched");
                System.exit(1);
            }
        }
        catch (final RunnerException ex)
        {
            System.err.println("evring jmh: " + ex.getMessage());
            System.exit(1);
        }
        catch (final Exception ex)
        {
            System.err.println("evring jmh: " + ex);
            System.exit(1);
        }
    }
}

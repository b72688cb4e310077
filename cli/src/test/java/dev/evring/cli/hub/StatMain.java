package dev.evring.cli.hub;

import picocli.CommandLine;

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
}

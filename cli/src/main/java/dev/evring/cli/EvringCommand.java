package dev.evring.cli;

import dev.evring.cli.bench.BenchCommand;
import dev.evring.cli.demo.DemoCommand;
import dev.evring.cli.hub.HubCommand;
import dev.evring.cli.hub.StatCommand;
import dev.evring.cli.lguest.LguestDemoCommand;
import dev.evring.ring.ChildJvm;
import picocli.CommandLine.Command;
import picocli.CommandLine.HelpCommand;
import picocli.CommandLine.IVersionProvider;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;
import picocli.CommandLine;

/**
 * {@code evring}: the command-line tool (main class of {@code evring.jar}). Subcommands: {@code demo}
 * (hub and consumer JVMs exchanging events), {@code hub} (a standalone evtchn hub), {@code stat} (a live
 * hub's counters), {@code bench} (the cross-process harness), {@code lguest-demo} (the console device)
 * and {@code help}.
 */
@Command(
    name = "evring",
    mixinStandardHelpOptions = true,
    versionProvider = EvringCommand.Version.class,
    description = "Off-heap shared-memory port rings and event channels between JVM processes.",
    subcommands = {
        DemoCommand.class,
        HubCommand.class,
        StatCommand.class,
        BenchCommand.class,
        LguestDemoCommand.class,
        HelpCommand.class})
public final class EvringCommand implements Runnable
{
    @Spec
    private CommandSpec spec;

    /**
     * Without a subcommand, show the usage.
     */
    @Override
    public void run()
    {
        spec.commandLine().usage(spec.commandLine().getErr());
    }

    /**
     * Run the tool and exit with its status.
     *
     * @param args the command line.
     */
    public static void main(final String[] args)
    {
        applySystemProperties();
        System.exit(commandLine().execute(args));
    }

    /**
     * The tool's command line: every subcommand, and every error as one line on standard error, never a
     * stack trace. A bad option or argument prints {@code evring <command>: <what is wrong> (see 'evring
     * <command> --help')} and exits 2; a command that fails with an exception prints
     * {@code evring <command>: <the exception's message>} and exits 1.
     *
     * @return a command line ready to {@link CommandLine#execute execute}.
     */
    public static CommandLine commandLine()
    {
        final CommandLine commandLine = new CommandLine(new EvringCommand());
        commandLine.setParameterExceptionHandler(EvringCommand::usageError);
        commandLine.setExecutionExceptionHandler(EvringCommand::failure);
        return commandLine;
    }

    private static int usageError(final CommandLine.ParameterException ex, final String[] args)
    {
        final CommandLine command = ex.getCommandLine();
        final String name = command.getCommandSpec().qualifiedName();
        command.getErr().println(name + ": " + oneLine(ex.getMessage()) + " (see '" + name + " --help')");
        command.getErr().flush();
        return command.getCommandSpec().exitCodeOnInvalidInput();
    }

    private static int failure(final Exception ex, final CommandLine command, final CommandLine.ParseResult parsed)
    {
        if (ex instanceof CommandLine.ParameterException)
        {
            return usageError((CommandLine.ParameterException)ex, parsed.originalArgs().toArray(new String[0]));
        }
        final String message = ex.getMessage() == null ? ex.toString() : ex.getMessage();
        command.getErr().println(command.getCommandSpec().qualifiedName() + ": " + oneLine(message));
        command.getErr().flush();
        return command.getCommandSpec().exitCodeOnExecutionException();
    }

    private static String oneLine(final String message)
    {
        return message.strip().replaceAll("\\s*\\R\\s*", "; ");
    }

    /**
     * Set the {@code -Dname=value} system properties of evring's JVM options (the same file every child JVM
     * gets) that the command line did not set, so that {@code java -jar evring.jar} behaves like the
     * launcher script before any library reads them.
     */
    static void applySystemProperties()
    {
        for (final String flag : ChildJvm.jvmFlags())
        {
            if (flag.startsWith("-D"))
            {
                final int eq = flag.indexOf('=');
                final String name = eq < 0 ? flag.substring(2) : flag.substring(2, eq);
                if (!name.isEmpty() && System.getProperty(name) == null)
                {
                    System.setProperty(name, eq < 0 ? "" : flag.substring(eq + 1));
                }
            }
        }
    }

    /**
     * The version recorded in the jar's manifest.
     */
    static final class Version implements IVersionProvider
    {
        /**
         * {@inheritDoc}
         */
        @Override
        public String[] getVersion()
        {
            final String version = EvringCommand.class.getPackage().getImplementationVersion();
            return new String[] {"evring " + (version == null ? "(development build)" : version)};
        }
    }
}

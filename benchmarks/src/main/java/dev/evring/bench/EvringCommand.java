package dev.evring.bench;

import dev.evring.evtchn.DemoCommand;
import dev.evring.evtchn.HubCommand;
import dev.evring.evtchn.StatCommand;
import dev.evring.lguest.LguestDemoCommand;
import dev.evring.ring.ChildJvm;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.HelpCommand;
import picocli.CommandLine.IVersionProvider;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

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
        System.exit(new CommandLine(new EvringCommand()).execute(args));
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

package dev.evring.evtchn;

import org.agrona.SystemUtil;
import org.agrona.concurrent.BusySpinIdleStrategy;
import org.agrona.concurrent.ShutdownSignalBarrier;

import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;

/**
 * A hub as a program of its own: the options of {@link EvtchnHubMain} (and of the {@code evring hub}
 * command, which parses them with its own command-line library and calls {@link #serve}), with plain
 * argument parsing so that the library needs no command-line dependency.
 *
 * <pre>
 *   --name N                  hub name: directory /dev/shm/evring-$USER/N (default: default)
 *   --dir D                   hub directory (overrides --name)
 *   --timer-period-ms MS      VIRQ_TIMER period (default: HubConfig.DEFAULT_TIMER_PERIOD)
 *   --max-ports N             number of port numbers (default: HubConfig.DEFAULT_MAX_PORTS)
 *   --ring-capacity-limit N   largest event ring per handle (default: HubConfig.DEFAULT_RING_CAPACITY_LIMIT)
 *   --busy-spin               the request thread busy-spins instead of backing off
 * </pre>
 *
 * Each option with a value takes it as the next argument or after {@code =}.
 */
public final class HubProgram
{
    /** The exit status for a bad option. */
    public static final int USAGE = 2;
    /** The exit status of a hub that could not start. */
    public static final int FAILED = 1;

    private HubProgram()
    {
    }

    /**
     * Parse the options and run the hub until SIGINT or SIGTERM.
     *
     * @param args the options above.
     * @param out  where the ready line goes.
     * @param err  where a one-line error goes.
     * @return 0 after a clean stop, {@link #FAILED} if the hub could not start, {@link #USAGE} for a bad option.
     */
    public static int run(final String[] args, final PrintStream out, final PrintStream err)
    {
        final HubConfig config;
        try
        {
            config = parse(args);
        }
        catch (final IllegalArgumentException ex)
        {
            err.println("evtchn hub: " + ex.getMessage());
            return USAGE;
        }
        return serve(config, "evtchn hub", out, err);
    }

    /**
     * The configuration that options name.
     *
     * @param args the options above.
     * @return the hub configuration.
     * @throws IllegalArgumentException for an unknown option, a missing or bad value.
     */
    public static HubConfig parse(final String... args)
    {
        String name = "default";
        Path directory = null;
        long timerPeriodMs = HubConfig.DEFAULT_TIMER_PERIOD.toMillis();
        int maxPorts = HubConfig.DEFAULT_MAX_PORTS;
        int ringCapacityLimit = HubConfig.DEFAULT_RING_CAPACITY_LIMIT;
        boolean busySpin = false;
        for (int i = 0; i < args.length; i++)
        {
            final String arg = args[i];
            final int eq = arg.indexOf('=');
            final String option = eq < 0 ? arg : arg.substring(0, eq);
            if ("--busy-spin".equals(option) && eq < 0)
            {
                busySpin = true;
                continue;
            }
            final String value;
            if (eq >= 0)
            {
                value = arg.substring(eq + 1);
            }
            else if (i + 1 < args.length)
            {
                value = args[++i];
            }
            else
            {
                throw new IllegalArgumentException("missing value for " + option);
            }
            switch (option)
            {
                case "--name":
                    name = value;
                    break;
                case "--dir":
                    directory = Path.of(value);
                    break;
                case "--timer-period-ms":
                    timerPeriodMs = number(option, value, Long.MAX_VALUE);
                    break;
                case "--max-ports":
                    maxPorts = (int)number(option, value, Integer.MAX_VALUE);
                    break;
                case "--ring-capacity-limit":
                    ringCapacityLimit = (int)number(option, value, Integer.MAX_VALUE);
                    break;
                default:
                    throw new IllegalArgumentException("unknown option " + option);
            }
        }
        return config(directory != null ? directory : HubConfig.defaultDirectory(name), timerPeriodMs, maxPorts,
            ringCapacityLimit, busySpin);
    }

    /**
     * The configuration of a hub program.
     *
     * @param directory         the hub directory.
     * @param timerPeriodMs     the VIRQ_TIMER period in milliseconds.
     * @param maxPorts          the number of port numbers.
     * @param ringCapacityLimit the largest event ring per handle.
     * @param busySpin          whether the request thread busy-spins instead of backing off.
     * @return the configuration.
     * @throws IllegalArgumentException if a value is out of range.
     */
    public static HubConfig config(
        final Path directory, final long timerPeriodMs, final int maxPorts, final int ringCapacityLimit,
        final boolean busySpin)
    {
        final HubConfig config = HubConfig.directory(directory).timerPeriod(Duration.ofMillis(timerPeriodMs))
            .maxPorts(maxPorts).ringCapacityLimit(ringCapacityLimit);
        return busySpin ? config.idleStrategy(BusySpinIdleStrategy::new) : config;
    }

    /**
     * Run a hub until SIGINT or SIGTERM. Prints one line, {@code evtchn hub ready dir=<directory>
     * pid=<pid>}, once handles may open it. On a signal the hub releases every handle and removes its files
     * before the JVM exits (with the JVM's usual status for that signal, 130 or 143).
     *
     * @param config  the hub's configuration.
     * @param program the name that prefixes an error line.
     * @param out     where the ready line goes.
     * @param err     where a one-line error goes.
     * @return 0 after a clean stop, {@link #FAILED} if the hub could not start.
     */
    public static int serve(final HubConfig config, final String program, final PrintStream out, final PrintStream err)
    {
        try (ShutdownSignalBarrier barrier = new ShutdownSignalBarrier();
            EvtchnHub hub = EvtchnHub.start(config))
        {
            out.println("evtchn hub ready dir=" + hub.directory() + " pid=" + SystemUtil.getPid());
            out.flush();
            barrier.await();
            return 0;
        }
        catch (final Exception ex)
        {
            err.println(program + ": " + ex.getMessage());
            return FAILED;
        }
        catch (final Error ex) // an error of the JVM (a fault on a full disk, say) still gets one line (H5)
        {
            err.println(program + ": the JVM failed: " + ex);
            return FAILED;
        }
    }

    private static long number(final String option, final String value, final long max)
    {
        final long number;
        try
        {
            number = Long.parseLong(value.strip());
        }
        catch (final NumberFormatException ex)
        {
            throw new IllegalArgumentException(option + " needs a whole number, got '" + value + "'", ex);
        }
        if (number > max)
        {
            throw new IllegalArgumentException(option + " must be at most " + max + ", got " + number);
        }
        return number;
    }
}

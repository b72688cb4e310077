package dev.evring.cli.hub;

import dev.evring.bridge.BridgeMap;
import dev.evring.evtchn.HubCounters;
import dev.evring.evtchn.HubMark;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code evring stat}: print a hub's counters from another process, refreshing in place like AeronStat;
 * {@code --once} prints one snapshot and exits. A hub that runs a bridge has the bridge's counters in the
 * same file ({@code bridge: ...}), and its domid map follows them ({@link BridgeMap}, read from the same file).
 */
@Command(
    name = "stat",
    mixinStandardHelpOptions = true,
    description = "Print an evtchn hub's counters (handles, ports, deliveries, wake-ups, errors), live.")
public final class StatCommand implements Callable<Integer>
{
    @Mixin
    HubLocation location = new HubLocation();

    @Option(names = "--once", description = "Print one snapshot and exit.")
    boolean once;

    @Option(names = "--interval-ms", description = "Refresh period in milliseconds, at least 1 (default: ${DEFAULT-VALUE}).")
    long intervalMs = 1000;

    @Spec
    CommandSpec spec;

    /**
     * Print the counters once, or until interrupted.
     *
     * @return 0, or 1 if no hub counters are found.
     * @throws ParameterException for a bad hub name or interval (the tool prints it as one line, exit 2).
     */
    @Override
    public Integer call()
    {
        if (intervalMs < 1)
        {
            throw new ParameterException(spec.commandLine(), "--interval-ms must be at least 1, got " + intervalMs);
        }
        final Path hubDirectory = location.directory(spec.commandLine());
        final PrintWriter out = spec.commandLine().getOut();
        try (HubCounters counters = HubCounters.map(hubDirectory))
        {
            while (true)
            {
                if (!once)
                {
                    out.print("\033[H\033[2J");
                }
                print(out, hubDirectory, counters);
                out.flush();
                if (once)
                {
                    return 0;
                }
                Thread.sleep(intervalMs); // a display refresh period, not synchronisation
            }
        }
        catch (final IOException ex)
        {
            final PrintWriter err = spec.commandLine().getErr();
            err.println("evring stat: no hub counters in " + hubDirectory + " (" + ex.getMessage() + ")");
            err.flush();
            return 1;
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            return 0;
        }
    }

    private static void print(final PrintWriter out, final Path hubDirectory, final HubCounters counters)
    {
        out.println("evtchn hub " + hubDirectory + " at " + Instant.now());
        out.println(describeMark(hubDirectory));
        out.println("==========================");
        final Map<String, Long> snapshot = counters.snapshot();
        final int width = snapshot.keySet().stream().mapToInt(String::length).max().orElse(0);
        for (final Map.Entry<String, Long> counter : snapshot.entrySet())
        {
            out.printf("%" + width + "s: %,d%n", counter.getKey(), counter.getValue());
        }
        printBridgeMap(out, counters);
    }

    /**
     * The bridge's domid map (B1), which the bridge publishes as counters of their own types in the same file.
     */
    private static void printBridgeMap(final PrintWriter out, final HubCounters counters)
    {
        final List<String> map = BridgeMap.read(counters.reader()).lines();
        if (!map.isEmpty())
        {
            out.println("==========================");
            map.forEach(out::println);
        }
    }

    private static String describeMark(final Path hubDirectory)
    {
        try
        {
            final HubMark mark = HubMark.read(hubDirectory);
            return "pid " + mark.pid() + (mark.alive() ? " (alive)" : " (dead)") + ", started "
                + Instant.ofEpochMilli(mark.startTimeMs()) + ", heartbeat "
                + mark.heartbeatAgeMs(System.currentTimeMillis()) + " ms ago";
        }
        catch (final IOException ex)
        {
            return "no readable mark file: " + ex.getMessage();
        }
    }
}

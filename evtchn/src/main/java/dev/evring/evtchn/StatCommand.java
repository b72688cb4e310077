package dev.evring.evtchn;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code evring stat}: print a hub's counters from another process, refreshing in place like AeronStat;
 * {@code --once} prints one snapshot and exits.
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

    @Option(names = "--interval-ms", description = "Refresh period in milliseconds (default: ${DEFAULT-VALUE}).")
    long intervalMs = 1000;

    /**
     * Print the counters once, or until interrupted.
     *
     * @return 0, or 1 if no hub counters are found.
     */
    @Override
    public Integer call()
    {
        final Path hubDirectory = location.directory();
        final PrintStream out = System.out;
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
            System.err.println("evring stat: " + ex.getMessage());
            return 1;
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            return 0;
        }
    }

    private static void print(final PrintStream out, final Path hubDirectory, final HubCounters counters)
    {
        out.println("evtchn hub " + hubDirectory + " at " + Instant.now());
        out.println(describeMark(hubDirectory));
        out.println("==========================");
        for (final Map.Entry<String, Long> counter : counters.snapshot().entrySet())
        {
            out.printf("%24s: %,d%n", counter.getKey(), counter.getValue());
        }
    }

    private static String describeMark(final Path hubDirectory)
    {
        try
        {
            final ByteBuffer mark = ByteBuffer.wrap(Files.readAllBytes(hubDirectory.resolve(HubDirectory.MARK_FILE)))
                .order(ByteOrder.LITTLE_ENDIAN);
            final long pid = mark.getLong(HubDirectory.MARK_PID_OFFSET);
            final long heartbeatAgeMs = System.currentTimeMillis() - mark.getLong(HubDirectory.MARK_HEARTBEAT_OFFSET);
            final boolean alive = ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
            return "pid " + pid + (alive ? " (alive)" : " (dead)") + ", started "
                + Instant.ofEpochMilli(mark.getLong(HubDirectory.MARK_START_TIME_OFFSET)) + ", heartbeat "
                + heartbeatAgeMs + " ms ago";
        }
        catch (final IOException | IndexOutOfBoundsException ex)
        {
            return "no readable mark file: " + ex.getMessage();
        }
    }
}

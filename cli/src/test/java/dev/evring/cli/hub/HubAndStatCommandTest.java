package dev.evring.cli.hub;

import dev.evring.evtchn.Evtchn;
import dev.evring.evtchn.EvtchnHub;
import dev.evring.evtchn.HubConfig;
import dev.evring.evtchn.HubCounter;
import org.agrona.concurrent.BusySpinIdleStrategy;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code evring stat} reading a live hub's counters from another process, and {@code evring hub}'s options.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class HubAndStatCommandTest
{
    @TempDir
    Path tmp;

    @Test
    void statCommandReadsTheCountersFromAnotherProcess() throws Exception
    {
        try (EvtchnHub hub = EvtchnHub.start(HubConfig.directory(tmp.resolve("hub")));
            Evtchn a = Evtchn.open(hub.directory());
            Evtchn local = hub.openLocal())
        {
            final int pl = local.bindUnboundPort(a.domid());
            a.bindInterdomain(EvtchnHub.HUB_DOMID, pl);
            final List<String> lines = StatMain.run("--dir", hub.directory().toString(), "--once");
            assertTrue(lines.get(0).startsWith("evtchn hub " + hub.directory()), lines.get(0));
            assertTrue(lines.get(1).startsWith("pid " + ProcessHandle.current().pid() + " (alive)"), lines.get(1));
            final Map<String, Long> printed = new HashMap<>();
            for (final HubCounter counter : HubCounter.values())
            {
                final String prefix = counter.label() + ": ";
                final String line = lines.stream().map(String::strip).filter(l -> l.startsWith(prefix)).findFirst()
                    .orElseThrow(() -> new AssertionError("no " + counter.label() + " in " + lines));
                printed.put(counter.label(), Long.parseLong(line.substring(prefix.length()).replace(",", "")));
            }
            assertEquals(2L, printed.get(HubCounter.HANDLES.label()));
            assertEquals(2L, printed.get(HubCounter.PORTS_BOUND.label()));
            assertEquals(1L, printed.get(HubCounter.DELIVERED.label()));
            assertEquals(hub.counter(HubCounter.REQUESTS), printed.get(HubCounter.REQUESTS.label()));
        }
    }

    @Test
    void hubCommandParsesItsOptions()
    {
        final HubCommand command = new HubCommand();
        new CommandLine(command).parseArgs(
            "--dir", tmp.resolve("x").toString(), "--timer-period-ms", "5", "--max-ports", "100",
            "--ring-capacity-limit", "256", "--busy-spin");
        final HubConfig config = command.config();
        assertInstanceOf(BusySpinIdleStrategy.class, config.idleStrategy().get(), "--busy-spin");
        assertEquals(tmp.resolve("x"), config.directory());
        assertEquals(Duration.ofMillis(5), config.timerPeriod());
        assertEquals(100, config.maxPorts());
        assertEquals(256, config.ringCapacityLimit());
        final HubCommand named = new HubCommand();
        new CommandLine(named).parseArgs("--name", "demo");
        assertEquals(HubConfig.defaultDirectory("demo"), named.config().directory());
        assertEquals(2, new CommandLine(new HubCommand()).execute("--max-ports", "1"), "a bad option value is refused");
        assertEquals(2, new CommandLine(new HubCommand()).execute("--name", "../escape"), "a bad name is refused");
    }

}

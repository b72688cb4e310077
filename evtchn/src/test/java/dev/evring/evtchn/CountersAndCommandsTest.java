package dev.evring.evtchn;

import dev.evring.ring.Errno;
import org.agrona.concurrent.BackoffIdleStrategy;
import org.agrona.concurrent.BusySpinIdleStrategy;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The counters file, the mark file, and the hub as a program ({@link EvtchnHubMain}).
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class CountersAndCommandsTest
{
    @TempDir
    Path tmp;

    @Test
    void countersTrackHandlesPortsDeliveriesCoalescingAndErrors() throws Exception
    {
        try (EvtchnHub hub = EvtchnHub.start(HubConfig.directory(tmp.resolve("hub")));
            Evtchn a = SeparateDomains.open(hub.directory());
            Evtchn b = SeparateDomains.open(hub.directory());
            HubCounters counters = HubCounters.map(hub.directory()))
        {
            final int pa = a.bindUnboundPort(b.domid());
            final int pb = b.bindInterdomain(a.domid(), pa);
            assertEquals(pb, b.pending());
            a.notify(pa); // b's port is masked: folded into pending
            Conditions.await("coalesced", () -> counters.value(HubCounter.COALESCED) == 1);
            b.unmask(pb);
            assertEquals(pb, b.awaitPending(10, TimeUnit.SECONDS));
            assertThrows(EvtchnException.class, () -> b.unbind(pa));
            assertEquals(2, counters.value(HubCounter.HANDLES));
            assertEquals(3, counters.value(HubCounter.DOMAINS), "domain 0 and one per remote handle");
            assertEquals(2, counters.value(HubCounter.PORTS_BOUND));
            assertEquals(2, counters.value(HubCounter.RAISED));
            assertEquals(2, counters.value(HubCounter.DELIVERED));
            assertEquals(0, counters.value(HubCounter.OVERFLOWS));
            assertEquals(1, counters.value(HubCounter.ERRORS));
            assertTrue(counters.value(HubCounter.REQUESTS) >= 5);
            b.close();
            Conditions.await("b released", () -> counters.value(HubCounter.HANDLES) == 1);
            assertEquals(2, counters.value(HubCounter.DOMAINS));
            assertEquals(1, counters.value(HubCounter.PORTS_BOUND));
            assertEquals(counters.value(HubCounter.DELIVERED), hub.counter(HubCounter.DELIVERED));
        }
    }

    @Test
    void markFileCarriesPidStartTimeAndAnAdvancingHeartbeat() throws Exception
    {
        final long before = System.currentTimeMillis();
        try (EvtchnHub hub = EvtchnHub.start(HubConfig.directory(tmp.resolve("hub"))))
        {
            final Path mark = hub.directory().resolve(HubDirectory.MARK_FILE);
            final ByteBuffer first = ByteBuffer.wrap(Files.readAllBytes(mark)).order(ByteOrder.LITTLE_ENDIAN);
            assertEquals(HubDirectory.MARK_VERSION, first.getInt(HubDirectory.MARK_VERSION_OFFSET));
            assertEquals(ProcessHandle.current().pid(), first.getLong(HubDirectory.MARK_PID_OFFSET));
            final long started = first.getLong(HubDirectory.MARK_START_TIME_OFFSET);
            assertTrue(started >= before && started <= System.currentTimeMillis());
            final long heartbeat = first.getLong(HubDirectory.MARK_HEARTBEAT_OFFSET);
            Conditions.await("the heartbeat advances", () -> ByteBuffer.wrap(Files.readAllBytes(mark))
                .order(ByteOrder.LITTLE_ENDIAN).getLong(HubDirectory.MARK_HEARTBEAT_OFFSET) > heartbeat);
        }
    }

    @Test
    void hubProgramParsesItsOptionsAndStopsCleanlyOnSigterm() throws Exception
    {
        final HubConfig config = HubProgram.parse(
            "--dir", tmp.resolve("x").toString(), "--timer-period-ms=5", "--max-ports", "100",
            "--ring-capacity-limit", "256", "--busy-spin");
        assertInstanceOf(BusySpinIdleStrategy.class, config.idleStrategy().get(), "--busy-spin");
        assertInstanceOf(BackoffIdleStrategy.class, HubConfig.named("x").idleStrategy().get(), "the default backs off");
        assertEquals(tmp.resolve("x"), config.directory());
        assertEquals(Duration.ofMillis(5), config.timerPeriod());
        assertEquals(100, config.maxPorts());
        assertEquals(256, config.ringCapacityLimit());
        assertEquals(HubConfig.defaultDirectory("demo"), HubProgram.parse("--name", "demo").directory());
        assertEquals(Path.of("/dev/shm/evring-" + System.getProperty("user.name"), "demo"), HubConfig.defaultDirectory("demo"));
        assertThrows(IllegalArgumentException.class, () -> HubConfig.named("../escape"));
        assertThrows(IllegalArgumentException.class, () -> HubProgram.parse("--name", "../escape"));
        assertThrows(IllegalArgumentException.class, () -> HubProgram.parse("--max-ports", "1"), "a bad option value");
        assertThrows(IllegalArgumentException.class, () -> HubProgram.parse("--max-ports", "many"));
        assertThrows(IllegalArgumentException.class, () -> HubProgram.parse("--max-ports"), "a missing value");
        assertThrows(IllegalArgumentException.class, () -> HubProgram.parse("--frobnicate", "1"), "an unknown option");

        final Path dir = tmp.resolve("hub");
        try (Child hub = Child.start(EvtchnHubMain.class, "--dir", dir.toString(), "--timer-period-ms", "10"))
        {
            hub.expect("evtchn hub ready dir=" + dir, 60_000);
            try (Evtchn x = Evtchn.open(dir))
            {
                final int timer = x.bindVirq(Virq.TIMER);
                assertEquals(timer, x.awaitPending(10, TimeUnit.SECONDS), "the program's timer ticks");
                hub.process.destroy(); // SIGTERM
                assertTrue(hub.process.waitFor(30, TimeUnit.SECONDS));
                assertEquals(128 + 15, hub.process.exitValue(), "the JVM's status after SIGTERM, not a crash");
                assertEquals(Errno.ENODEV, assertThrows(EvtchnException.class, x::pending).errno());
            }
            try (Stream<Path> left = Files.list(dir))
            {
                assertEquals(0, left.count(), "a hub that stops removes its files");
            }
        }
    }
}

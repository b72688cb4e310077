package dev.evring.evtchn;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * SEMANTICS H1–H3 with real processes: a hub in a child JVM, a client child JVM that truncates, zeroes
 * or locks its own files ({@link HostileClientMain}), then a second and a third client whose round trips
 * must keep flowing in bounded time, a virq timer that keeps ticking, the attacker's handle released (its
 * files removed, an error counted), and the hub alive and stopping on SIGTERM.
 */
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class HostileClientTest
{
    private static final int ROUND_TRIPS = 20;
    private static final long AWAIT_S = 10;

    @TempDir
    Path tmp;

    @ParameterizedTest
    @ValueSource(strings = {"truncate-events-exit", "truncate-events-unbind", "truncate-events-reset"})
    void h1_aClientThatTruncatesItsEventRingLosesOnlyItsOwnHandle(final String attack) throws Exception
    {
        attackThenOthersFlow(attack);
    }

    @Test
    void h2_aClientThatTruncatesItsRequestRingIsCutOffAndTheRequestThreadServesEveryoneElse() throws Exception
    {
        attackThenOthersFlow("truncate-requests");
    }

    @Test
    void h3_aForeverHeldProducerLockFreezesNothing() throws Exception
    {
        attackThenOthersFlow("lock-pid1-reset");
    }

    @Test
    void h1_aZeroedRingSizeIsNotTrustedTheRingGrowsFromTheHubsOwnSize() throws Exception
    {
        attackThenOthersFlow("zero-size-grow-exit");
    }

    @Test
    void h1_aHostileChildFuzzingItsRingsAndFramesCutsOffOnlyItself() throws Exception
    {
        try (HubProcess hub = HubProcess.start(tmp.resolve("hub"));
            Child fuzzer = Child.start(HostileClientMain.class, hub.directory.toString(), "fuzz", "20261206", "150"))
        {
            fuzzer.expect("FUZZED", 120_000);
            assertTrue(fuzzer.process.waitFor(30, TimeUnit.SECONDS));
            assertEquals(0, fuzzer.process.exitValue(), "the fuzzing client ended normally");
            Conditions.await("every fuzz handle is released", 30_000, () ->
            {
                hub.assertAlive();
                return hub.counter(HubCounter.HANDLES) == 0;
            });
            assertTrue(hub.counter(HubCounter.ERRORS) > 0, "the damage was counted: " + hub.counters());
            assertOthersFlow(hub.directory);
            hub.assertAliveAndStopsOnSigterm();
        }
    }

    private void attackThenOthersFlow(final String attack) throws Exception
    {
        try (HubProcess hub = HubProcess.start(tmp.resolve("hub")))
        {
            final long handleId;
            try (Child attacker = Child.start(HostileClientMain.class, hub.directory.toString(), attack))
            {
                handleId = Long.parseLong(attacker.expect("HANDLE", 60_000));
                final String answer = attacker.expect("ATTACKED", 60_000);
                if (attack.startsWith("zero-size"))
                {
                    assertTrue(Integer.parseInt(answer) > 0, "every bind past the ring's capacity worked: " + answer);
                }
                if (!attack.endsWith("-exit"))
                {
                    assertEquals("", attacker.expect("CUT", 60_000), "the hub cut off the attacker (it answered "
                        + answer + ")");
                }
                assertTrue(attacker.process.waitFor(30, TimeUnit.SECONDS), "the attacker ended");
            }
            Conditions.await("the attacker's handle is released and its files removed", 30_000,
                () -> released(hub, handleId));
            if (attack.startsWith("truncate") || attack.startsWith("lock"))
            {
                assertNotEquals(0, hub.counter(HubCounter.ERRORS), "the attack was counted: " + hub.counters());
            }
            assertOthersFlow(hub.directory);
            hub.assertAliveAndStopsOnSigterm();
        }
    }

    private static boolean released(final HubProcess hub, final long handleId) throws Exception
    {
        hub.assertAlive();
        return hub.handleFiles(handleId) == 0 && hub.counter(HubCounter.HANDLES) == 0;
    }

    /**
     * A second and a third client: {@value #ROUND_TRIPS} round trips between them, and a fourth handle
     * that sees two ticks of the timer virq, each wait bounded.
     */
    static void assertOthersFlow(final Path dir) throws Exception
    {
        try (Evtchn second = SeparateDomains.open(dir);
            Evtchn third = SeparateDomains.open(dir);
            Evtchn ticks = SeparateDomains.open(dir))
        {
            final int p2 = second.bindUnboundPort(third.domid());
            final int p3 = third.bindInterdomain(second.domid(), p2);
            assertEquals(p3, third.awaitPending(AWAIT_S, TimeUnit.SECONDS));
            third.unmask(p3);
            for (int i = 0; i < ROUND_TRIPS; i++)
            {
                second.notify(p2);
                assertEquals(p3, third.awaitPending(AWAIT_S, TimeUnit.SECONDS), "round trip " + i + " there");
                third.unmask(p3);
                third.notify(p3);
                assertEquals(p2, second.awaitPending(AWAIT_S, TimeUnit.SECONDS), "round trip " + i + " back");
                second.unmask(p2);
            }
            final int timer = ticks.bindVirq(Virq.TIMER);
            for (int i = 0; i < 2; i++)
            {
                assertEquals(timer, ticks.awaitPending(AWAIT_S, TimeUnit.SECONDS), "timer tick " + i);
                ticks.unmask(timer);
            }
        }
    }
}

package dev.evring.evtchn;

import org.agrona.concurrent.BusySpinIdleStrategy;
import org.agrona.concurrent.IdleStrategy;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The hub's request thread and a handle's awaitPending wait with the idle strategies they are given; a
 * handle that spins takes its ports without the hub ever ringing its doorbell.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class IdleStrategyTest
{
    private static final int ROUND_TRIPS = 500;

    @TempDir
    Path tmp;

    /** Counts its calls, then spins. */
    private static final class CountingIdleStrategy implements IdleStrategy
    {
        private final AtomicLong calls;

        CountingIdleStrategy(final AtomicLong calls)
        {
            this.calls = calls;
        }

        @Override
        public void idle(final int workCount)
        {
            if (workCount <= 0)
            {
                idle();
            }
        }

        @Override
        public void idle()
        {
            calls.incrementAndGet();
            Thread.onSpinWait();
        }

        @Override
        public void reset()
        {
        }
    }

    @Test
    void hubRequestThreadIdlesWithTheConfiguredStrategy() throws Exception
    {
        final AtomicLong hubIdles = new AtomicLong();
        final HubConfig config = HubConfig.directory(tmp.resolve("hub"))
            .idleStrategy(() -> new CountingIdleStrategy(hubIdles));
        try (EvtchnHub hub = EvtchnHub.start(config);
            Evtchn dom0 = hub.openLocal();
            Evtchn remote = SeparateDomains.open(hub.directory()))
        {
            Conditions.await("the request thread idles through the configured strategy", () -> hubIdles.get() > 1000);
            final int remotePort = remote.bindUnboundPort(EvtchnHub.HUB_DOMID);
            final int local = dom0.bindInterdomain(remote.domid(), remotePort);
            assertEquals(local, dom0.awaitPending(10, TimeUnit.SECONDS));
            dom0.unmask(local);
            remote.notify(remotePort); // a request-ring word: taken by the polling thread
            assertEquals(local, dom0.awaitPending(10, TimeUnit.SECONDS));
        }
        assertThrows(NullPointerException.class, () -> HubConfig.named("x").idleStrategy(null));
    }

    @Test
    void spinningHandlesPingPongWithoutASingleDoorbell() throws Exception
    {
        final AtomicLong remoteIdles = new AtomicLong();
        final HandleOptions spinning = HandleOptions.defaults()
            .idleStrategy(() -> new CountingIdleStrategy(remoteIdles))
            .spinBeforeSleep(Duration.ofSeconds(30));
        try (EvtchnHub hub = EvtchnHub.start(HubConfig.directory(tmp.resolve("hub")));
            Evtchn dom0 = hub.openLocal(HandleOptions.defaults().idleStrategy(BusySpinIdleStrategy::new)
                .spinBeforeSleep(Duration.ofSeconds(30)));
            Evtchn remote = SeparateDomains.open(hub.directory(), spinning))
        {
            final int remotePort = remote.bindUnboundPort(EvtchnHub.HUB_DOMID);
            final int local = dom0.bindInterdomain(remote.domid(), remotePort);
            assertEquals(local, dom0.awaitPending(10, TimeUnit.SECONDS));
            dom0.unmask(local);
            final long wakeupsBefore = hub.counter(HubCounter.WAKEUPS);
            final CompletableFuture<Integer> ponger = CompletableFuture.supplyAsync(() ->
            {
                try
                {
                    for (int i = 0; i < ROUND_TRIPS; i++)
                    {
                        if (dom0.awaitPending(30, TimeUnit.SECONDS) != local)
                        {
                            return i;
                        }
                        dom0.unmask(local);
                        dom0.notify(local);
                    }
                    return ROUND_TRIPS;
                }
                catch (final Exception ex)
                {
                    throw new IllegalStateException(ex);
                }
            });
            for (int i = 0; i < ROUND_TRIPS; i++)
            {
                remote.notify(remotePort);
                assertEquals(remotePort, remote.awaitPending(30, TimeUnit.SECONDS), "round trip " + i);
                remote.unmask(remotePort);
            }
            assertEquals(ROUND_TRIPS, ponger.get(30, TimeUnit.SECONDS));
            assertEquals(0, hub.counter(HubCounter.WAKEUPS) - wakeupsBefore, "a spinning handle never sleeps on its doorbell");
            assertTrue(remoteIdles.get() > 0, "awaitPending polled through the configured strategy");
        }
    }
}

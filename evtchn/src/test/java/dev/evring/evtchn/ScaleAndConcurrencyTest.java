package dev.evring.evtchn;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.BitSet;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * One handle with 100k ports; unbind/rebind racing notify.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class ScaleAndConcurrencyTest
{
    @TempDir
    Path tmp;

    private EvtchnHub hub;

    @BeforeEach
    void start() throws Exception
    {
        hub = EvtchnHub.start(HubConfig.directory(tmp.resolve("hub")));
    }

    @AfterEach
    void stop()
    {
        hub.close();
    }

    @Test
    void oneHandleBinds100kPortsTheRingGrowsTo131072AndEveryPortIsReadOnce() throws Exception
    {
        final int pairs = 50_000;
        try (Evtchn x = SeparateDomains.open(hub.directory()))
        {
            assertEquals(0, x.ringCapacity());
            final int[] unbound = new int[pairs];
            final int[] connected = new int[pairs];
            for (int i = 0; i < pairs; i++)
            {
                unbound[i] = x.bindUnboundPort(Evtchn.DOMID_SELF);
                if (i == 0)
                {
                    assertEquals(64, x.ringCapacity());
                }
            }
            for (int i = 0; i < pairs; i++)
            {
                connected[i] = x.bindInterdomain(Evtchn.DOMID_SELF, unbound[i]); // left pending: delivered
            }
            assertEquals(131_072, x.ringCapacity());
            for (int i = 0; i < pairs; i++)
            {
                x.notify(connected[i]); // fires unbound[i]
            }
            final BitSet seen = new BitSet();
            final int[] ports = new int[Evtchn.MAX_PORTS_PER_CALL];
            int total = 0;
            final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (total < 2 * pairs && System.nanoTime() - deadline < 0)
            {
                final int n = x.read(ports, 0, ports.length);
                for (int i = 0; i < n; i++)
                {
                    assertTrue(!seen.get(ports[i]), "port " + ports[i] + " read twice");
                    seen.set(ports[i]);
                }
                total += n;
                if (n == 0)
                {
                    final int port = x.awaitPending(1, TimeUnit.SECONDS);
                    if (port > 0)
                    {
                        assertTrue(!seen.get(port), "port " + port + " read twice");
                        seen.set(port);
                        total++;
                    }
                }
            }
            assertEquals(2 * pairs, total);
            for (int i = 0; i < pairs; i++)
            {
                assertTrue(seen.get(unbound[i]) && seen.get(connected[i]));
            }
            assertEquals(0, hub.counter(HubCounter.OVERFLOWS));
        }
    }

    @Test
    void unbindAndRebindRacingNotifyFinishesAndThePortIsNeverInTheRingAfterUnbind() throws Exception
    {
        raceUnbindAgainstNotify(SeparateDomains.open(hub.directory()), SeparateDomains.open(hub.directory()), 2000);
        raceUnbindAgainstNotify(hub.openLocal(), hub.openLocal(), 3000);
    }

    private void raceUnbindAgainstNotify(final Evtchn a, final Evtchn b, final int iterations) throws Exception
    {
        try (a; b)
        {
            final int pa = a.bindUnboundPort(b.domid());
            final AtomicBoolean stop = new AtomicBoolean();
            final AtomicReference<Throwable> failure = new AtomicReference<>();
            final AtomicLong notifies = new AtomicLong();
            final Thread notifier = new Thread(() ->
            {
                try
                {
                    while (!stop.get())
                    {
                        a.notify(pa);
                        notifies.incrementAndGet();
                    }
                }
                catch (final Throwable ex)
                {
                    failure.set(ex);
                }
            });
            notifier.start();
            Conditions.await("the notifier runs", () -> notifies.get() > 0 || failure.get() != null); // a race needs both sides
            final int[] ports = new int[16];
            try
            {
                for (int i = 0; i < iterations; i++)
                {
                    final int pb = b.bindInterdomain(a.domid(), pa);
                    if (i % 2 == 0)
                    {
                        final int n = b.read(ports, 0, ports.length);
                        for (int k = 0; k < n; k++)
                        {
                            assertEquals(pb, ports[k]);
                        }
                        b.unmask(pb);
                    }
                    b.unbind(pb);
                    assertEquals(0, b.read(ports, 0, ports.length), "iteration " + i + ": port in the ring after unbind");
                    assertEquals(-1, b.pending());
                }
            }
            finally
            {
                stop.set(true);
                notifier.join(30_000);
            }
            assertNull(failure.get());
            assertTrue(notifies.get() > 0);
        }
    }
}

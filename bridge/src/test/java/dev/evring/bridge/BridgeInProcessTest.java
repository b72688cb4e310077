package dev.evring.bridge;

import dev.evring.evtchn.Evtchn;
import dev.evring.evtchn.EvtchnException;
import dev.evring.evtchn.HubCounters;
import dev.evring.evtchn.PortKind;
import dev.evring.ring.Errno;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static dev.evring.bridge.Bridges.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Two hubs with their bridges in this JVM, bridged over UDP loopback, driven through in-process handles
 * (domain 0 on each side): the channel semantics across hosts, coalescing and counters. The same across
 * real processes is {@link BridgeProcessTest}.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class BridgeInProcessTest
{
    @TempDir
    Path tmp;

    private Bridges.Host a;
    private Bridges.Host b;

    @BeforeEach
    void start() throws Exception
    {
        final Path key = BridgeKey.generate(tmp.resolve("bridge.key"));
        final int portA = Bridges.freePort();
        final int portB = Bridges.freePort();
        a = Bridges.host(tmp.resolve("a"), Bridges.config("a", portA, "b", portB, key));
        b = Bridges.host(tmp.resolve("b"), Bridges.config("b", portB, "a", portA, key));
        assertTrue(a.bridge().awaitUp("b", Bridges.TIMEOUT.multipliedBy(10)), "a sees b up");
        assertTrue(b.bridge().awaitUp("a", Bridges.TIMEOUT.multipliedBy(10)), "b sees a up");
    }

    @AfterEach
    void stop()
    {
        if (b != null)
        {
            b.close();
        }
        if (a != null)
        {
            a.close();
        }
    }

    /**
     * A channel from a's domain 0 to b's: a allocates, b binds; b's new port came pending and is left masked.
     *
     * @return a's port and b's.
     */
    private int[] connect(final Evtchn xa, final Evtchn xb) throws Exception
    {
        final int pa = xa.bindUnboundPort(a.bridge().domidOf("b", 0));
        final int pb = xb.bindInterdomain(b.bridge().domidOf("a", 0), pa);
        assertEquals(pb, xb.awaitPending(5, TimeUnit.SECONDS), "E3: left pending");
        return new int[] {pa, pb};
    }

    @Test
    void b1_remoteDomainsHaveLocalDomidsAndTheApiSaysWhichIsWhich() throws Exception
    {
        final EvtchnBridge bridge = a.bridge();
        final int span = bridge.config().domidSpan();
        assertEquals(span + 3, bridge.domidOf("b", 3));
        assertEquals(new RemoteDomain(span + 3, "b", 3), bridge.remoteDomainOf(span + 3));
        assertNull(bridge.remoteDomainOf(3), "a local domid is no remote domain");
        assertThrows(IllegalArgumentException.class, () -> bridge.domidOf("c", 0));
        assertThrows(IllegalArgumentException.class, () -> bridge.domidOf("b", span));
        assertTrue(bridge.toString().contains("peer b at 127.0.0.1:"), bridge.toString());
        assertTrue(bridge.toString().contains("domids " + span + ".." + (2 * span - 1) + " = b's 0.." + (span - 1) + " (up)"),
            bridge.toString());
    }

    @Test
    void b2_bindAcrossHostsIsValidatedByTheOwningHubLeftPendingAndNotifiesBothWays() throws Exception
    {
        try (Evtchn xa = a.hub().openLocal(); Evtchn xb = b.hub().openLocal())
        {
            final int unbound = xa.bindUnboundPort(a.bridge().domidOf("b", 0));
            final int aDom0 = b.bridge().domidOf("a", 0);
            assertEquals(Errno.EINVAL, assertThrows(EvtchnException.class, () -> xb.bindInterdomain(aDom0, unbound + 1)).errno(),
                "E3: a port that is not unbound for us");
            final int local = xb.bindInterdomain(aDom0, unbound);
            assertEquals(local, xb.awaitPending(5, TimeUnit.SECONDS), "E3: the new port is left pending");
            xb.unmask(local);
            assertEquals(PortKind.INTERDOMAIN, a.hub().portStatus(unbound).kind());
            assertEquals(local, a.hub().portStatus(unbound).remotePort());
            assertEquals(Errno.EINVAL, assertThrows(EvtchnException.class, () -> xb.bindInterdomain(aDom0, unbound)).errno(),
                "E3: a connected port cannot be bound again");

            xb.notify(local);
            assertEquals(unbound, xa.awaitPending(5, TimeUnit.SECONDS));
            xa.unmask(unbound);
            xa.notify(unbound);
            assertEquals(local, xb.awaitPending(5, TimeUnit.SECONDS));
            xb.unmask(local);

            xb.unbind(local);
            await("E17: a's end back to unbound", 5000, () -> Bridges.unbound(a.hub(), unbound));
            assertEquals(b.bridge().domidOf("a", 0) - b.bridge().config().domidSpan() + a.bridge().domidOf("b", 0),
                a.hub().portStatus(unbound).remoteDomain(), "waiting for b's domain 0 again");
            xa.notify(unbound); // E18: dropped
            final int again = xb.bindInterdomain(aDom0, unbound);
            assertEquals(again, xb.awaitPending(5, TimeUnit.SECONDS), "E17: the unbound end can be bound again");
            assertEquals(-1, xb.pending(), "the dropped notify reached nobody");
        }
    }

    @Test
    void b4_aNotifyStormWhileTheReceiverIsMaskedIsCoalesced() throws Exception
    {
        try (Evtchn xa = a.hub().openLocal(); Evtchn xb = b.hub().openLocal())
        {
            final int[] ports = connect(xa, xb); // b's end left masked: the storm coalesces
            final int unbound = ports[0];
            final int local = ports[1];
            final int storm = 200_000;
            for (int i = 0; i < storm; i++)
            {
                xa.notify(unbound);
            }
            await("every notify sent or coalesced", 10_000, () ->
                a.bridge().counter(BridgeCounter.NOTIFIES_SENT) + a.bridge().counter(BridgeCounter.NOTIFIES_COALESCED) == storm);
            final long sent = a.bridge().counter(BridgeCounter.NOTIFIES_SENT);
            assertTrue(sent < storm / 2, "B4: the storm was coalesced by the sender: " + sent + " messages for " + storm);
            await("every message received", 10_000, () -> b.bridge().counter(BridgeCounter.NOTIFIES_RECEIVED) == sent);
            xb.unmask(local);
            assertEquals(local, xb.awaitPending(5, TimeUnit.SECONDS), "B3: the storm is delivered after unmask");
            assertEquals(-1, xb.pending(), "E9: exactly once");
        }
    }

    @Test
    void b3_roundTripsAcrossHostsLoseNoWakeUp() throws Exception
    {
        try (Evtchn xa = a.hub().openLocal(); Evtchn xb = b.hub().openLocal())
        {
            final int[] ports = connect(xa, xb);
            final int pa = ports[0];
            final int pb = ports[1];
            xb.unmask(pb);
            final int rounds = 20_000;
            final Thread ponger = new Thread(() ->
            {
                try
                {
                    for (int i = 0; i < rounds; i++)
                    {
                        if (xb.awaitPending(10, TimeUnit.SECONDS) != pb)
                        {
                            return;
                        }
                        xb.unmask(pb);
                        xb.notify(pb);
                    }
                }
                catch (final EvtchnException | InterruptedException ex)
                {
                    throw new IllegalStateException(ex);
                }
            });
            ponger.start();
            for (int i = 0; i < rounds; i++)
            {
                xa.notify(pa);
                assertEquals(pa, xa.awaitPending(10, TimeUnit.SECONDS), "round " + i);
                xa.unmask(pa);
            }
            ponger.join(10_000);
            assertFalse(ponger.isAlive());
            assertEquals(0, a.bridge().counter(BridgeCounter.FORGED) + b.bridge().counter(BridgeCounter.FORGED),
                "B6: every message authentic");
        }
    }

    @Test
    void b7_theBridgeCountersAreInTheHubsCountersFile() throws Exception
    {
        try (Evtchn xa = a.hub().openLocal(); Evtchn xb = b.hub().openLocal())
        {
            final int[] ports = connect(xa, xb);
            xb.notify(ports[1]);
            assertEquals(ports[0], xa.awaitPending(5, TimeUnit.SECONDS));
        }
        try (HubCounters counters = HubCounters.map(b.hub().directory()))
        {
            final Map<String, Long> values = counters.snapshot();
            assertEquals(1L, values.get(BridgeCounter.PEERS_UP.label()), values.toString());
            assertEquals(1L, values.get(BridgeCounter.BINDS.label()), values.toString());
            assertEquals(1L, values.get(BridgeCounter.NOTIFIES_SENT.label()), values.toString());
        }
        assertTrue(Files.isDirectory(EvtchnBridge.aeronDirectory(a.hub().directory())));
        a.bridge().close();
        assertFalse(Files.exists(EvtchnBridge.aeronDirectory(a.hub().directory())),
            "the embedded driver's directory goes with the bridge");
    }
}

package dev.evring.bridge;

import dev.evring.evtchn.Evtchn;
import dev.evring.evtchn.EvtchnException;
import dev.evring.evtchn.HubCounter;
import dev.evring.evtchn.HubCounters;
import dev.evring.evtchn.PortKind;
import dev.evring.ring.Errno;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.status.CountersManager;
import org.agrona.concurrent.status.CountersReader;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
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
    void b1_theBridgePublishesItsDomidMapInTheHubsCountersForOtherProcesses() throws Exception
    {
        final int span = a.bridge().config().domidSpan();
        try (HubCounters counters = HubCounters.map(a.hub().directory())) // a mapping of its own, as stat's
        {
            final BridgeMap map = BridgeMap.read(counters.reader());
            assertEquals("a", map.hostName());
            assertEquals(span, map.domidSpan());
            assertEquals(1, map.peers().size(), map.peers().toString());
            final BridgeMap.PeerRange peer = map.peers().get(0);
            assertEquals("b", peer.name());
            assertEquals(a.bridge().domidOf("b", 0), peer.firstDomid());
            assertEquals(span, peer.span());
            assertTrue(peer.up(), "b is up");
            for (final int domid : new int[] {0, span - 1, span, span + 7, 2 * span - 1, 2 * span})
            {
                assertEquals(a.bridge().remoteDomainOf(domid), map.remoteDomainOf(domid), "domid " + domid);
            }
            assertEquals(List.of("bridge a listening on " + a.bridge().config().listenEndpoint() + ", peer timeout 2000 ms",
                "local domids 0.." + (span - 1) + " = a's own domains",
                "peer b at " + b.bridge().config().listenEndpoint() + ": domids " + span + ".." + (2 * span - 1) + " = b:0.."
                    + (span - 1) + " (up)"), map.lines());
            assertFalse(counters.snapshot().keySet().stream().anyMatch(label -> label.startsWith("peer b at")),
                "the map is not mixed with the counts");

            b.close();
            b = null;
            await("a's map shows b down", 20_000, () -> !BridgeMap.read(counters.reader()).peers().get(0).up());

            a.bridge().close();
            assertTrue(BridgeMap.read(counters.reader()).isEmpty(), "a closed bridge frees its map");
            assertTrue(BridgeMap.read(counters.reader()).lines().isEmpty());
            assertEquals(0L, counters.snapshot().get(HubCounter.ERRORS.label()), "the hub serves on");
        }
    }

    @Test
    void b1_aMapEntryWhoseKeyDoesNotDecodeIsLeftOut()
    {
        final UnsafeBuffer metadata = new UnsafeBuffer(new byte[8 * CountersReader.METADATA_LENGTH]);
        final UnsafeBuffer values = new UnsafeBuffer(new byte[8 * CountersReader.COUNTER_LENGTH]);
        final CountersManager counters = new CountersManager(metadata, values);
        counters.newCounter("peer long", BridgeMapDescriptor.PEER_TYPE_ID,
            key -> key.putInt(BridgeMapDescriptor.NAME_LENGTH_OFFSET, 1000, BridgeMapDescriptor.ORDER));
        counters.newCounter("peer zero span", BridgeMapDescriptor.PEER_TYPE_ID,
            key -> key.putBytes(0, BridgeMapDescriptor.peerKey("z", 2048, 0), 0, BridgeMapDescriptor.KEY_LENGTH));
        counters.newCounter("peer negative", BridgeMapDescriptor.PEER_TYPE_ID,
            key -> key.putBytes(0, BridgeMapDescriptor.peerKey("n", -5, 16), 0, BridgeMapDescriptor.KEY_LENGTH));
        counters.newCounter("peer bad name", BridgeMapDescriptor.PEER_TYPE_ID,
            key -> key.putBytes(0, BridgeMapDescriptor.peerKey("a b", 2048, 16), 0, BridgeMapDescriptor.KEY_LENGTH));
        counters.newCounter("peer good", BridgeMapDescriptor.PEER_TYPE_ID,
            key -> key.putBytes(0, BridgeMapDescriptor.peerKey("good", 32, 16), 0, BridgeMapDescriptor.KEY_LENGTH));

        final BridgeMap map = BridgeMap.read(counters);

        assertTrue(map.isEmpty(), "no host entry");
        assertEquals(List.of(new BridgeMap.PeerRange("good", 32, 16, false, "peer good")), map.peers());
        assertEquals(new RemoteDomain(40, "good", 8), map.remoteDomainOf(40));
        assertNull(map.remoteDomainOf(48));
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

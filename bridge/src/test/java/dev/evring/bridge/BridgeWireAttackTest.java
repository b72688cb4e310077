package dev.evring.bridge;

import dev.evring.evtchn.Evtchn;
import org.agrona.MutableDirectBuffer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static dev.evring.bridge.BridgeMessageDescriptor.MAGIC_OFFSET;
import static dev.evring.bridge.BridgeMessageDescriptor.NOTIFY;
import static dev.evring.bridge.BridgeMessageDescriptor.TYPE_OFFSET;
import static dev.evring.bridge.Bridges.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * B6 against an attacker on the wire: each bridge's stream to the other runs through a {@link UdpRelay} that
 * changes, replays, removes or reflects a bridge message inside a real Aeron data frame in flight, after the
 * peers proved themselves. Every such message is refused before anything of it reaches the hub, counted as
 * unauthenticated, and loses the peer (an injected message may have taken a real one's place); the peers prove
 * themselves again and a new channel works. The relays also cut a peer off, as a host killed outright would
 * be, for a restart of it: the new image is taken once the old one has been silent for the peer timeout (B5).
 * Hubs and bridges run in this JVM; the traffic is real UDP.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class BridgeWireAttackTest
{
    private static final long WAIT_MS = 10_000;

    @TempDir
    Path tmp;

    private Path key;
    private int portB;
    private UdpRelay toB;
    private UdpRelay toA;
    private Bridges.Host a;
    private Bridges.Host b;
    private Evtchn xa;
    private Evtchn xb;
    /** a's port and b's, connected. */
    private int pa;
    private int pb;

    @BeforeEach
    void start() throws Exception
    {
        key = BridgeKey.generate(tmp.resolve("bridge.key"));
        final int portA = Bridges.freePort();
        portB = Bridges.freePort();
        toB = new UdpRelay(portB);
        toA = new UdpRelay(portA);
        a = Bridges.host(tmp.resolve("a"), Bridges.config("a", portA, "b", toB.port(), key));
        b = Bridges.host(tmp.resolve("b"), Bridges.config("b", portB, "a", toA.port(), key));
        xa = a.hub().openLocal();
        xb = b.hub().openLocal();
        awaitBothUp();
        pa = xa.bindUnboundPort(a.bridge().domidOf("b", 0));
        pb = bindAndRoundTrip(pa);
    }

    @AfterEach
    void stop() throws Exception
    {
        for (final AutoCloseable resource : new AutoCloseable[] {xb, xa, b, a, toA, toB})
        {
            if (resource != null)
            {
                resource.close();
            }
        }
    }

    @Test
    void b6_aNotifyWithOneFlippedBitIsRefusedAndReachesNoHub() throws Exception
    {
        // bit 0 of the type turns NOTIFY (6) into CLOSE (7): unauthenticated, it would unbind b's end
        attack(() -> toB.tamperNext(NOTIFY, message -> flip(message, TYPE_OFFSET, 0)));
    }

    @Test
    void b6_aNotifyMadeMalformedOnThePeersStreamIsRefusedAsAForgery() throws Exception
    {
        attack(() -> toB.tamperNext(NOTIFY, message -> flip(message, MAGIC_OFFSET, 3)));
    }

    @Test
    void b6_aReplayedNotifyIsRefused() throws Exception
    {
        final byte[] earlier = toB.last(NOTIFY); // the round trip of the set-up
        assertNotNull(earlier);
        attack(() -> toB.tamperNext(NOTIFY, message -> message.putBytes(0, earlier)));
    }

    @Test
    void b6_aNotifyTakenOutOfTheStreamIsSeenAsAGap() throws Exception
    {
        attack(() -> toB.padNext(NOTIFY)); // the next message (a tail-loss probe) shows the gap
    }

    @Test
    void b6_aNotifyReflectedFromTheOtherDirectionIsRefused() throws Exception
    {
        final byte[] fromB = toA.last(NOTIFY); // b's notify of the set-up, sealed with the key of b -> a
        assertNotNull(fromB);
        attack(() -> toB.tamperNext(NOTIFY, message -> message.putBytes(0, fromB)));
    }

    @Test
    void b6_aNotifyUnderTheKeyOfAnEarlierHandshakeIsRefused() throws Exception
    {
        final byte[] earlier = toB.last(NOTIFY);
        assertNotNull(earlier);
        final long lost = b.bridge().counter(BridgeCounter.PEERS_LOST);
        toB.partition(true); // a cut-off: b loses a, and both prove themselves again with new keys
        await("b loses a", WAIT_MS, () -> b.bridge().counter(BridgeCounter.PEERS_LOST) == lost + 1);
        toB.partition(false);
        awaitBothUp();
        pb = bindAndRoundTrip(pa);
        assertEquals(0, b.bridge().counter(BridgeCounter.FORGED), "a cut-off is no forgery");
        attack(() -> toB.tamperNext(NOTIFY, message -> message.putBytes(0, earlier)));
    }

    @Test
    void b5_aPeerRestartedWhileItsOldStreamIsCutIsTakenBackOnceThatStreamWasSilentForThePeerTimeout() throws Exception
    {
        toA.partition(true); // from now a hears nothing of this b, as of a host killed with SIGKILL
        final long cut = System.nanoTime();
        xb.close();
        b.close();
        toA.partition(false);
        final long refused = a.bridge().counter(BridgeCounter.REFUSED_PEERS);
        b = Bridges.host(tmp.resolve("b2"), Bridges.config("b", portB, "a", toA.port(), key)); // another image
        xb = b.hub().openLocal();
        await("a loses the old b and takes the new one", WAIT_MS, () -> a.bridge().counter(BridgeCounter.PEERS_LOST) == 1
            && a.bridge().isUp("b") && b.bridge().isUp("a"));
        final long tookMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - cut);
        System.out.println("bridge: restarted peer up " + tookMs + " ms after its old stream was cut; hellos refused "
            + "meanwhile: " + (a.bridge().counter(BridgeCounter.REFUSED_PEERS) - refused));
        assertTrue(tookMs >= Bridges.TIMEOUT.toMillis() * 3 / 4,
            "the new image did not take the place of the proven one before its silence: " + tookMs + " ms");
        assertEquals(1, a.bridge().counter(BridgeCounter.CHANNELS_LOST), "B5: the old b's channel unbound at a");
        assertTrue(Bridges.unbound(a.hub(), pa));
        pb = bindAndRoundTrip(pa);
        assertEquals(0, a.bridge().counter(BridgeCounter.FORGED) + b.bridge().counter(BridgeCounter.FORGED),
            "a restart is no forgery");
    }

    /**
     * Arm an attack on a's next NOTIFY to b, notify, and check: b refuses it and counts it, nothing of it
     * reaches b's hub (no event, no unbind: the channel goes back to unbound only because the peer is lost),
     * both sides lose each other and come back, and a new channel works both ways.
     */
    private void attack(final Runnable arm) throws Exception
    {
        final Map<BridgeCounter, Long> before = counters(b.bridge());
        final int tampered = toB.tampered();
        arm.run();
        xa.notify(pa);
        await("b refuses the forgery and unbinds the channels of the peer it lost", WAIT_MS,
            () -> b.bridge().counter(BridgeCounter.FORGED) > before.get(BridgeCounter.FORGED)
                && b.bridge().counter(BridgeCounter.CHANNELS_LOST) > before.get(BridgeCounter.CHANNELS_LOST));
        assertEquals(tampered + 1, toB.tampered(), "the relay changed one frame");
        final Map<BridgeCounter, Long> after = counters(b.bridge());
        assertEquals(before.get(BridgeCounter.FORGED) + 1, after.get(BridgeCounter.FORGED), "one forgery");
        assertEquals(before.get(BridgeCounter.NOTIFIES_RECEIVED), after.get(BridgeCounter.NOTIFIES_RECEIVED), "no notify reached b's hub");
        assertEquals(before.get(BridgeCounter.PEERS_LOST) + 1, after.get(BridgeCounter.PEERS_LOST), "b lost a");
        assertEquals(before.get(BridgeCounter.CHANNELS_LOST) + 1, after.get(BridgeCounter.CHANNELS_LOST),
            "b's end was still connected when a was lost: the forgery did not unbind it");
        assertEquals(before.get(BridgeCounter.BINDS), after.get(BridgeCounter.BINDS), "no bind");
        assertEquals(-1, xb.pending(), "no event reached b's handle");
        assertTrue(Bridges.unbound(b.hub(), pb), "B5: b's end is back to unbound");
        assertEquals(b.bridge().domidOf("a", 0), b.hub().portStatus(pb).remoteDomain(), "waiting for a's domain 0 again");

        awaitBothUp();
        await("a's end back to unbound", WAIT_MS, () -> Bridges.unbound(a.hub(), pa));
        final int again = xa.bindInterdomain(a.bridge().domidOf("b", 0), pb);
        assertEquals(again, xa.awaitPending(5, TimeUnit.SECONDS), "b's unbound end can be bound from a");
        xa.unmask(again);
        Bridges.roundTrip(xa, again, xb, pb);
        assertEquals(before.get(BridgeCounter.FORGED) + 1, b.bridge().counter(BridgeCounter.FORGED), "counted once");
        assertEquals(0, a.bridge().counter(BridgeCounter.FORGED), "a saw no forgery");
    }

    /**
     * b binds a's unbound port, then one notify each way.
     *
     * @return b's new port.
     */
    private int bindAndRoundTrip(final int unbound) throws Exception
    {
        final int local = xb.bindInterdomain(b.bridge().domidOf("a", 0), unbound);
        assertEquals(local, xb.awaitPending(5, TimeUnit.SECONDS), "E3: left pending");
        xb.unmask(local);
        Bridges.roundTrip(xa, unbound, xb, local);
        return local;
    }

    private void awaitBothUp() throws Exception
    {
        assertTrue(b.bridge().awaitUp("a", Bridges.TIMEOUT.multipliedBy(5)), "b sees a up");
        assertTrue(a.bridge().awaitUp("b", Bridges.TIMEOUT.multipliedBy(5)), "a sees b up");
    }

    private static Map<BridgeCounter, Long> counters(final EvtchnBridge bridge)
    {
        final Map<BridgeCounter, Long> values = new EnumMap<>(BridgeCounter.class);
        for (final BridgeCounter counter : BridgeCounter.values())
        {
            values.put(counter, bridge.counter(counter));
        }
        return values;
    }

    private static void flip(final MutableDirectBuffer message, final int index, final int bit)
    {
        message.putByte(index, (byte)(message.getByte(index) ^ (1 << bit)));
    }
}

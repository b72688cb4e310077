package dev.evring.bridge;

import dev.evring.evtchn.Evtchn;
import dev.evring.evtchn.PortKind;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static dev.evring.bridge.BridgeMessageDescriptor.HELLO;
import static dev.evring.bridge.BridgeMessageDescriptor.PROOF;
import static dev.evring.bridge.Bridges.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * B6 against a stranger off the path ({@link Impostor}): it sends to a bridge's listen port from an Aeron
 * publication of its own, so from another image than the proven peer's, and knows no secret. Hellos and proofs
 * in the peer's name from it are refused and counted while the peer is up, and move nothing of a handshake under
 * way: a proven link stays up, its channels connected and working, and two bridges starting under such a flood
 * still come up. Hubs and bridges run in this JVM; the traffic is real UDP.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class BridgeImpostorTest
{
    /** How long the link is flooded: more than twice the peer timeout. */
    private static final long FLOOD_MS = 5_000;
    private static final long WAIT_MS = 10_000;

    @TempDir
    Path tmp;

    private final List<AutoCloseable> resources = new ArrayList<>();
    private Path key;
    private int portA;
    private int portB;

    @AfterEach
    void stop() throws Exception
    {
        for (int i = resources.size() - 1; i >= 0; i--)
        {
            resources.get(i).close();
        }
    }

    private <T extends AutoCloseable> T closing(final T resource)
    {
        resources.add(resource);
        return resource;
    }

    private void ports() throws Exception
    {
        key = BridgeKey.generate(tmp.resolve("bridge.key"));
        portA = Bridges.freePort();
        portB = Bridges.freePort();
    }

    private Bridges.Host host(final String name, final int port, final String peer, final int peerPort) throws Exception
    {
        return closing(Bridges.host(tmp.resolve(name), Bridges.config(name, port, peer, peerPort, key)));
    }

    @Test
    void b6_aFloodOfHellosInThePeersNameFromAnotherImageLeavesAProvenLinkUp() throws Exception
    {
        ports();
        final Bridges.Host a = host("a", portA, "b", portB);
        final Bridges.Host b = host("b", portB, "a", portA);
        awaitBothUp(a, b);
        final Evtchn xa = closing(a.hub().openLocal());
        final Evtchn xb = closing(b.hub().openLocal());
        final int[] ports = connect(a, xa, b, xb);
        final Impostor impostor = closing(new Impostor(tmp.resolve("impostor"), portA));
        final long refused = a.bridge().counter(BridgeCounter.REFUSED_PEERS);

        impostor.floodHellos("b", "a");
        await("the flood reaches a", WAIT_MS, () -> impostor.hellos() > 0);
        final int rounds = roundTripsFor(FLOOD_MS, xa, ports[0], xb, ports[1]);
        final long hellos = impostor.stopFlood();
        System.out.println("bridge: " + rounds + " round trips while an impostor sent " + hellos + " hellos");

        assertLinkUndisturbed(a, b, ports);
        final long refusedNow = a.bridge().counter(BridgeCounter.REFUSED_PEERS) - refused;
        assertTrue(refusedNow > 0 && refusedNow <= hellos, "each hello refused and counted once: " + refusedNow
            + " of " + hellos);
        Bridges.roundTrip(xa, ports[0], xb, ports[1]);
    }

    @Test
    void b6_aFloodOfHellosInThePeersNameWhileTheBridgesStartDoesNotKeepThemApart() throws Exception
    {
        ports();
        final Impostor impostor = closing(new Impostor(tmp.resolve("impostor"), portA));
        impostor.floodHellos("b", "a"); // from before a listens
        final Bridges.Host a = host("a", portA, "b", portB);
        await("the flood reaches a", WAIT_MS, () -> impostor.hellos() > 0);
        final Bridges.Host b = host("b", portB, "a", portA);
        awaitBothUp(a, b);
        final Evtchn xa = closing(a.hub().openLocal());
        final Evtchn xb = closing(b.hub().openLocal());
        final int[] ports = connect(a, xa, b, xb);
        assertTrue(roundTripsFor(FLOOD_MS / 2, xa, ports[0], xb, ports[1]) > 0, "round trips under the flood");
        impostor.stopFlood();

        assertLinkUndisturbed(a, b, ports);
    }

    @Test
    void b6_aHandshakeCapturedOnTheWireAndReplayedFromAnotherImageIsRefused() throws Exception
    {
        ports();
        final UdpRelay toA = closing(new UdpRelay(portA));
        final Bridges.Host a = host("a", portA, "b", portB);
        final Bridges.Host b = host("b", portB, "a", toA.port());
        awaitBothUp(a, b);
        final Evtchn xa = closing(a.hub().openLocal());
        final Evtchn xb = closing(b.hub().openLocal());
        final int[] ports = connect(a, xa, b, xb);
        final byte[] hello = toA.last(HELLO);
        final byte[] proof = toA.last(PROOF);
        assertNotNull(hello, "b's hello to a, captured");
        assertNotNull(proof, "b's proof to a, captured");
        final Impostor impostor = closing(new Impostor(tmp.resolve("impostor"), portA));
        await("the impostor's stream is connected", WAIT_MS, impostor::isConnected);
        final long refused = a.bridge().counter(BridgeCounter.REFUSED_PEERS);

        replay(impostor, a, hello, proof);
        Bridges.roundTrip(xa, ports[0], xb, ports[1]);
        assertLinkUndisturbed(a, b, ports);
        assertEquals(refused + 2, a.bridge().counter(BridgeCounter.REFUSED_PEERS), "the hello and the proof refused");

        xb.close();
        b.close();
        await("a loses b", WAIT_MS, () -> !a.bridge().isUp("b"));
        replay(impostor, a, hello, proof);
        assertFalse(a.bridge().isUp("b"), "the proof answers a challenge spent: it brings up no other image");
        assertEquals(0, a.bridge().counter(BridgeCounter.PEERS_UP));
    }

    /**
     * The impostor sends a captured hello and proof, then a malformed message, and a reads them all.
     */
    private static void replay(final Impostor impostor, final Bridges.Host a, final byte[] hello, final byte[] proof)
        throws Exception
    {
        final long malformed = a.bridge().counter(BridgeCounter.MALFORMED);
        impostor.send(new UnsafeBuffer(hello), hello.length);
        impostor.send(new UnsafeBuffer(proof), proof.length);
        final UnsafeBuffer marker = new UnsafeBuffer(new byte[8]); // read after them: one image is in order
        impostor.send(marker, marker.capacity());
        await("a read the replay", WAIT_MS, () -> a.bridge().counter(BridgeCounter.MALFORMED) > malformed);
    }

    private static void awaitBothUp(final Bridges.Host a, final Bridges.Host b) throws Exception
    {
        assertTrue(a.bridge().awaitUp("b", Bridges.TIMEOUT.multipliedBy(5)), "a sees b up");
        assertTrue(b.bridge().awaitUp("a", Bridges.TIMEOUT.multipliedBy(5)), "b sees a up");
    }

    /**
     * A channel from a's domain 0 to b's, both ends unmasked, and a round trip on it.
     *
     * @return a's port and b's.
     */
    private static int[] connect(final Bridges.Host a, final Evtchn xa, final Bridges.Host b, final Evtchn xb)
        throws Exception
    {
        final int pa = xa.bindUnboundPort(a.bridge().domidOf("b", 0));
        final int pb = xb.bindInterdomain(b.bridge().domidOf("a", 0), pa);
        assertEquals(pb, xb.awaitPending(5, TimeUnit.SECONDS), "E3: left pending");
        xb.unmask(pb);
        Bridges.roundTrip(xa, pa, xb, pb);
        return new int[] {pa, pb};
    }

    /**
     * Round trips on a channel for a while, each bounded.
     *
     * @return how many.
     */
    private static int roundTripsFor(final long ms, final Evtchn xa, final int pa, final Evtchn xb, final int pb)
        throws Exception
    {
        final long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(ms);
        int rounds = 0;
        while (System.nanoTime() - end < 0)
        {
            Bridges.roundTrip(xa, pa, xb, pb);
            rounds++;
        }
        return rounds;
    }

    /**
     * Neither side lost the other or saw a forgery, and the channel is still connected at both ends.
     */
    private static void assertLinkUndisturbed(final Bridges.Host a, final Bridges.Host b, final int[] ports)
    {
        for (final Bridges.Host host : new Bridges.Host[] {a, b})
        {
            assertEquals(0, host.bridge().counter(BridgeCounter.PEERS_LOST), "peers lost");
            assertEquals(0, host.bridge().counter(BridgeCounter.FORGED), "forgeries");
            assertEquals(1, host.bridge().counter(BridgeCounter.PEERS_UP), "peers up");
        }
        assertEquals(PortKind.INTERDOMAIN, a.hub().portStatus(ports[0]).kind(), "a's end connected");
        assertEquals(PortKind.INTERDOMAIN, b.hub().portStatus(ports[1]).kind(), "b's end connected");
    }
}

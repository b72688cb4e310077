package dev.evring.bridge;

import dev.evring.evtchn.Evtchn;
import dev.evring.evtchn.EvtchnException;
import dev.evring.ring.Errno;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

import static dev.evring.bridge.Bridges.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * B6: peers that cannot prove the secret, unknown hosts and fuzzed messages are refused and counted; the hub
 * and its other channels keep working. Hubs and bridges run in this JVM; the fuzzer is an {@link Impostor}, a
 * separate Aeron publisher with a media driver of its own.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class BridgeSecurityTest
{
    private static final int FUZZED = 100_000;

    @TempDir
    Path tmp;

    @Test
    void b6_aPeerWithAnotherSecretAndAnUnknownHostAreRefusedCountedAndLearnNothing() throws Exception
    {
        final Path key = BridgeKey.generate(tmp.resolve("a.key"));
        final Path otherKey = BridgeKey.generate(tmp.resolve("b.key"));
        final int portA = Bridges.freePort();
        final int portB = Bridges.freePort();
        final int portC = Bridges.freePort();
        try (Bridges.Host a = Bridges.host(tmp.resolve("a"), Bridges.config("a", portA, "b", portB, key));
            Bridges.Host b = Bridges.host(tmp.resolve("b"), Bridges.config("b", portB, "a", portA, otherKey));
            Bridges.Host c = Bridges.host(tmp.resolve("c"), Bridges.config("c", portC, "a", portA, key));
            Evtchn xa = a.hub().openLocal())
        {
            await("a refuses b's proof and c's hello, b refuses a's proof", 10_000, () ->
                a.bridge().counter(BridgeCounter.REFUSED_PEERS) >= 2 && b.bridge().counter(BridgeCounter.REFUSED_PEERS) >= 1);
            assertFalse(a.bridge().isUp("b"));
            assertFalse(b.bridge().isUp("a"));
            assertFalse(c.bridge().isUp("a"), "c is unknown to a");
            assertEquals(0, a.bridge().counter(BridgeCounter.PEERS_UP));
            final int port = xa.bindUnboundPort(a.bridge().domidOf("b", 0)); // local: allowed
            assertEquals(Errno.ENOTCONN, assertThrows(EvtchnException.class,
                () -> xa.bindInterdomain(a.bridge().domidOf("b", 1), 1)).errno(), "no bind through an unproven peer");
            xa.notify(port);
            assertEquals(0, b.bridge().counter(BridgeCounter.NOTIFIES_RECEIVED) + b.bridge().counter(BridgeCounter.BINDS)
                + c.bridge().counter(BridgeCounter.NOTIFIES_RECEIVED), "nothing but proofs reached them");
        }
    }

    @Test
    void b6_fuzzedMessagesAreRefusedAndCountedAndTheHubKeepsServing() throws Exception
    {
        final Path key = BridgeKey.generate(tmp.resolve("bridge.key"));
        final int portA = Bridges.freePort();
        final int portB = Bridges.freePort();
        try (Bridges.Host a = Bridges.host(tmp.resolve("a"), Bridges.config("a", portA, "b", portB, key));
            Bridges.Host b = Bridges.host(tmp.resolve("b"), Bridges.config("b", portB, "a", portA, key));
            Evtchn xa = a.hub().openLocal();
            Evtchn xb = b.hub().openLocal();
            Impostor fuzzer = new Impostor(tmp.resolve("fuzzer"), portB))
        {
            assertTrue(a.bridge().awaitUp("b", Bridges.TIMEOUT.multipliedBy(10)));
            assertTrue(b.bridge().awaitUp("a", Bridges.TIMEOUT.multipliedBy(10)));
            final int pa = xa.bindUnboundPort(a.bridge().domidOf("b", 0));
            final int pb = xb.bindInterdomain(b.bridge().domidOf("a", 0), pa);
            assertEquals(pb, xb.awaitPending(5, TimeUnit.SECONDS));
            xb.unmask(pb);
            await("the fuzzer's stream is connected", 10_000, fuzzer::isConnected);

            final long refusedBefore = b.bridge().counter(BridgeCounter.MALFORMED) + b.bridge().counter(BridgeCounter.REFUSED_PEERS);
            final SplittableRandom random = new SplittableRandom(42);
            final UnsafeBuffer message = new UnsafeBuffer(new byte[512]);
            for (int i = 0; i < FUZZED; i++)
            {
                fuzzer.send(message, fuzz(random, message, pb));
            }
            await("every fuzzed message refused and counted", 60_000, () ->
                b.bridge().counter(BridgeCounter.MALFORMED) + b.bridge().counter(BridgeCounter.REFUSED_PEERS)
                    - refusedBefore == FUZZED);

            assertTrue(b.bridge().isUp("a"), "the proven peer stays up");
            assertEquals(0, b.bridge().counter(BridgeCounter.PEERS_LOST));
            assertEquals(-1, xb.pending(), "no fuzzed NOTIFY reached the channel");
            xa.notify(pa);
            assertEquals(pb, xb.awaitPending(5, TimeUnit.SECONDS), "the channel still works");
            xb.unmask(pb);
            xb.notify(pb);
            assertEquals(pa, xa.awaitPending(5, TimeUnit.SECONDS), "both ways");
        }
    }

    /**
     * One fuzzed message: random bytes, or a valid header with a random type and body, or a well-formed
     * message of a random type whose fields are random (and aim at the real channel's port now and then).
     */
    private static int fuzz(final SplittableRandom random, final UnsafeBuffer message, final int port)
    {
        final int kind = random.nextInt(3);
        final int type = 1 + random.nextInt(7);
        final int length = kind == 0 ? random.nextInt(300) : BridgeMessageDescriptor.lengthOf(type);
        for (int i = 0; i < length; i++)
        {
            message.putByte(i, (byte)random.nextInt(256));
        }
        if (kind > 0)
        {
            message.putShort(BridgeMessageDescriptor.MAGIC_OFFSET, BridgeMessageDescriptor.MAGIC, BridgeMessageDescriptor.ORDER);
            message.putByte(BridgeMessageDescriptor.VERSION_OFFSET, BridgeMessageDescriptor.VERSION);
            message.putByte(BridgeMessageDescriptor.TYPE_OFFSET, (byte)type);
            message.putInt(BridgeMessageDescriptor.RESERVED_OFFSET, 0, BridgeMessageDescriptor.ORDER);
        }
        if (kind == 2 && length >= BridgeMessageDescriptor.CHANNEL_LENGTH)
        {
            message.putInt(BridgeMessageDescriptor.CHANNEL_DOMID_OFFSET, random.nextInt(4), BridgeMessageDescriptor.ORDER);
            message.putInt(BridgeMessageDescriptor.CHANNEL_PORT_OFFSET, random.nextInt(8), BridgeMessageDescriptor.ORDER);
            message.putInt(BridgeMessageDescriptor.CHANNEL_REMOTE_PORT_OFFSET, random.nextBoolean() ? port : random.nextInt(),
                BridgeMessageDescriptor.ORDER);
        }
        return length;
    }
}

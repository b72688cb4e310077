package dev.evring.evtchn;

import dev.evring.ring.PortRing;
import dev.evring.ring.PortRingDescriptor;
import org.agrona.IoUtil;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Clients that stop reading their control socket: the hub never blocks on them (doorbells are
 * non-blocking writes, replies wait in a bounded buffer) and disconnects a client that leaves its replies
 * unread beyond the client write timeout.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD) // fails even if the hub's lock is stuck
class StuckClientTest
{
    private static final int DOORBELLS = 2000;
    private static final int MAX_ROUNDS = 100_000;
    private static final long ROUND_DEADLINE_MS = 10_000;

    @TempDir
    Path tmp;

    private static ByteBuffer reply(final RawClient raw) throws Exception
    {
        final ByteBuffer reply = raw.readReply(10_000);
        assertEquals(Protocol.TYPE_REPLY, reply.getInt(0));
        assertEquals(0, reply.getInt(4), "errno of the reply");
        return reply;
    }

    @Test
    void forgedSleeperThatNeverReadsItsSocketNeverBlocksTheHub() throws Exception
    {
        // a long write timeout: the hub must keep serving while the forger stays connected
        final HubConfig config = HubConfig.directory(tmp.resolve("hub")).clientWriteTimeout(Duration.ofMinutes(5));
        try (EvtchnHub hub = EvtchnHub.start(config);
            Evtchn dom0 = hub.openLocal();
            Evtchn other = SeparateDomains.open(hub.directory());
            RawClient raw = new RawClient(hub.directory()))
        {
            raw.request(Protocol.OP_BIND_UNBOUND_PORT, 1, EvtchnHub.HUB_DOMID);
            final int rawPort = reply(raw).getInt(16);
            final int dom0Port = dom0.bindInterdomain(raw.domid, rawPort);
            assertEquals(dom0Port, dom0.awaitPending(10, TimeUnit.SECONDS));
            final Path events = hub.directory().resolve(HubHandle.eventsFileName(raw.handleId));
            final Path requests = hub.directory().resolve(HubHandle.requestsFileName(raw.handleId));
            final MappedByteBuffer mapping = IoUtil.mapExistingFile(events.toFile(), "forged sleepers");
            try (PortRing ring = PortRing.open(events); PortRing requestRing = PortRing.open(requests))
            {
                // the forgery: a sleeper that never sleeps, so every delivery into the empty ring rings the doorbell
                new UnsafeBuffer(mapping).getAndAddInt(PortRingDescriptor.SLEEPERS_OFFSET, 1_000);
                final long wakeupsBefore = hub.counter(HubCounter.WAKEUPS);
                final int[] one = new int[1];
                // a doorbell is rung when the delivery finds the ring empty; this reader may empty it first
                for (int round = 0; hub.counter(HubCounter.WAKEUPS) - wakeupsBefore < DOORBELLS; round++)
                {
                    assertTrue(round < MAX_ROUNDS, "only " + (hub.counter(HubCounter.WAKEUPS) - wakeupsBefore)
                        + " doorbells in " + round + " rounds");
                    dom0.notify(dom0Port); // a doorbell per round, written to a socket nobody reads
                    final long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(ROUND_DEADLINE_MS);
                    while (ring.read(one, 0, 1) == 0)
                    {
                        if (System.nanoTime() - deadline > 0)
                        {
                            fail("round " + round + ": the hub stopped delivering (blocked on the forger's socket?)");
                        }
                        Thread.onSpinWait();
                    }
                    assertEquals(rawPort, one[0]);
                    assertTrue(requestRing.offer(Protocol.ringWord(Protocol.RING_UNMASK, rawPort)));
                }
                // far more doorbells than a socket buffer holds went to the forger; the hub still serves everyone
                final CompletableFuture<Integer> bind = CompletableFuture.supplyAsync(() ->
                {
                    try
                    {
                        return other.bindUnboundPort(EvtchnHub.HUB_DOMID);
                    }
                    catch (final EvtchnException ex)
                    {
                        throw new IllegalStateException(ex);
                    }
                });
                assertTrue(bind.get(10, TimeUnit.SECONDS) > 0);
                assertEquals(3, hub.handleCount(), "the forger is still attached: its doorbells are only owed");
            }
            finally
            {
                IoUtil.unmap(mapping);
            }
        }
    }

    @Test
    void clientThatLeavesItsRepliesUnreadIsDisconnectedAfterTheWriteTimeout() throws Exception
    {
        final HubConfig config = HubConfig.directory(tmp.resolve("hub")).clientWriteTimeout(Duration.ofMillis(500));
        try (EvtchnHub hub = EvtchnHub.start(config);
            Evtchn other = SeparateDomains.open(hub.directory());
            RawClient raw = new RawClient(hub.directory()))
        {
            final long errorsBefore = hub.counter(HubCounter.ERRORS);
            final ByteBuffer reset = ByteBuffer.allocate(4 + Protocol.MIN_REQUEST_LENGTH).order(Protocol.ORDER);
            final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            long sent = 0;
            long servedMeanwhile = 0;
            reset.limit(0);
            while (hub.handleCount() == 2) // keep writing requests, never read a reply
            {
                if (System.nanoTime() - deadline > 0)
                {
                    fail("the client that reads nothing is still attached after " + sent + " requests");
                }
                if (!reset.hasRemaining())
                {
                    reset.clear();
                    reset.putInt(Protocol.MIN_REQUEST_LENGTH).putInt(Protocol.OP_RESET).putLong(++sent).flip();
                }
                try
                {
                    if (raw.channel.write(reset) == 0)
                    {
                        // the hub stopped reading this client: it must still serve the others
                        assertTrue(other.bindUnboundPort(EvtchnHub.HUB_DOMID) > 0);
                        servedMeanwhile++;
                        LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1));
                    }
                }
                catch (final IOException ex)
                {
                    break; // the hub closed the connection
                }
            }
            assertTrue(servedMeanwhile > 0, "the client's socket filled up before it was disconnected");
            Conditions.await("the stuck client is disconnected", 30_000, () -> hub.handleCount() == 1);
            assertTrue(sent > 100, "the client sent more than a socket buffer of replies would hold: " + sent);
            assertTrue(hub.counter(HubCounter.ERRORS) > errorsBefore, "the disconnect counts as an error");
            assertTrue(other.bindUnboundPort(EvtchnHub.HUB_DOMID) > 0);
        }
    }
}

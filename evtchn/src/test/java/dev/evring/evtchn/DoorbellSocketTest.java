package dev.evring.evtchn;

import dev.evring.ring.DoorbellWaiter;
import dev.evring.ring.Errno;
import dev.evring.ring.PortRing;
import org.agrona.concurrent.BusySpinIdleStrategy;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.util.Random;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A remote handle's doorbell socket ({@link Protocol#OP_BELL}): once attached, a doorbell is one byte
 * down it and no frame on the control socket; a socket that breaks falls back to frames; a wrong key, a
 * foreign handle or a second socket is refused and the hub works on; several threads asleep on one
 * handle all wake (one on the socket, the rest on the local doorbell it rings).
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class DoorbellSocketTest
{
    private static final long WAIT_MS = 10_000;

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
    void anAttachedDoorbellSocketCarriesTheDoorbellAndTheControlSocketNone() throws Exception
    {
        try (RawClient raw = new RawClient(hub.directory());
            BellSocket bell = BellSocket.attach(hub.directory(), raw.handleId, raw.bellKey))
        {
            assertEquals(Protocol.BELL_ACK, bell.readByte(WAIT_MS), "the hub acknowledges the socket");
            final int port = bindVirq(raw, Virq.ARCH_0);
            try (PortRing events = PortRing.open(hub.directory().resolve(HubHandle.eventsFileName(raw.handleId))))
            {
                for (int round = 0; round < 200; round++)
                {
                    final CountDownLatch asleep = new CountDownLatch(1);
                    final int raise = round;
                    final Thread raiser = new Thread(() -> raiseWhenAsleep(asleep, raw.domid, Virq.ARCH_0, raise));
                    raiser.start();
                    // sleep in the ring's doorbell protocol; the waiter blocks on the doorbell socket
                    final boolean readable = events.awaitReadable(WAIT_MS, TimeUnit.MILLISECONDS, new BusySpinIdleStrategy(),
                        unchecked(timeoutNs ->
                        {
                            asleep.countDown();
                            return bell.readByte(TimeUnit.NANOSECONDS.toMillis(timeoutNs)) >= 0;
                        }), 0);
                    raiser.join(WAIT_MS);
                    assertTrue(readable, "round " + round + ": woken by the byte on the doorbell socket");
                    final int[] got = new int[1];
                    assertEquals(1, events.read(got, 0, 1));
                    assertEquals(port, got[0]);
                    raw.request(Protocol.OP_UNMASK, round, port);
                    final ByteBuffer reply = raw.readFrame(WAIT_MS);
                    assertNotNull(reply, "round " + round + ": the unmask is answered");
                    assertEquals(Protocol.TYPE_REPLY, reply.getInt(0), "round " + round + ": a reply, no doorbell frame");
                }
            }
            assertNull(raw.readFrame(50), "no doorbell frame came on the control socket");
        }
    }

    @Test
    void aDoorbellSocketThatBreaksFallsBackToDoorbellFrames() throws Exception
    {
        try (RawClient raw = new RawClient(hub.directory()))
        {
            try (BellSocket bell = BellSocket.attach(hub.directory(), raw.handleId, raw.bellKey))
            {
                assertEquals(Protocol.BELL_ACK, bell.readByte(WAIT_MS));
            }
            final int port = bindVirq(raw, Virq.ARCH_1);
            try (PortRing events = PortRing.open(hub.directory().resolve(HubHandle.eventsFileName(raw.handleId))))
            {
                final CountDownLatch asleep = new CountDownLatch(1);
                final Thread raiser = new Thread(() -> raiseWhenAsleep(asleep, raw.domid, Virq.ARCH_1, 0));
                raiser.start();
                final boolean readable = events.awaitReadable(WAIT_MS, TimeUnit.MILLISECONDS, new BusySpinIdleStrategy(),
                    unchecked(timeoutNs ->
                    {
                        asleep.countDown();
                        final ByteBuffer frame = raw.readFrame(TimeUnit.NANOSECONDS.toMillis(timeoutNs));
                        return frame != null && frame.getInt(0) == Protocol.TYPE_DOORBELL;
                    }), 0);
                raiser.join(WAIT_MS);
                assertTrue(readable, "the doorbell came as a frame on the control socket");
                final int[] got = new int[1];
                assertEquals(1, events.read(got, 0, 1));
                assertEquals(port, got[0]);
            }
        }
    }

    @Test
    void aWrongKeyAForeignHandleOrASecondSocketIsRefusedAndTheHubWorksOn() throws Exception
    {
        final Random random = new Random(20261121L);
        try (RawClient raw = new RawClient(hub.directory());
            RawClient other = new RawClient(hub.directory());
            BellSocket taken = BellSocket.attach(hub.directory(), raw.handleId, raw.bellKey))
        {
            assertEquals(Protocol.BELL_ACK, taken.readByte(WAIT_MS));
            final long[][] attempts = {
                {raw.handleId, raw.bellKey}, // a second socket for a handle that has one
                {raw.handleId, other.bellKey}, // another handle's key
                {other.handleId, raw.bellKey}, // a key for another handle
                {other.handleId, other.bellKey ^ 1}, // a wrong key
                {random.nextLong(), random.nextLong()}, // no such handle
            };
            for (final long[] attempt : attempts)
            {
                try (BellSocket refused = BellSocket.attach(hub.directory(), attempt[0], attempt[1]))
                {
                    final ByteBuffer frame = refused.readFrame(WAIT_MS);
                    assertNotNull(frame, "an answer for handle " + attempt[0]);
                    assertEquals(Protocol.TYPE_REFUSED, frame.getInt(0));
                    assertEquals(Errno.EACCES.number(), frame.getInt(4));
                    assertTrue(refused.endsWithin(WAIT_MS), "the hub closes a refused doorbell socket");
                }
            }
            try (BellSocket own = BellSocket.attach(hub.directory(), other.handleId, other.bellKey))
            {
                assertEquals(Protocol.BELL_ACK, own.readByte(WAIT_MS), "the right key still attaches");
            }
            assertTrue(bindVirq(raw, Virq.ARCH_2) > 0, "the hub works on");
        }
    }

    @Test
    void everyThreadAsleepOnOneHandleWakes() throws Exception
    {
        final int threads = 3;
        try (Evtchn sender = SeparateDomains.open(hub.directory());
            Evtchn sleepers = SeparateDomains.open(hub.directory()))
        {
            final int[] from = new int[threads];
            final int[] to = new int[threads];
            for (int i = 0; i < threads; i++)
            {
                from[i] = sender.bindUnboundPort(sleepers.domid());
                to[i] = sleepers.bindInterdomain(sender.domid(), from[i]);
                assertEquals(to[i], sleepers.awaitPending(WAIT_MS, TimeUnit.MILLISECONDS), "the bind's own event");
                sleepers.unmask(to[i]);
            }
            for (int round = 0; round < 300; round++)
            {
                final ConcurrentLinkedQueue<Integer> woken = new ConcurrentLinkedQueue<>();
                final Thread[] waiting = new Thread[threads];
                for (int i = 0; i < threads; i++)
                {
                    waiting[i] = new Thread(() ->
                    {
                        try
                        {
                            woken.add(sleepers.awaitPending(WAIT_MS, TimeUnit.MILLISECONDS));
                        }
                        catch (final Exception ex)
                        {
                            woken.add(-2);
                        }
                    });
                    waiting[i].start();
                }
                final int r = round;
                Conditions.await("round " + r + ": all asleep", () ->
                {
                    for (final Thread thread : waiting)
                    {
                        if (!Conditions.asleep(thread))
                        {
                            return false;
                        }
                    }
                    return true;
                });
                for (int i = 0; i < threads; i++)
                {
                    sender.notify(from[i]);
                }
                for (final Thread thread : waiting)
                {
                    thread.join(WAIT_MS + 5_000);
                }
                assertEquals(threads, woken.size(), "round " + round + ": every sleeper returned");
                for (int i = 0; i < threads; i++)
                {
                    assertTrue(woken.contains(to[i]), "round " + round + ": port " + to[i] + " reached a sleeper, got "
                        + woken);
                    sleepers.unmask(to[i]);
                }
            }
        }
    }

    /** A doorbell wait on a test socket. */
    private interface SocketWait
    {
        boolean await(long timeoutNs) throws IOException;
    }

    private static DoorbellWaiter unchecked(final SocketWait wait)
    {
        return (mark, timeoutNs) ->
        {
            try
            {
                return wait.await(timeoutNs);
            }
            catch (final IOException ex)
            {
                throw new UncheckedIOException(ex);
            }
        };
    }

    private int bindVirq(final RawClient raw, final Virq virq) throws IOException
    {
        raw.request(Protocol.OP_BIND_VIRQ, 1, virq.number());
        final ByteBuffer reply = raw.readReply(WAIT_MS);
        assertNotNull(reply);
        assertEquals(0, reply.getInt(4), "bind virq " + virq);
        return reply.getInt(16);
    }

    /**
     * Raise the virq once the waiter has blocked (the ring counts it as a sleeper before it blocks, so
     * the hub rings either way; waiting for the block makes the doorbell wake a thread that is asleep).
     */
    private void raiseWhenAsleep(final CountDownLatch asleep, final int domid, final Virq virq, final int round)
    {
        try
        {
            assertTrue(asleep.await(WAIT_MS, TimeUnit.MILLISECONDS), "round " + round + ": the waiter sleeps");
            hub.raiseVirq(domid, virq);
        }
        catch (final Exception ex)
        {
            throw new AssertionError(ex);
        }
    }

    /**
     * A doorbell socket made by hand: connect and present a handle id and key.
     */
    private static final class BellSocket implements AutoCloseable
    {
        private final SocketChannel channel;
        private final Selector selector;

        private BellSocket(final SocketChannel channel, final Selector selector)
        {
            this.channel = channel;
            this.selector = selector;
        }

        static BellSocket attach(final Path hubDirectory, final long handleId, final long key) throws IOException
        {
            final SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX);
            channel.connect(UnixDomainSocketAddress.of(hubDirectory.resolve(HubDirectory.SOCKET_FILE)));
            final ByteBuffer frame = ByteBuffer.allocate(Protocol.MAX_REQUEST_LENGTH).order(Protocol.ORDER);
            Protocol.writeFully(channel,
                Protocol.putRequest(frame, Protocol.OP_BELL, key, (int)handleId, (int)(handleId >>> 32)));
            channel.configureBlocking(false);
            final Selector selector = Selector.open();
            channel.register(selector, SelectionKey.OP_READ);
            return new BellSocket(channel, selector);
        }

        /**
         * @return the next byte (0 to 255), or -1 on timeout or end of stream.
         */
        int readByte(final long timeoutMs) throws IOException
        {
            final ByteBuffer one = ByteBuffer.allocate(1);
            return RawClient.fill(channel, selector, one, timeoutMs) ? one.get(0) & 0xFF : -1;
        }

        ByteBuffer readFrame(final long timeoutMs) throws IOException
        {
            final ByteBuffer frame = ByteBuffer.allocate(Protocol.EVENT_FRAME_LENGTH).order(Protocol.ORDER);
            return RawClient.fill(channel, selector, frame, timeoutMs) ? frame : null;
        }

        boolean endsWithin(final long timeoutMs) throws IOException
        {
            final long deadline = System.currentTimeMillis() + timeoutMs;
            final ByteBuffer any = ByteBuffer.allocate(64);
            while (System.currentTimeMillis() < deadline)
            {
                selector.select(Math.max(1, deadline - System.currentTimeMillis()));
                selector.selectedKeys().clear();
                any.clear();
                if (channel.read(any) < 0)
                {
                    return true;
                }
            }
            return false;
        }

        @Override
        public void close() throws IOException
        {
            selector.close();
            channel.close();
        }
    }
}

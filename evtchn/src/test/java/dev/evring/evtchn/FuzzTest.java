package dev.evring.evtchn;

import dev.evring.ring.Errno;
import dev.evring.ring.PortRing;
import dev.evring.ring.PortRingDescriptor;
import org.agrona.IoUtil;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.file.Path;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Random, truncated, oversized and unknown control frames, and random request-ring words: the hub
 * survives, other handles are unaffected, the offender gets an error or is disconnected.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class FuzzTest
{
    private static final long SEED = Long.getLong("evring.test.seed", 20261121L);
    private static final Set<Integer> REPLY_ERRNOS = Set.of(0, Errno.ENOSYS.number(), Errno.EFAULT.number(),
        Errno.EINVAL.number(), Errno.ENOTCONN.number(), Errno.EISCONN.number(), Errno.EEXIST.number(),
        Errno.EBUSY.number(), Errno.EACCES.number(), Errno.ESRCH.number(), Errno.ENOSPC.number(),
        Errno.ENOMEM.number());

    @TempDir
    Path tmp;

    private EvtchnHub hub;
    private Evtchn a;
    private Evtchn b;
    private int pa;
    private int pb;

    @BeforeEach
    void start() throws Exception
    {
        hub = EvtchnHub.start(HubConfig.directory(tmp.resolve("hub")).maxPorts(4096));
        a = SeparateDomains.open(hub.directory());
        b = SeparateDomains.open(hub.directory());
        pa = a.bindUnboundPort(b.domid());
        pb = b.bindInterdomain(a.domid(), pa);
        assertEquals(pb, b.awaitPending(10, TimeUnit.SECONDS));
        b.unmask(pb);
    }

    @AfterEach
    void stop()
    {
        a.close();
        b.close();
        hub.close();
    }

    private void assertOthersWork() throws Exception
    {
        a.notify(pa);
        assertEquals(pb, b.awaitPending(10, TimeUnit.SECONDS));
        b.unmask(pb);
        b.notify(pb);
        assertEquals(pa, a.awaitPending(10, TimeUnit.SECONDS));
        a.unmask(pa);
    }

    @Test
    void randomTruncatedOversizedAndUnknownControlFramesLeaveTheHubAndOtherHandlesWorking() throws Exception
    {
        final Random random = new Random(SEED);
        final int allocatedBefore = hub.allocatedPorts();
        int replies = 0;
        for (int connection = 0; connection < 300; connection++)
        {
            try (RawClient raw = new RawClient(hub.directory()))
            {
                final int frames = 1 + random.nextInt(4);
                for (int f = 0; f < frames; f++)
                {
                    sendFuzz(raw, random);
                }
                ByteBuffer frame;
                while ((frame = raw.readFrame(20)) != null)
                {
                    final int type = frame.getInt(0);
                    assertTrue(type == Protocol.TYPE_REPLY || type == Protocol.TYPE_FAULT || type == Protocol.TYPE_DOORBELL,
                        "frame type " + type);
                    assertTrue(REPLY_ERRNOS.contains(frame.getInt(4)), "errno " + frame.getInt(4));
                    replies++;
                }
            }
            catch (final IOException ex)
            {
                // the hub disconnected this offender mid-write: allowed
            }
            if (connection % 50 == 0)
            {
                assertOthersWork();
            }
        }
        assertTrue(replies > 100, "the hub answered " + replies + " fuzz frames");
        Conditions.await("every fuzz connection is released", () -> hub.handleCount() == 2);
        assertEquals(allocatedBefore, hub.allocatedPorts(), "ports bound by fuzz connections were released");
        assertOthersWork();
    }

    private static void sendFuzz(final RawClient raw, final Random random) throws IOException
    {
        switch (random.nextInt(5))
        {
            case 0: // random bytes
                final byte[] bytes = new byte[random.nextInt(64)];
                random.nextBytes(bytes);
                raw.send(ByteBuffer.wrap(bytes));
                break;
            case 1: // well framed, any op, any arguments
                final int[] arguments = new int[random.nextInt(4)];
                for (int i = 0; i < arguments.length; i++)
                {
                    arguments[i] = random.nextBoolean() ? random.nextInt(64) : random.nextInt();
                }
                raw.request(random.nextInt(14) - 2, random.nextLong(), arguments);
                break;
            case 2: // truncated: the length promises more than is sent
                final ByteBuffer truncated = ByteBuffer.allocate(10).order(Protocol.ORDER);
                truncated.putInt(40).putInt(Protocol.OP_BIND_VIRQ).putShort((short)7).flip();
                raw.send(truncated);
                break;
            case 3: // oversized or undersized length
                final ByteBuffer length = ByteBuffer.allocate(4).order(Protocol.ORDER);
                length.putInt(0, random.nextBoolean() ? Protocol.MAX_REQUEST_LENGTH + 1 + random.nextInt(1 << 20)
                    : random.nextInt(Protocol.MIN_REQUEST_LENGTH));
                raw.send(length);
                break;
            default: // a valid request
                raw.request(Protocol.OP_BIND_UNBOUND_PORT, random.nextLong(), random.nextInt(4));
                break;
        }
    }

    @Test
    void randomRequestRingWordsDisconnectOnlyTheOffender() throws Exception
    {
        final Random random = new Random(SEED);
        a.notify(pa);
        assertEquals(pb, b.awaitPending(10, TimeUnit.SECONDS)); // b's port is now masked
        final Evtchn offender = SeparateDomains.open(hub.directory());
        final int own = offender.bindUnboundPort(0);
        final long id = handleIdOf(offender);
        try (PortRing requests = PortRing.open(hub.directory().resolve(HubHandle.requestsFileName(id))))
        {
            // valid ops on random ports (b's masked port among them): ignored, the offender stays
            for (int i = 0; i < 20_000; i++)
            {
                final int port = i % 100 == 0 ? pb : random.nextInt(1 << 24);
                offerWhenRoom(requests, Protocol.ringWord(1 + random.nextInt(3), port));
            }
            Conditions.await("the words were handled", requests::isEmpty);
        }
        assertTrue(offender.bindUnboundPort(0) > 0, "ignored words leave the offender working");
        assertFalse(hub.portStatus(pb).enabled(), "a forged unmask did not reach b's port");
        b.unmask(pb);
        Conditions.await("b's own unmask works", () -> hub.portStatus(pb).enabled());
        assertOthersWork();

        try (PortRing requests = PortRing.open(hub.directory().resolve(HubHandle.requestsFileName(id))))
        {
            for (int i = 0; i < 1000; i++)
            {
                offerWhenRoom(requests, random.nextInt() | 0x4000_0000); // ops beyond RING_UNMASK_NOTIFY
            }
        }
        Conditions.await("the offender is disconnected", () -> hub.handleCount() == 2);
        final EvtchnException refused = awaitFailure(offender);
        assertEquals(Errno.ENOSYS, refused.errno(), refused.getMessage());
        assertEquals(PortKind.FREE, hub.portStatus(own).kind(), "its ports were released");
        offender.close();
        assertOthersWork();
    }

    @Test
    void corruptedRequestRingIndicesOrOverflowDisconnectTheOffenderWithEfault() throws Exception
    {
        for (final boolean overflow : new boolean[] {false, true})
        {
            final Evtchn offender = SeparateDomains.open(hub.directory());
            offender.bindUnboundPort(0);
            final MappedByteBuffer mapped = IoUtil.mapExistingFile(
                hub.directory().resolve(HubHandle.requestsFileName(handleIdOf(offender))).toFile(), "fuzz");
            try
            {
                final UnsafeBuffer raw = new UnsafeBuffer(mapped);
                if (overflow)
                {
                    raw.putIntVolatile(PortRingDescriptor.OVERFLOW_OFFSET, 1);
                    raw.putIntVolatile(PortRingDescriptor.PROD_OFFSET, raw.getIntVolatile(PortRingDescriptor.PROD_OFFSET) + 1);
                }
                else
                {
                    raw.putIntVolatile(PortRingDescriptor.PROD_OFFSET, 1 << 30);
                }
            }
            finally
            {
                IoUtil.unmap(mapped);
            }
            Conditions.await("the offender is disconnected", () -> hub.handleCount() == 2);
            final EvtchnException refused = awaitFailure(offender);
            assertEquals(Errno.EFAULT, refused.errno(), refused.getMessage());
            assertEquals(Errno.EFAULT, assertThrows(EvtchnException.class, () -> offender.bindUnboundPort(0)).errno());
            offender.close();
            assertOthersWork();
        }
    }

    /**
     * The hub's fault frame and the end of the connection reach the handle's reader thread a moment after
     * the hub released it: wait for the handle to report the failure.
     */
    private static EvtchnException awaitFailure(final Evtchn offender) throws Exception
    {
        final EvtchnException[] failure = new EvtchnException[1];
        Conditions.await("the offender sees its failure", () ->
        {
            try
            {
                offender.pollMask();
                return false;
            }
            catch (final EvtchnException ex)
            {
                failure[0] = ex;
                return true;
            }
        });
        return failure[0];
    }

    private static void offerWhenRoom(final PortRing ring, final int word) throws Exception
    {
        Conditions.await("room in the request ring", () -> ring.producerIndex() - ring.consumerIndex() < ring.capacity());
        assertTrue(ring.offer(word));
    }

    private long handleIdOf(final Evtchn handle)
    {
        return hub.handleIdOf(handle.domid());
    }
}

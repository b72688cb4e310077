package dev.evring.ring;

import org.agrona.SystemUtil;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static dev.evring.ring.PortRingDescriptor.EXCLUSIVE_PRODUCER_OFFSET;
import static dev.evring.ring.PortRingDescriptor.requiredLength;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The exclusive producer role ({@link PortRing#claimExclusiveProducer()}): while one instance holds it,
 * every other instance's producer calls are refused without writing anything; the holder resizes and
 * fills the new room; the role comes back on release or close; a claim whose holder is gone is broken.
 * The holder killed mid-stream is in {@link PortRingProducerRoleTest}, and the holder under reader threads,
 * resizes and resets in {@link PortRingStressTest}.
 */
@ExtendWith(RingLeakCheck.class)
final class PortRingExclusiveProducerTest
{
    @TempDir(factory = ShmTempDir.class)
    Path dir;

    private final UnsafeBuffer buffer = new UnsafeBuffer(ByteBuffer.allocateDirect(requiredLength(1024)));

    @Test
    void anExclusiveProducerRefusesEveryOtherInstancesProducerCalls() throws RingFormatException
    {
        try (PortRing reader = PortRing.format(buffer, 64, 1024, ReaderWaiting.SPIN);
            PortRing holder = PortRing.wrap(buffer);
            PortRing other = PortRing.wrap(buffer))
        {
            assertTrue(other.offer(1), "before the claim the role passes freely");
            holder.claimExclusiveProducer();
            assertTrue(holder.isExclusiveProducer());
            assertFalse(other.isExclusiveProducer());
            assertTrue(holder.offer(2), "the holder takes prod from the last producer");

            final String pid = "exclusive producer (pid " + SystemUtil.getPid() + ")";
            assertRefused(pid, () -> other.offer(-1));
            assertRefused(pid, () -> other.tryOffer(-1));
            assertRefused(pid, () -> other.offerConcurrent(-1));
            assertRefused(pid, () -> other.resize(128));
            assertRefused(pid, other::claimExclusiveProducer);
            assertEquals(64, reader.capacity(), "the refused resize changed nothing");
            assertEquals(2, reader.producerIndex(), "no refused call published anything");

            assertTrue(holder.offer(3));
            assertPorts(reader, 1, 2, 3);
            assertTrue(holder.offer(4));
            assertEquals(1, other.reset(), "reset is a reader's call (IOCTL_EVTCHN_RESET): not refused");
            assertTrue(holder.offer(5), "the holder offers on after the reset");
            assertPorts(reader, 5);
        }
    }

    @Test
    void theRoleComesBackOnReleaseAndOnClose() throws RingFormatException
    {
        try (PortRing reader = PortRing.format(buffer, 64, 1024, ReaderWaiting.SPIN);
            PortRing other = PortRing.wrap(buffer))
        {
            final PortRing holder = PortRing.wrap(buffer);
            holder.claimExclusiveProducer();
            assertTrue(holder.offer(1));
            holder.releaseExclusiveProducer();
            assertFalse(holder.isExclusiveProducer());
            assertTrue(other.offer(2), "released: another instance offers");
            holder.claimExclusiveProducer();
            assertTrue(holder.offer(3), "claimed again: the holder takes prod after the other's offer");
            holder.close();
            assertTrue(other.offer(4), "closed: another instance offers");
            other.claimExclusiveProducer();
            assertTrue(other.offer(5));
            assertPorts(reader, 1, 2, 3, 4, 5);
        }
    }

    @Test
    void theExclusiveProducerFillsTheRoomOfItsOwnResizes() throws RingFormatException
    {
        try (PortRing reader = PortRing.format(buffer, 8, 1024, ReaderWaiting.SPIN);
            PortRing holder = PortRing.wrap(buffer))
        {
            holder.claimExclusiveProducer();
            PortRingProducerRoleTest.fillTheRoomOfEachResize(reader, holder, holder);
        }
    }

    @Test
    void aClaimLeftByAnInstanceThatIsGoneIsBroken() throws RingFormatException
    {
        try (PortRing reader = PortRing.format(buffer, 64, 1024, ReaderWaiting.SPIN);
            PortRing producer = PortRing.wrap(buffer))
        {
            // a token of this pid that no live instance holds: left by a dead process that had this pid
            buffer.putLongVolatile(EXCLUSIVE_PRODUCER_OFFSET, (SystemUtil.getPid() << 32) | 0x7FFF_FFFFL);
            assertTrue(producer.offer(1), "the stale claim is broken");
            assertEquals(0, buffer.getLongVolatile(EXCLUSIVE_PRODUCER_OFFSET));
            assertPorts(reader, 1);
        }
    }

    @Test
    @Timeout(value = 1, unit = TimeUnit.MINUTES)
    void aClaimIsKeptWhileItsProcessLivesAndBrokenOnceItDies() throws Exception
    {
        try (PortRing reader = PortRing.format(buffer, 64, 1024, ReaderWaiting.SPIN);
            PortRing producer = PortRing.wrap(buffer))
        {
            // a child that lives until killed: it offers into a ring of its own
            final Path elsewhere = dir.resolve("elsewhere.ring");
            PortRing.create(elsewhere, 64, 64, ReaderWaiting.SPIN).close();
            final Process child = ChildJvm.processBuilder(OfferingProcess.class, elsewhere.toString())
                .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .start();
            try
            {
                // a claim in the child's name, as an instance of its would have written it
                buffer.putLongVolatile(EXCLUSIVE_PRODUCER_OFFSET, (child.pid() << 32) | 1);
                assertRefused("exclusive producer (pid " + child.pid() + ")", () -> producer.offer(-1));
            }
            finally
            {
                child.destroyForcibly();
                assertTrue(child.waitFor(30, TimeUnit.SECONDS), "the child exits");
            }
            assertTrue(producer.offer(1), "its process is gone: the claim is broken");
            assertPorts(reader, 1);
        }
    }

    private static void assertRefused(final String holder, final Runnable call)
    {
        final IllegalStateException refused = assertThrows(IllegalStateException.class, call::run);
        assertTrue(refused.getMessage().contains(holder), refused.getMessage());
    }

    private static void assertPorts(final PortRing reader, final int... expected)
    {
        final int[] dst = new int[64];
        assertEquals(expected.length, reader.read(dst, 0, dst.length), "ports to read");
        for (int i = 0; i < expected.length; i++)
        {
            assertEquals(expected[i], dst[i], "port " + i);
        }
    }
}

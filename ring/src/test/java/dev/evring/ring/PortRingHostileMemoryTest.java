package dev.evring.ring;

import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.function.Executable;

import java.nio.ByteBuffer;
import java.util.concurrent.TimeUnit;

import static dev.evring.ring.PortRingDescriptor.CONS_OFFSET;
import static dev.evring.ring.PortRingDescriptor.EXCLUSIVE_PRODUCER_OFFSET;
import static dev.evring.ring.PortRingDescriptor.PRODUCER_LOCK_OFFSET;
import static dev.evring.ring.PortRingDescriptor.PROD_OFFSET;
import static dev.evring.ring.PortRingDescriptor.SIZE_OFFSET;
import static dev.evring.ring.PortRingDescriptor.entryOffset;
import static dev.evring.ring.PortRingDescriptor.requiredLength;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * H1 and H3 for the ring, in one JVM: another party writes the shared control words of a live ring (a
 * size no ring holds, impossible indices, a producer lock held by a live pid forever, a stolen exclusive
 * role) and every call either works from the state the ring trusts or fails with a {@link RingException}
 * carrying its errno, never reaching outside the ring, never hanging. A guard region after the ring proves
 * no write lands outside it. Truncated files are in {@link PortRingTruncatedUnderUseTest}, random
 * corruption in {@link PortRingFuzzTest}.
 */
@ExtendWith(RingLeakCheck.class)
@Timeout(value = 60, unit = TimeUnit.SECONDS)
final class PortRingHostileMemoryTest
{
    private static final int MAX = 64;
    private static final int GUARD = 4096;
    private static final int[] IMPOSSIBLE_SIZES = {0, Integer.MIN_VALUE, -1, -MAX, 3, 48, MAX - 1, MAX * 2, 1 << 28};

    private final UnsafeBuffer whole = new UnsafeBuffer(ByteBuffer.allocateDirect(requiredLength(MAX) + GUARD));
    private final UnsafeBuffer buffer = new UnsafeBuffer(whole, 0, requiredLength(MAX));

    @Test
    void h1_aProducerRefusesEverySizeNoRingHoldsBeforeItWrites() throws RingFormatException
    {
        for (final int size : IMPOSSIBLE_SIZES)
        {
            whole.setMemory(0, whole.capacity(), (byte)0);
            try (PortRing reader = PortRing.format(buffer, 8, MAX, ReaderWaiting.SPIN);
                PortRing producer = PortRing.wrap(buffer))
            {
                assertTrue(producer.offer(1));
                buffer.putIntVolatile(SIZE_OFFSET, size);
                buffer.putLongVolatile(PRODUCER_LOCK_OFFSET + 8, 0); // the owner word: the next offer adopts
                assertEio("offer with size " + size, () -> producer.offer(2));
                assertEio("tryOffer with size " + size, () -> producer.tryOffer(2));
                assertEio("resize with size " + size, () -> producer.resize(MAX)); // size 0 once looped forever
                assertEio("replaceUnread with size " + size, () -> reader.replaceUnread(1, 0));
                assertEio("hasUnreadOtherThan with size " + size, () -> reader.hasUnreadOtherThan(0));
                assertEquals(1, reader.producerIndex(), "nothing published with size " + size);
                assertGuardUntouched("size " + size);
            }
        }
    }

    @Test
    void h1_aReaderRetriesABadSnapshotABoundedTimeThenFailsWithoutReadingOutside() throws RingFormatException
    {
        for (final int size : IMPOSSIBLE_SIZES)
        {
            whole.setMemory(0, whole.capacity(), (byte)0);
            try (PortRing reader = PortRing.format(buffer, MAX, MAX, ReaderWaiting.SPIN))
            {
                final int[] dst = new int[MAX];
                // cons 62, prod 62 + 40: a range that, masked by a size that is not a power of two, would run
                // past the entries (the largest non-power below MAX masks 62 to 62 and reads 40 slots on)
                buffer.putLongVolatile(CONS_OFFSET, 62);
                buffer.putLongVolatile(PROD_OFFSET, 62 + 40);
                buffer.putIntVolatile(SIZE_OFFSET, size);
                assertEio("read with size " + size, () -> reader.read(dst, 0, dst.length));
                assertEio("readOne with size " + size, reader::readOne);
                assertEquals(62, reader.consumerIndex(), "nothing claimed with size " + size);
            }
        }
    }

    @Test
    void h1_theExclusiveProducerKeepsSizeAndProdOnItsOwnSide() throws RingFormatException
    {
        try (PortRing client = PortRing.format(buffer, 8, MAX, ReaderWaiting.SPIN);
            PortRing hub = PortRing.wrap(buffer))
        {
            hub.claimExclusiveProducer();
            for (int port = 1; port <= 3; port++)
            {
                assertTrue(hub.offer(port));
            }
            // the readers' side writes every control word it can reach
            buffer.putIntVolatile(SIZE_OFFSET, 0);
            buffer.putLongVolatile(PROD_OFFSET, Integer.MIN_VALUE);
            buffer.putLongVolatile(EXCLUSIVE_PRODUCER_OFFSET, 1L << 32); // "pid 1 holds the role"

            assertEquals(8, hub.capacity(), "the hub's own size, not the zero written over it");
            int capacity = hub.capacity();
            while (capacity < MAX) // the hub's ensureRoom: it doubled a capacity of 0 forever
            {
                hub.resize(capacity << 1);
                capacity = hub.capacity();
            }
            assertEquals(MAX, capacity);
            assertEquals(MAX, buffer.getIntVolatile(SIZE_OFFSET), "the resize published the hub's size");
            assertEquals(1, hub.replaceUnread(2, 0), "the scan covers the hub's range, cons 0 to its prod 3");
            assertEquals(0, buffer.getInt(entryOffset(1)), "port 2 replaced at its slot");
            assertTrue(hub.offer(4), "offers go on from the hub's own prod");
            assertEquals(4, buffer.getInt(entryOffset(3)), "at the slot its own prod names");
            assertEquals(4, (int)buffer.getLongVolatile(PROD_OFFSET), "and publish its prod again");
            assertEquals(4, hub.reset(), "reset takes the hub's prod: cons jumps to 4");
            assertTrue(hub.isEmpty());
            assertGuardUntouched("after the hub's calls");
        }
    }

    @Test
    void h1_replaceUnreadAndTheScanRefuseASizeCorruptedUnderALiveRing() throws RingFormatException
    {
        try (PortRing ring = PortRing.format(buffer, 8, MAX, ReaderWaiting.SPIN))
        {
            for (int port = 1; port <= 5; port++)
            {
                assertTrue(ring.offer(port));
            }
            buffer.putIntVolatile(SIZE_OFFSET, 1 << 20); // once an IndexOutOfBoundsException
            assertEio("replaceUnread", () -> ring.replaceUnread(3, 0));
            assertEio("hasUnreadOtherThan", () -> ring.hasUnreadOtherThan(0));
            buffer.putIntVolatile(SIZE_OFFSET, 8);
            assertEquals(1, ring.replaceUnread(3, 0), "a good size again: the ring works on");
            assertTrue(ring.hasUnreadOtherThan(0));
            assertGuardUntouched("after the scans");
        }
    }

    @Test
    void h3_aProducerLockHeldByALivePidForeverIsAnErrorNotAHang() throws RingFormatException
    {
        try (PortRing ring = PortRing.format(buffer, 8, MAX, ReaderWaiting.SPIN))
        {
            ring.producerLockTimeout(200, TimeUnit.MILLISECONDS);
            assertTrue(ring.offer(1));
            buffer.putLongVolatile(PRODUCER_LOCK_OFFSET, 1); // init: alive, and never lets go
            final Executable[] calls = {
                ring::reset, () -> ring.resize(16), () -> ring.replaceUnread(1, 0), () -> ring.offerConcurrent(2),
                ring::claimExclusiveProducer};
            for (int i = 0; i < calls.length; i++)
            {
                final long start = System.nanoTime();
                final RingException ex = assertThrows(RingException.class, calls[i], "call #" + i);
                final long tookMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
                assertEquals(Errno.ETIMEDOUT, ex.errno(), ex.getMessage());
                assertTrue(ex.getMessage().contains("pid 1"), ex.getMessage());
                assertTrue(tookMs >= 150 && tookMs < 10_000, "call #" + i + " gave up after " + tookMs + " ms");
            }
            assertEquals(8, ring.capacity(), "nothing changed");
            assertEquals(1, ring.size(), "nothing changed");
            assertThrows(IllegalArgumentException.class, () -> ring.producerLockTimeout(0, TimeUnit.SECONDS));
            buffer.putLongVolatile(PRODUCER_LOCK_OFFSET, 0);
            assertEquals(1, ring.reset(), "the lock free again: the calls work");
        }
    }

    @Test
    void r3_theOverflowErrorIsARingExceptionOfTheErrnoFamilyAndStillAnIllegalState()
    {
        try (PortRing ring = PortRing.allocate(1, 1, ReaderWaiting.SPIN))
        {
            assertTrue(ring.offer(1));
            assertFalse(ring.offer(2));
            final RingOverflowException ex = assertThrows(RingOverflowException.class, ring::readOne);
            assertInstanceOf(IllegalStateException.class, ex, "old catchers still catch it");
            assertEquals(Errno.EFBIG, ex.errno());
            assertTrue(ex.getMessage().startsWith("EFBIG: "), ex.getMessage());
            final ErrnoException checked = ex.toErrnoException();
            assertEquals(Errno.EFBIG, checked.errno());
            assertEquals(ex.getMessage(), checked.getMessage(), "one prefix, the same words");
            assertEquals(ex, checked.getCause());
        }
    }

    private static void assertEio(final String what, final Executable call)
    {
        final RingException ex = assertThrows(RingException.class, call, what);
        assertEquals(Errno.EIO, ex.errno(), what + ": " + ex.getMessage());
    }

    private void assertGuardUntouched(final String when)
    {
        for (int offset = requiredLength(MAX); offset < whole.capacity(); offset += Long.BYTES)
        {
            assertEquals(0, whole.getLong(offset), when + ": a write landed outside the ring at " + offset);
        }
    }
}

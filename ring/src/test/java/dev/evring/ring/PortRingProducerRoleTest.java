package dev.evring.ring;

import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static dev.evring.ring.PortRingDescriptor.requiredLength;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The producer role: an offer keeps prod in its instance while nobody else offers, so these tests check
 * the role still passes between instances and processes, and from a producer killed mid-stream, with no
 * port lost or written twice; and that {@link PortRing#tryOffer(int)} waits for room without overflowing.
 */
class PortRingProducerRoleTest
{
    private static final long CHILD_LIMIT_S = 30;

    @TempDir(factory = ShmTempDir.class)
    Path dir;

    private final List<Process> children = new ArrayList<>();

    @AfterEach
    void killChildren()
    {
        children.forEach(Process::destroyForcibly);
    }

    @Test
    void producerRolePassesBetweenInstancesWithoutLossOrOverwrite() throws RingFormatException
    {
        final UnsafeBuffer buffer = new UnsafeBuffer(ByteBuffer.allocateDirect(requiredLength(64)));
        try (PortRing reader = PortRing.format(buffer, 64, 64, ReaderWaiting.SPIN);
            PortRing a = PortRing.wrap(buffer);
            PortRing b = PortRing.wrap(buffer);
            PortRing c = PortRing.wrap(buffer))
        {
            final PortRing[] producers = {a, b, c, b, b, a};
            final int[] dst = new int[64];
            int expected = 0;
            int next = 0;
            for (int round = 0; round < 20_000; round++)
            {
                final int burst = 1 + round % 7;
                for (int i = 0; i < burst; i++)
                {
                    assertTrue(producers[(round + i) % producers.length].offer(next++), "room for port " + next);
                }
                final int n = reader.read(dst, 0, dst.length);
                assertEquals(burst, n, "round " + round + " reads what its producers offered");
                for (int i = 0; i < n; i++)
                {
                    assertEquals(expected++, dst[i], "round " + round + " in order, nothing overwritten");
                }
            }
            assertFalse(reader.overflowed());
        }
    }

    @Test
    void aProducerTakesTheNewSizeAfterAnotherInstanceResizes() throws RingFormatException
    {
        final UnsafeBuffer buffer = new UnsafeBuffer(ByteBuffer.allocateDirect(requiredLength(1024)));
        try (PortRing reader = PortRing.format(buffer, 8, 1024, ReaderWaiting.SPIN);
            PortRing producer = PortRing.wrap(buffer);
            PortRing resizer = PortRing.wrap(buffer))
        {
            fillTheRoomOfEachResize(reader, producer, resizer);
        }
    }

    /**
     * From size 8 to 1024: leave the ring nearly full (wrapped at every size but the first), have
     * {@code resizer} double it, fill what the resize added, and read everything back in order. Fails if
     * {@code producer} does not see the new size.
     */
    static void fillTheRoomOfEachResize(final PortRing reader, final PortRing producer, final PortRing resizer)
    {
        final int[] dst = new int[1024];
        int next = 0;
        int expected = 0;
        for (int size = 8; size < 1024; size <<= 1)
        {
            for (int i = 0; i < size - 3; i++) // leave the ring nearly full, wrapped at every size but the first
            {
                assertTrue(producer.offer(next++), "room at size " + size);
            }
            resizer.resize(size << 1);
            for (int i = 0; i < size; i++) // then fill what the resize added, at slots only the new size has
            {
                assertTrue(producer.offer(next++), "the producer sees the room of size " + (size << 1));
            }
            final int n = reader.read(dst, 0, dst.length);
            assertEquals(next - expected, n);
            for (int i = 0; i < n; i++)
            {
                assertEquals(expected++, dst[i], "in order after the resize to " + (size << 1));
            }
        }
        assertFalse(reader.overflowed());
    }

    @Test
    void aCorruptedSizeIsRefusedByTheProducerWithoutWritingOutsideTheRing() throws RingFormatException
    {
        final UnsafeBuffer buffer = new UnsafeBuffer(ByteBuffer.allocateDirect(requiredLength(64)));
        try (PortRing reader = PortRing.format(buffer, 64, 64, ReaderWaiting.SPIN);
            PortRing producer = PortRing.wrap(buffer))
        {
            buffer.putIntVolatile(PortRingDescriptor.SIZE_OFFSET, 1 << 20);
            final IllegalStateException refused = assertThrows(IllegalStateException.class, () -> producer.offer(1));
            assertTrue(refused.getMessage().contains("impossible size 1048576"), refused.getMessage());
            assertEquals(0, reader.producerIndex(), "nothing published");
        }
    }

    @Test
    void tryOfferRefusesAFullRingWithoutOverflow()
    {
        try (PortRing ring = PortRing.allocate(8, 8, ReaderWaiting.SPIN))
        {
            for (int i = 0; i < 8; i++)
            {
                assertTrue(ring.tryOffer(i));
            }
            assertFalse(ring.tryOffer(8), "a full ring refuses");
            assertFalse(ring.overflowed(), "and is not overflowed");
            final int[] dst = new int[3];
            assertEquals(3, ring.read(dst, 0, 3));
            assertTrue(ring.tryOffer(8), "room again once read");
            final int[] rest = new int[8];
            assertEquals(6, ring.read(rest, 0, 8));
            assertEquals(8, rest[5]);
        }
    }

    @Test
    @Timeout(value = 2, unit = TimeUnit.MINUTES)
    void producerKilledMidStreamIsTakenOverWithoutLossOrDuplicate() throws Exception
    {
        killMidStreamAndTakeOver("shared");
    }

    /**
     * The same from a producer that claimed the exclusive role: while it lives the successor is refused
     * (and writes nothing); once it is killed, its claim is broken by the successor's first offer.
     */
    @Test
    @Timeout(value = 2, unit = TimeUnit.MINUTES)
    void exclusiveProducerKilledMidStreamIsTakenOverWithoutLossOrDuplicate() throws Exception
    {
        killMidStreamAndTakeOver("exclusive");
    }

    private void killMidStreamAndTakeOver(final String role) throws Exception
    {
        final boolean exclusive = "exclusive".equals(role);
        final int capacity = 1 << 12;
        for (int attempt = 0; attempt < 3; attempt++)
        {
            final Path file = dir.resolve(role + "-taken-over-" + attempt + ".ring");
            PortRing.create(file, capacity, capacity, ReaderWaiting.SPIN).close();
            try (PortRing reader = PortRing.open(file); PortRing successor = PortRing.open(file))
            {
                final Process child = ChildJvm.processBuilder(OfferingProcess.class, file.toString(), role)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                    .start();
                children.add(child);
                final int[] dst = new int[capacity];
                final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(CHILD_LIMIT_S);
                int expected = 0;
                while (expected < 200_000) // read while the child offers
                {
                    assertTrue(System.nanoTime() - deadline < 0, "the child offered only " + expected + " ports");
                    final int n = reader.read(dst, 0, dst.length);
                    for (int i = 0; i < n; i++)
                    {
                        assertEquals(expected++, dst[i], "the child's ports in order");
                    }
                }
                if (exclusive)
                {
                    final IllegalStateException refused =
                        assertThrows(IllegalStateException.class, () -> successor.offer(-1));
                    assertTrue(refused.getMessage().contains("exclusive producer (pid " + child.pid() + ")"),
                        refused.getMessage());
                }
                child.destroyForcibly(); // mid-stream: it offers in a tight loop
                assertTrue(child.waitFor(CHILD_LIMIT_S, TimeUnit.SECONDS), "the killed child exits");
                final int published = reader.producerIndex();
                int n = reader.read(dst, 0, Math.min(capacity / 2, published - expected)); // make room, keep some unread
                for (int i = 0; i < n; i++)
                {
                    assertEquals(expected++, dst[i], "the child's ports in order");
                }
                final int successorPorts = 100;
                for (int i = 0; i < successorPorts; i++)
                {
                    assertTrue(successor.offer(-1 - i), "the successor offers into the room left");
                }
                assertEquals(published + successorPorts, reader.producerIndex(), "the successor appends");
                while (expected < published && (n = reader.read(dst, 0, published - expected)) > 0)
                {
                    for (int i = 0; i < n; i++)
                    {
                        assertEquals(expected++, dst[i], "every port the child published, once");
                    }
                }
                assertEquals(published, expected, "the child's published ports all read");
                assertEquals(successorPorts, reader.read(dst, 0, dst.length));
                for (int i = 0; i < successorPorts; i++)
                {
                    assertEquals(-1 - i, dst[i], "then the successor's, in order");
                }
            }
        }
    }
}

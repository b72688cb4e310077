package dev.evring.ring;

import net.openhft.chronicle.core.io.AbstractCloseable;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.ByteBuffer;

import static dev.evring.ring.PortRingDescriptor.requiredLength;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;

/**
 * R8 as a property (QuickTheories, which shrinks a failing case to a small one): resize keeps every
 * unread port readable in order for any free-running index (the whole 32-bit range, so indices that
 * cross 2^32), any fill, ports read before the resize, and one or more doublings; the exhaustive check
 * over every offset and fill is {@link PortRingResizeTest}.
 */
final class PortRingResizePropertyTest
{
    @BeforeEach
    void traceRings()
    {
        AbstractCloseable.enableCloseableTracing();
    }

    @AfterEach
    void everyRingClosed()
    {
        try
        {
            AbstractCloseable.assertCloseablesClosed();
        }
        finally
        {
            AbstractCloseable.disableCloseableTracing();
        }
    }

    /**
     * Any cons (the whole 32-bit range), any fill, part of it read before the resize, one to four
     * doublings, then the ring filled to its new capacity and drained through a small room: the ports
     * come out in the order they went in, and exactly the new capacity fits.
     */
    @Test
    @Timeout(120)
    void r8_resizeKeepsOrderForAnyIndicesAndDoublings()
    {
        qt().withExamples(3000).forAll(
            integers().between(0, 10),
            integers().all(),
            integers().allPositive(),
            integers().allPositive())
            .checkAssert((sizeLog2, cons, fillSeed, shapeSeed) -> resizeThenDrain(
                sizeLog2, cons, fillSeed, shapeSeed % 1_000_003, 1 + (shapeSeed >>> 20) % 4, 1 + shapeSeed % 70));
    }

    private static void resizeThenDrain(
        final int sizeLog2, final int cons, final int fillSeed, final int readBeforeSeed, final int doublings,
        final int room)
    {
        final int size = 1 << sizeLog2;
        final int newSize = size << doublings;
        final int fill = fillSeed % (size + 1);
        final int readBefore = readBeforeSeed % (fill + 1);
        final UnsafeBuffer buffer = new UnsafeBuffer(ByteBuffer.allocateDirect(requiredLength(newSize)));
        try (PortRing ring = PortRing.format(buffer, size, newSize, ReaderWaiting.SPIN))
        {
            PortRingResizeTest.place(buffer, size, cons);
            for (int i = 0; i < fill; i++)
            {
                assertTrue(ring.offer(i));
            }
            final int[] dst = new int[room];
            int expected = 0;
            while (expected < readBefore)
            {
                final int n = ring.read(dst, 0, Math.min(room, readBefore - expected));
                expected = check(dst, n, expected);
            }
            ring.resize(newSize);
            assertEquals(newSize, ring.capacity());
            assertEquals(fill - readBefore, ring.size(), "resize keeps every unread port");
            int port = fill;
            while (ring.size() < newSize)
            {
                assertTrue(ring.offer(port++));
            }
            assertEquals(newSize, port - readBefore, "exactly the new capacity fits");
            assertFalse(ring.overflowed());
            int n;
            while ((n = ring.read(dst, 0, room)) > 0)
            {
                expected = check(dst, n, expected);
            }
            assertEquals(port, expected, "every port came out");
            assertEquals(cons + port, ring.consumerIndex());
        }
    }

    private static int check(final int[] dst, final int n, final int expected)
    {
        for (int i = 0; i < n; i++)
        {
            assertEquals(expected + i, dst[i]);
        }
        return expected + n;
    }
}

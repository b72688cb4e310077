package dev.evring.ring;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.lifecycle.AfterProperty;
import net.jqwik.api.lifecycle.BeforeProperty;
import net.openhft.chronicle.core.io.AbstractCloseable;
import org.agrona.concurrent.UnsafeBuffer;

import java.nio.ByteBuffer;

import static dev.evring.ring.PortRingDescriptor.requiredLength;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * R8 as a jqwik property: resize keeps every unread port readable in order for any free-running index
 * (the whole 32-bit range, so indices that cross 2^32), any fill, ports read before the resize, and one
 * or more doublings; the exhaustive check over every offset and fill is {@link PortRingResizeTest}.
 */
final class PortRingResizePropertyTest
{
    @BeforeProperty
    void traceRings()
    {
        AbstractCloseable.enableCloseableTracing();
    }

    @AfterProperty
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
     * Any cons (the whole 32-bit range), any fill, part of it read before the resize, one or more
     * doublings, then the ring filled to its new capacity and drained through a small room: the ports
     * come out in the order they went in, and exactly the new capacity fits.
     */
    @Property(tries = 3000)
    void r8_resizeKeepsOrderForAnyIndicesAndDoublings(
        @ForAll @IntRange(min = 0, max = 10) final int sizeLog2,
        @ForAll final int cons,
        @ForAll @IntRange(min = 0, max = Integer.MAX_VALUE) final int fillSeed,
        @ForAll @IntRange(min = 0, max = Integer.MAX_VALUE) final int readBeforeSeed,
        @ForAll @IntRange(min = 1, max = 4) final int doublings,
        @ForAll @IntRange(min = 1, max = 70) final int room)
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

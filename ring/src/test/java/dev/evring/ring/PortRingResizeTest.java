package dev.evring.ring;

import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

import java.nio.ByteBuffer;
import java.util.concurrent.TimeUnit;

import static dev.evring.ring.PortRingDescriptor.CONS_OFFSET;
import static dev.evring.ring.PortRingDescriptor.PROD_OFFSET;
import static dev.evring.ring.PortRingDescriptor.PRODUCER_OWNER_OFFSET;
import static dev.evring.ring.PortRingDescriptor.SIZE_OFFSET;
import static dev.evring.ring.PortRingDescriptor.requiredLength;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * R8: resize keeps every unread port readable in order, for every cons offset and every fill level from
 * empty to full, wrapped or not, exhaustively for the sizes the evtchn device uses (the property over
 * any free-running index and several doublings is {@link PortRingResizePropertyTest}).
 *
 * <p>A ring's state is its shared memory: a test places {@code prod} and {@code cons} by writing the
 * layout's index fields while the ring is quiet, exactly the state a ring reaches after that many ports,
 * so one buffer serves a million configurations.
 */
@ExtendWith(RingLeakCheck.class)
final class PortRingResizeTest
{
    private static final int[] EXHAUSTIVE_SIZES = { 64, 128, 256, 512, 1024 };

    @Test
    @Timeout(value = 180, unit = TimeUnit.SECONDS)
    void r8_resizeKeepsOrderAtEveryOffset()
    {
        int next = 0;
        for (final int size : EXHAUSTIVE_SIZES)
        {
            final UnsafeBuffer buffer = new UnsafeBuffer(ByteBuffer.allocateDirect(requiredLength(size << 1)));
            try (PortRing ring = PortRing.format(buffer, size, size << 1, ReaderWaiting.SPIN))
            {
                final int[] out = new int[(size << 1) + 1];
                // lap 0: cons in the first half of the doubled ring; lap -1: cons in the second half, and
                // the free-running indices cross 2^32 whenever the live range wraps
                for (final int lap : new int[]{ 0, -1 })
                {
                    for (int consOffset = 0; consOffset < size; consOffset++)
                    {
                        for (int fill = 0; fill <= size; fill++)
                        {
                            place(buffer, size, lap * size + consOffset);
                            final int first = next;
                            for (int i = 0; i < fill; i++)
                            {
                                if (!ring.offer(next++))
                                {
                                    fail("size " + size + " offset " + consOffset + ": offer " + i + " of " + fill);
                                }
                            }
                            ring.resize(size << 1);
                            if (!ring.offer(next++))
                            {
                                fail("size " + size + " offset " + consOffset + " fill " + fill + ": no room after");
                            }
                            final int n = ring.read(out, 0, out.length);
                            if (n != fill + 1)
                            {
                                fail("size " + size + " lap " + lap + " offset " + consOffset + " fill " + fill
                                    + ": read " + n + " ports");
                            }
                            for (int i = 0; i < n; i++)
                            {
                                if (out[i] != first + i)
                                {
                                    fail("size " + size + " lap " + lap + " offset " + consOffset + " fill " + fill
                                        + ": port " + i + " is " + out[i] + ", expected " + (first + i));
                                }
                            }
                        }
                    }
                }
                assertEquals(size << 1, ring.capacity());
                assertTrue(ring.isEmpty());
            }
        }
        assertTrue(next > 1_000_000, "covered " + next + " ports");
    }

    /**
     * Put a quiet ring back to capacity {@code size} and empty at the free-running index {@code index}, and
     * clear the producer owner as a producer taking over would find it, so the next offer adopts the index.
     */
    static void place(final UnsafeBuffer buffer, final int size, final int index)
    {
        buffer.putIntVolatile(SIZE_OFFSET, size);
        buffer.putIntVolatile(PROD_OFFSET, index);
        buffer.putLongVolatile(CONS_OFFSET, Integer.toUnsignedLong(index));
        buffer.putLongVolatile(PRODUCER_OWNER_OFFSET, 0);
    }
}

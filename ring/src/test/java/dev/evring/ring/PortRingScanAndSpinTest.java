package dev.evring.ring;

import org.agrona.concurrent.NoOpIdleStrategy;
import org.junit.jupiter.api.Test;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link PortRing#hasUnreadOtherThan(int)}, the scan behind an evtchn handle's "readable" answer, and the
 * spin time a caller gives {@link PortRing#awaitReadable(long, TimeUnit, org.agrona.concurrent.IdleStrategy,
 * DoorbellWaiter, long)} before it sleeps.
 */
class PortRingScanAndSpinTest
{
    private static final int BLANK = 0;

    @Test
    void unreadBlanksDoNotCountAndAPortAnywhereInTheRangeDoes()
    {
        try (PortRing ring = PortRing.allocate(8, 8, ReaderWaiting.SPIN))
        {
            final int[] dst = new int[8];
            assertFalse(ring.hasUnreadOtherThan(BLANK), "empty");
            for (int i = 0; i < 6; i++)
            {
                assertTrue(ring.offer(BLANK));
            }
            assertFalse(ring.hasUnreadOtherThan(BLANK), "only blanks");
            assertEquals(6, ring.read(dst, 0, 8));
            // the live range now wraps past the end of the entries: blanks at 6, 7, 0, 1, a port at 2
            for (int i = 0; i < 4; i++)
            {
                assertTrue(ring.offer(BLANK));
            }
            assertTrue(ring.offer(42));
            assertTrue(ring.hasUnreadOtherThan(BLANK), "a port after the wrap");
            assertEquals(4, ring.read(dst, 0, 4), "the four blanks");
            assertFalse(ring.hasUnreadOtherThan(42), "only 42 is left, and 42 is the blank asked about");
            assertTrue(ring.hasUnreadOtherThan(BLANK), "the port is still unread");
            assertEquals(1, ring.read(dst, 0, 8));
            assertEquals(42, dst[0]);
            assertFalse(ring.hasUnreadOtherThan(BLANK), "all read");
        }
    }

    @Test
    void anOverflowedRingCountsAsHoldingPorts()
    {
        try (PortRing ring = PortRing.allocate(2, 2, ReaderWaiting.SPIN))
        {
            assertTrue(ring.offer(BLANK));
            assertTrue(ring.offer(BLANK));
            assertFalse(ring.offer(BLANK));
            assertTrue(ring.overflowed());
            assertTrue(ring.hasUnreadOtherThan(BLANK), "a read must report the overflow");
        }
    }

    @Test
    void zeroSpinSleepsAtTheFirstEmptyCheckAndALongSpinNeverSleepsBeforeItEnds() throws InterruptedException
    {
        try (PortRing ring = PortRing.allocate(8, 8, ReaderWaiting.DOORBELL))
        {
            final AtomicInteger sleeps = new AtomicInteger();
            final DoorbellWaiter countingWaiter = (mark, timeoutNs) ->
            {
                sleeps.incrementAndGet();
                return false;
            };
            final NoOpIdleStrategy idle = new NoOpIdleStrategy();

            assertFalse(ring.awaitReadable(20, TimeUnit.MILLISECONDS, idle, countingWaiter, 0));
            assertTrue(sleeps.get() > 0, "slept on the doorbell");

            sleeps.set(0);
            assertFalse(ring.awaitReadable(20, TimeUnit.MILLISECONDS, idle, countingWaiter, TimeUnit.HOURS.toNanos(1)));
            assertEquals(0, sleeps.get(), "spun through the whole timeout");

            assertThrows(IllegalArgumentException.class,
                () -> ring.awaitReadable(1, TimeUnit.MILLISECONDS, idle, countingWaiter, -1));
        }
    }
}

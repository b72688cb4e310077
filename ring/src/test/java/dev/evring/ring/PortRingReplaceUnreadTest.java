package dev.evring.ring;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

/**
 * {@link PortRing#replaceUnread(int, int)}: the scrub the evtchn hub runs at unbind (E16) reaches every
 * unread copy, including the one that rides in the producer word for single-port reads, and no read that
 * claims after it returns can see a replaced copy.
 */
@ExtendWith(RingLeakCheck.class)
@Timeout(value = 120, unit = TimeUnit.SECONDS)
final class PortRingReplaceUnreadTest
{
    private static final int SCRUBBED_BASE = 1 << 20;

    @Test
    void replacesEveryUnreadCopyAcrossTheWrapAndLeavesTheRest()
    {
        try (PortRing ring = PortRing.allocate(8, 8, ReaderWaiting.SPIN))
        {
            final int[] dst = new int[8];
            for (int i = 0; i < 6; i++)
            {
                ring.offer(100 + i);
            }
            assertEquals(6, ring.read(dst, 0, 6));
            for (final int port : new int[]{5, 7, 5, 9, 5})
            {
                ring.offer(port); // indices 6..10: wraps past the end of the entries
            }
            assertEquals(3, ring.replaceUnread(5, 0));
            assertEquals(5, ring.read(dst, 0, 8));
            assertArrayEquals(new int[]{0, 7, 0, 9, 0}, java.util.Arrays.copyOf(dst, 5));
        }
    }

    @Test
    void replacesTheSinglePortThatRidesInTheProducerWord()
    {
        try (PortRing ring = PortRing.allocate(64, 64, ReaderWaiting.SPIN))
        {
            final int[] dst = new int[4];
            ring.offer(42);
            assertEquals(0, ring.replaceUnread(7, 0), "another port is left alone");
            assertEquals(1, ring.replaceUnread(42, 0));
            assertEquals(1, ring.read(dst, 0, 4));
            assertEquals(0, dst[0], "a one-port read takes the port from the producer word: it must be scrubbed too");
        }
    }

    @Test
    void aReadRacingTheReplacementNeverClaimsAReplacedCopyAfterItReturns() throws InterruptedException
    {
        try (PortRing ring = PortRing.allocate(1024, 1024, ReaderWaiting.SPIN))
        {
            final AtomicInteger lastScrubbedRound = new AtomicInteger(-1);
            final AtomicBoolean stop = new AtomicBoolean();
            final AtomicReference<String> failure = new AtomicReference<>();
            final Thread reader = new Thread(() ->
            {
                final int[] dst = new int[1024];
                while (!stop.get())
                {
                    final int scrubbedBeforeRead = lastScrubbedRound.get();
                    final int n = ring.read(dst, 0, dst.length);
                    for (int i = 0; i < n; i++)
                    {
                        final int round = dst[i] - SCRUBBED_BASE;
                        if (round >= 0 && round <= scrubbedBeforeRead)
                        {
                            failure.compareAndSet(null, "the port of round " + round + " was read after "
                                + "replaceUnread returned");
                        }
                    }
                }
            });
            reader.start();
            try
            {
                for (int round = 0; round < 20_000 && failure.get() == null; round++)
                {
                    ring.offer(SCRUBBED_BASE + round);
                    ring.offer(round);
                    ring.replaceUnread(SCRUBBED_BASE + round, 0);
                    lastScrubbedRound.set(round);
                    while (!ring.isEmpty())
                    {
                        Thread.onSpinWait();
                    }
                }
            }
            finally
            {
                stop.set(true);
                reader.join(10_000);
            }
            assertNull(failure.get());
        }
    }
}

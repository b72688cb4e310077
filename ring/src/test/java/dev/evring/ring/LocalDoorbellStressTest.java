package dev.evring.ring;

import org.agrona.concurrent.NoOpIdleStrategy;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.Arrays;
import java.util.concurrent.BrokenBarrierException;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.AtomicReferenceArray;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

/**
 * R7 with several sleepers on one {@link LocalDoorbell}: every round, each of N reader threads sleeps on
 * the ring until it has taken exactly one port, and the producer offers N ports in a burst once a random
 * number of them have announced themselves (so the others are anywhere in the sleep protocol: spinning
 * into it, announced but not yet blocked, or blocked). Only the first port of the burst rings (the ring
 * goes from empty to non-empty once); a reader that stays asleep while a port it could take waits in the
 * ring is a lost wake-up, and shows as its wait running out, with the round and the ring's state.
 */
@ExtendWith(RingLeakCheck.class)
@Timeout(value = 120, unit = TimeUnit.SECONDS)
final class LocalDoorbellStressTest
{
    /**
     * A reader's own wait limit. A sleeper that runs into it re-checks the ring and finds its port, so a
     * lost wake-up shows as a wait that lasted about this long.
     */
    private static final long WAIT_LIMIT_S = 5;
    /** Every wake-up must come well before the wait limit, even on a loaded machine. */
    private static final long WAKE_BOUND_NS = TimeUnit.MILLISECONDS.toNanos(2_500);
    /** The bound of each round's barriers: every reader either gets its port or fails first. */
    private static final long ROUND_LIMIT_S = 2 * WAIT_LIMIT_S;
    /** How long the producer waits at most for its chosen number of announced sleepers. */
    private static final long ANNOUNCE_WAIT_NS = TimeUnit.MILLISECONDS.toNanos(1);

    @Test
    void r7_everyOneOfThreeSleepersWakesToABurstOfThreePorts() throws Exception
    {
        burstsWakeEverySleeper(3, 3_000);
    }

    @Test
    void r7_everyOneOfSixSleepersWakesToABurstOfSixPorts() throws Exception
    {
        burstsWakeEverySleeper(6, 1_500);
    }

    private static void burstsWakeEverySleeper(final int readers, final int rounds) throws Exception
    {
        try (PortRing ring = PortRing.allocate(64, 64, ReaderWaiting.DOORBELL))
        {
            final LocalDoorbell bell = new LocalDoorbell();
            ring.doorbell(bell);
            final CyclicBarrier start = new CyclicBarrier(readers + 1);
            final CyclicBarrier end = new CyclicBarrier(readers + 1);
            final AtomicReferenceArray<String> taken = new AtomicReferenceArray<>(readers);
            final AtomicReference<Throwable> failure = new AtomicReference<>();
            final Thread[] threads = new Thread[readers];
            for (int r = 0; r < readers; r++)
            {
                final int reader = r;
                threads[r] = new Thread(() -> readOnePortPerRound(ring, bell, rounds, start, end, reader, taken, failure),
                    "r7-sleeper-" + r);
                threads[r].setDaemon(true);
                threads[r].start();
            }
            try
            {
                for (int round = 0; round < rounds && failure.get() == null; round++)
                {
                    start.await(ROUND_LIMIT_S, TimeUnit.SECONDS);
                    awaitAnnouncedSleepers(ring, ThreadLocalRandom.current().nextInt(readers + 1));
                    for (int p = 1; p <= readers; p++)
                    {
                        assertEquals(true, ring.offer(round * readers + p), "round " + round + ": the ring has room");
                    }
                    end.await(ROUND_LIMIT_S, TimeUnit.SECONDS);
                    assertEquals(0, ring.size(), "round " + round + ": every port was taken");
                }
            }
            catch (final BrokenBarrierException | TimeoutException ex)
            {
                // a reader failed (its report follows) or hangs: the ring's state says which
                failure.compareAndSet(null, new AssertionError("a round did not end: " + state(ring, taken), ex));
            }
            finally
            {
                start.reset();
                end.reset();
                for (final Thread thread : threads)
                {
                    thread.interrupt();
                    thread.join(TimeUnit.SECONDS.toMillis(ROUND_LIMIT_S));
                }
            }
            assertNull(failure.get(), () -> String.valueOf(failure.get()));
        }
    }

    /**
     * Spin until {@code target} readers have announced themselves asleep, for at most
     * {@link #ANNOUNCE_WAIT_NS}: the burst then lands while the rest are still on their way into the sleep.
     */
    private static void awaitAnnouncedSleepers(final PortRing ring, final int target)
    {
        final long deadline = System.nanoTime() + ANNOUNCE_WAIT_NS;
        while (ring.sleepers() < target && System.nanoTime() - deadline < 0)
        {
            Thread.onSpinWait();
        }
    }

    private static void readOnePortPerRound(final PortRing ring, final DoorbellWaiter bell, final int rounds,
        final CyclicBarrier start, final CyclicBarrier end, final int reader, final AtomicReferenceArray<String> taken,
        final AtomicReference<Throwable> failure)
    {
        try
        {
            for (int round = 0; round < rounds; round++)
            {
                start.await(ROUND_LIMIT_S, TimeUnit.SECONDS);
                taken.set(reader, "asleep in round " + round);
                long port = PortRing.NONE;
                while (port == PortRing.NONE)
                {
                    final long asleep = System.nanoTime();
                    final boolean readable =
                        ring.awaitReadable(WAIT_LIMIT_S, TimeUnit.SECONDS, NoOpIdleStrategy.INSTANCE, bell, 0);
                    final long sleptNs = System.nanoTime() - asleep;
                    if (!readable || sleptNs > WAKE_BOUND_NS)
                    {
                        throw new AssertionError("round " + round + ": reader " + reader + " was not woken; it slept "
                            + TimeUnit.NANOSECONDS.toMillis(sleptNs) + " ms and found the ring "
                            + (readable ? "readable" : "empty") + ": " + state(ring, taken));
                    }
                    port = ring.readOne();
                }
                taken.set(reader, "took " + port + " in round " + round);
                end.await(ROUND_LIMIT_S, TimeUnit.SECONDS);
            }
        }
        catch (final InterruptedException | BrokenBarrierException ex)
        {
            // the round ended without it: the failure that broke it is reported
        }
        catch (final Throwable ex)
        {
            failure.compareAndSet(null, ex);
            start.reset();
            end.reset();
        }
    }

    private static String state(final PortRing ring, final AtomicReferenceArray<String> taken)
    {
        final String[] readers = new String[taken.length()];
        Arrays.setAll(readers, taken::get);
        return "prod " + ring.producerIndex() + ", cons " + ring.consumerIndex() + ", unread " + ring.size()
            + ", sleepers " + ring.sleepers() + ", rings " + ring.wakeups() + ", readers " + Arrays.toString(readers);
    }
}

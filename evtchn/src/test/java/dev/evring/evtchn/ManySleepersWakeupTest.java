package dev.evring.evtchn;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
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
 * E8 and R7 with three and more threads asleep in {@link Evtchn#awaitPending} on one handle (in-process
 * handles, which sleep on the handle's local doorbell, and remote ones, where one thread sleeps on the
 * doorbell socket and the rest on the local doorbell it rings), and on several handles at once. Every
 * round each thread takes exactly one port, and a sender fires one port per thread in a burst at a random
 * moment, so the threads are anywhere on their way into the sleep when it lands; only the burst's first
 * port rings (the ring goes from empty to non-empty once). A thread left asleep beside a port nobody else
 * will read is a lost wake-up: it shows as a wait far longer than any wake-up takes, with the round and
 * what every thread took.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
final class ManySleepersWakeupTest
{
    /** A thread's own wait limit: one that runs into it found no port (or, woken late, a port). */
    private static final long WAIT_LIMIT_MS = 5_000;
    /** Every wake-up must come well before the wait limit, even on a loaded machine. */
    private static final long WAKE_BOUND_MS = 2_500;
    /** The bound of each round's barriers: every thread either gets its port or fails first. */
    private static final long ROUND_LIMIT_MS = 2 * WAIT_LIMIT_MS;
    /** The longest the sender waits before the burst, so that the threads are caught at every stage. */
    private static final long MAX_BURST_DELAY_NS = TimeUnit.MICROSECONDS.toNanos(200);
    /** Threads go to sleep at once rather than spinning first. */
    private static final HandleOptions SLEEP_AT_ONCE =
        HandleOptions.defaults().spinBeforeSleep(Duration.ZERO).ringLinger(Duration.ZERO);

    @TempDir
    Path dir;

    @Test
    void e8_threeThreadsAsleepOnOneLocalHandleAllWake() throws Exception
    {
        burstsWakeEveryThread(1, 3, 5_000, hub -> hub.openLocal(SLEEP_AT_ONCE));
    }

    @Test
    void e8_sixThreadsAsleepOnOneLocalHandleAllWake() throws Exception
    {
        burstsWakeEveryThread(1, 6, 3_000, hub -> hub.openLocal(SLEEP_AT_ONCE));
    }

    @Test
    void e8_threeThreadsAsleepOnEachOfTwoLocalHandlesAllWake() throws Exception
    {
        burstsWakeEveryThread(2, 3, 3_000, hub -> hub.openLocal(SLEEP_AT_ONCE));
    }

    @Test
    void e8_threeThreadsAsleepOnOneRemoteHandleAllWake() throws Exception
    {
        burstsWakeEveryThread(1, 3, 5_000, hub -> SeparateDomains.open(hub.directory(), SLEEP_AT_ONCE));
    }

    @Test
    void e8_fiveThreadsAsleepOnOneRemoteHandleAllWake() throws Exception
    {
        burstsWakeEveryThread(1, 5, 3_000, hub -> SeparateDomains.open(hub.directory(), SLEEP_AT_ONCE));
    }

    /**
     * {@code rounds} rounds of {@code threadsPerHandle} threads asleep on each of {@code handles} handles,
     * each woken by a burst of one port per thread from a sender in another domain.
     */
    private void burstsWakeEveryThread(final int handles, final int threadsPerHandle, final int rounds,
        final Opener opener) throws Exception
    {
        try (EvtchnHub hub = EvtchnHub.start(HubConfig.directory(dir.resolve("hub")));
             Evtchn sender = SeparateDomains.open(hub.directory()))
        {
            final List<Evtchn> sleepers = new ArrayList<>();
            try
            {
                for (int h = 0; h < handles; h++)
                {
                    sleepers.add(opener.open(hub));
                }
                final Burst burst = new Burst(sender, sleepers, threadsPerHandle);
                burst.run(rounds);
            }
            finally
            {
                for (final Evtchn handle : sleepers)
                {
                    handle.close();
                }
            }
        }
    }

    interface Opener
    {
        Evtchn open(EvtchnHub hub) throws Exception;
    }

    /**
     * The rounds: per handle, one interdomain port per thread, bound from the sender.
     */
    private static final class Burst
    {
        private final Evtchn sender;
        private final List<Evtchn> sleepers;
        private final int threadsPerHandle;
        private final int threads;
        private final int[] from;
        private final int[] to;
        private final CyclicBarrier start;
        private final CyclicBarrier end;
        private final AtomicReferenceArray<String> took;
        private final int[] taken;
        private final AtomicReference<Throwable> failure = new AtomicReference<>();

        Burst(final Evtchn sender, final List<Evtchn> sleepers, final int threadsPerHandle) throws Exception
        {
            this.sender = sender;
            this.sleepers = sleepers;
            this.threadsPerHandle = threadsPerHandle;
            this.threads = sleepers.size() * threadsPerHandle;
            this.from = new int[threads];
            this.to = new int[threads];
            this.start = new CyclicBarrier(threads + 1);
            this.end = new CyclicBarrier(threads + 1);
            this.took = new AtomicReferenceArray<>(threads);
            this.taken = new int[threads];
            for (int t = 0; t < threads; t++)
            {
                final Evtchn handle = handleOf(t);
                from[t] = sender.bindUnboundPort(handle.domid());
                to[t] = handle.bindInterdomain(sender.domid(), from[t]);
                assertEquals(to[t], handle.awaitPending(WAIT_LIMIT_MS, TimeUnit.MILLISECONDS), "the bind's own event");
                handle.unmask(to[t]);
            }
        }

        private Evtchn handleOf(final int thread)
        {
            return sleepers.get(thread / threadsPerHandle);
        }

        void run(final int rounds) throws Exception
        {
            final Thread[] sleeping = new Thread[threads];
            for (int t = 0; t < threads; t++)
            {
                final int thread = t;
                sleeping[t] = new Thread(() -> takeOnePortPerRound(thread, rounds), "e8-sleeper-" + t);
                sleeping[t].setDaemon(true);
                sleeping[t].start();
            }
            try
            {
                for (int round = 0; round < rounds && failure.get() == null; round++)
                {
                    start.await(ROUND_LIMIT_MS, TimeUnit.MILLISECONDS);
                    spinFor(ThreadLocalRandom.current().nextLong(MAX_BURST_DELAY_NS));
                    for (int t = 0; t < threads; t++)
                    {
                        sender.notify(from[t]);
                    }
                    end.await(ROUND_LIMIT_MS, TimeUnit.MILLISECONDS);
                    checkEveryPortTakenOnce(round);
                }
            }
            catch (final BrokenBarrierException | TimeoutException ex)
            {
                failure.compareAndSet(null, new AssertionError("a round did not end: " + state(), ex));
            }
            finally
            {
                start.reset();
                end.reset();
                for (final Thread thread : sleeping)
                {
                    thread.interrupt();
                    thread.join(ROUND_LIMIT_MS);
                }
            }
            assertNull(failure.get(), () -> String.valueOf(failure.get()));
        }

        /**
         * Each thread took one port of its own handle; unmask them all for the next round.
         */
        private void checkEveryPortTakenOnce(final int round) throws EvtchnException
        {
            for (int h = 0; h < sleepers.size(); h++)
            {
                final int first = h * threadsPerHandle;
                final int[] expected = Arrays.copyOfRange(to, first, first + threadsPerHandle);
                final int[] got = Arrays.copyOfRange(taken, first, first + threadsPerHandle);
                Arrays.sort(expected);
                Arrays.sort(got);
                assertEquals(Arrays.toString(expected), Arrays.toString(got), "round " + round + ", handle " + h
                    + ": each port went to one thread");
            }
            for (int t = 0; t < threads; t++)
            {
                handleOf(t).unmask(to[t]);
            }
        }

        private void takeOnePortPerRound(final int thread, final int rounds)
        {
            final Evtchn handle = handleOf(thread);
            try
            {
                for (int round = 0; round < rounds; round++)
                {
                    start.await(ROUND_LIMIT_MS, TimeUnit.MILLISECONDS);
                    took.set(thread, "asleep in round " + round);
                    final long asleep = System.nanoTime();
                    final int port = handle.awaitPending(WAIT_LIMIT_MS, TimeUnit.MILLISECONDS);
                    final long sleptMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - asleep);
                    if (port < 0 || sleptMs > WAKE_BOUND_MS)
                    {
                        throw new AssertionError("round " + round + ": thread " + thread + " was not woken; it slept "
                            + sleptMs + " ms and then " + (port < 0 ? "found no port" : "found port " + port) + ": "
                            + state());
                    }
                    taken[thread] = port;
                    took.set(thread, "took " + port + " in round " + round);
                    end.await(ROUND_LIMIT_MS, TimeUnit.MILLISECONDS);
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

        private String state()
        {
            final String[] threadsTook = new String[threads];
            Arrays.setAll(threadsTook, took::get);
            final StringBuilder handles = new StringBuilder();
            for (final Evtchn handle : sleepers)
            {
                handles.append(" poll mask ").append(pollMask(handle)).append(';');
            }
            return "ports " + Arrays.toString(to) + ", handles" + handles + " threads " + Arrays.toString(threadsTook);
        }

        private static String pollMask(final Evtchn handle)
        {
            try
            {
                return Integer.toString(handle.pollMask());
            }
            catch (final EvtchnException ex)
            {
                return ex.getMessage();
            }
        }

        private static void spinFor(final long ns)
        {
            final long until = System.nanoTime() + ns;
            while (System.nanoTime() - until < 0)
            {
                Thread.onSpinWait();
            }
        }
    }
}

package dev.evring.evtchn;

import dev.evring.ring.PortRing;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * H6 (with R7 and E8): a thread asleep in {@link Evtchn#awaitPending} is woken by the first port of its
 * handle even when the handle had no ring yet when it fell asleep (the ring is made by another thread's
 * first bind, which leaves the new interdomain port pending), and by ports that land after the ring grew
 * or was reset while it slept. Remote handles (over the hub's socket) and in-process handles, many
 * iterations each, every wake-up within a bound far below the sleeper's own timeout.
 */
@Timeout(value = 240, unit = TimeUnit.SECONDS)
final class LostWakeupTest
{
    private static final int ITERATIONS = 1_000;
    private static final int GROWTH_ITERATIONS = 100;
    /** The sleeper's own timeout: a lost wake-up shows as a sleeper that returns -1 after it. */
    private static final long SLEEPER_TIMEOUT_MS = 5_000;
    /** Every wake-up must come well before that timeout, even on a loaded machine. */
    private static final long WAKE_BOUND_MS = 2_500;
    /** Sleepers spin this long before they sleep: short, so that most iterations find them asleep. */
    private static final HandleOptions QUICK_SLEEPER =
        HandleOptions.defaults().spinBeforeSleep(Duration.ZERO).ringLinger(Duration.ZERO);

    @TempDir
    Path dir;

    @Test
    void h6_remoteSleeperBeforeTheFirstBindIsWokenByThePendingPortOfAnotherThreadsBind() throws Exception
    {
        firstBindsWakeSleepers(hub -> SeparateDomains.open(hub.directory(), QUICK_SLEEPER));
    }

    @Test
    void h6_localSleeperBeforeTheFirstBindIsWokenByThePendingPortOfAnotherThreadsBind() throws Exception
    {
        firstBindsWakeSleepers(hub -> hub.openLocal(QUICK_SLEEPER));
    }

    /**
     * {@link #ITERATIONS} new handles, each with a thread asleep in awaitPending before the handle's first
     * bind, which connects to a port of the hub's own domain and so leaves the new port pending.
     */
    private void firstBindsWakeSleepers(final Opener opener) throws Exception
    {
        try (EvtchnHub hub = EvtchnHub.start(HubConfig.directory(dir.resolve("hub")));
             Evtchn peer = hub.openLocal())
        {
            for (int i = 0; i < ITERATIONS; i++)
            {
                try (Evtchn handle = opener.open(hub))
                {
                    final int unbound = peer.bindUnboundPort(handle.domid());
                    firstBindWakesSleeper(handle, () -> handle.bindInterdomain(peer.domid(), unbound), i);
                    peer.unbind(unbound);
                }
            }
        }
    }

    @Test
    void h6_remoteSleeperIsWokenByPortsThatLandAsTheRingGrowsAndAfterAReset() throws Exception
    {
        try (EvtchnHub hub = EvtchnHub.start(HubConfig.directory(dir.resolve("hub")));
             Evtchn peer = hub.openLocal())
        {
            for (int i = 0; i < GROWTH_ITERATIONS; i++)
            {
                try (Evtchn handle = SeparateDomains.open(hub.directory(), QUICK_SLEEPER))
                {
                    for (int k = 0; k < PortRing.DEFAULT_INITIAL_CAPACITY; k++)
                    {
                        handle.bindUnboundPort(0);
                    }
                    assertEquals(PortRing.DEFAULT_INITIAL_CAPACITY, handle.ringCapacity());
                    final int unbound = peer.bindUnboundPort(handle.domid());
                    final int port = firstBindWakesSleeper(handle, () -> handle.bindInterdomain(0, unbound), i);
                    assertEquals(2 * PortRing.DEFAULT_INITIAL_CAPACITY, handle.ringCapacity(), "the bind grew the ring");

                    final Sleeper sleeper = new Sleeper(handle);
                    Conditions.await("the sleeper is asleep", () -> Conditions.asleep(sleeper.thread));
                    handle.reset();
                    peer.notify(unbound);
                    sleeper.fired();
                    final String what = "iteration " + i + ", a port fired after a reset";
                    assertEquals(port, sleeper.result(what), what);
                    peer.unbind(unbound);
                }
            }
        }
    }

    interface Opener
    {
        Evtchn open(EvtchnHub hub) throws Exception;
    }

    interface Bind
    {
        int bind() throws Exception;
    }

    /**
     * A thread asleep in {@link Evtchn#awaitPending} on a handle.
     */
    private static final class Sleeper
    {
        final CompletableFuture<Integer> port = new CompletableFuture<>();
        final Thread thread;
        private long sinceNs;

        Sleeper(final Evtchn handle)
        {
            thread = new Thread(() ->
            {
                try
                {
                    port.complete(handle.awaitPending(SLEEPER_TIMEOUT_MS, TimeUnit.MILLISECONDS));
                }
                catch (final Throwable ex)
                {
                    port.completeExceptionally(ex);
                }
            }, "h6-sleeper");
            thread.setDaemon(true);
            thread.start();
        }

        /**
         * Start the clock: the event the sleeper waits for has happened.
         */
        void fired()
        {
            sinceNs = System.nanoTime();
        }

        /**
         * The port the sleeper returned, which it must return within {@link #WAKE_BOUND_MS} of
         * {@link #fired()} (a lost wake-up shows as a sleeper that only looks again at its own timeout).
         */
        int result(final String what) throws Exception
        {
            final int result = port.get(2 * SLEEPER_TIMEOUT_MS, TimeUnit.MILLISECONDS);
            final long tookMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - sinceNs);
            assertTrue(tookMs < WAKE_BOUND_MS, what + ": the sleeper returned " + result + " only after " + tookMs + " ms");
            thread.join();
            return result;
        }
    }

    /**
     * Put a thread to sleep in awaitPending on a handle, bind from this thread, and check the sleeper
     * returns the new port (left pending by the bind) in time.
     *
     * @return the bound port.
     */
    private static int firstBindWakesSleeper(final Evtchn handle, final Bind bind, final int iteration) throws Exception
    {
        final Sleeper sleeper = new Sleeper(handle);
        if (iteration % 4 != 0) // every fourth bind races with the sleeper falling asleep
        {
            Conditions.await("the sleeper is asleep", () -> Conditions.asleep(sleeper.thread));
        }
        final int port = bind.bind();
        sleeper.fired();
        final String what = "iteration " + iteration + ", the first bind";
        assertEquals(port, sleeper.result(what), what);
        handle.unmask(port);
        return port;
    }
}

package dev.evring.bench.mechanism;

import dev.evring.bench.harness.Measurement;
import dev.evring.bench.harness.Peer;
import dev.evring.bench.harness.PeerFailure;
import dev.evring.bench.harness.RoundTrips;
import dev.evring.bench.harness.RunPlan;
import dev.evring.bench.harness.Watchdog;
import dev.evring.evtchn.Evtchn;
import dev.evring.evtchn.EvtchnHub;
import dev.evring.evtchn.HandleOptions;
import dev.evring.evtchn.HubConfig;
import dev.evring.evtchn.HubCounter;
import dev.evring.evtchn.RequestPolling;
import org.agrona.concurrent.BusySpinIdleStrategy;
import org.agrona.concurrent.IdleStrategy;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.YieldingIdleStrategy;

import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Supplier;

/**
 * Round trips through an event channel. Peer A embeds the {@link EvtchnHub} and holds domain 0 through a
 * local handle; peer B opens a remote {@link Evtchn} handle on the hub's socket, and the two ends are bound
 * interdomain. A notifies its port (the hub writes B's port into B's event ring), B takes it with
 * {@link Evtchn#pending()} and answers with {@link Evtchn#unmaskAndNotify(int)} (unmask and notify in one
 * word of B's request ring), the hub applies it and writes A's port into A's ring, and A takes it. A
 * unmasks it with the next ping, with {@code unmaskAndNotify} too (one hold of the hub's lock): each side
 * answers on the channel it was pinged on, the way a responder would.
 *
 * <p>Who applies B's words: with {@link RequestPolling#INVOKER} the hub has no request thread and A's own
 * thread does it, each time its {@code pending()} finds A's ring empty (two spinning threads in all, one
 * per peer); with {@link RequestPolling#POLLER_THREAD} the hub's request thread does it (three).
 *
 * <p>Spinning, B polls {@code pending()}. Blocking, B waits in {@link Evtchn#awaitPending} with no spin
 * before sleep, and A pauses {@value #SLEEP_GAP_US} microseconds (untimed) before each ping: B is asleep
 * when it comes, and every round trip includes a doorbell wake-up through the socket. A checks the hub's
 * wake-up counter at the end, so a run where B did not sleep fails instead of reporting a spinning
 * figure. A hub request thread busy-spins when peer A has a CPU for it and A's own thread; pinned to one
 * CPU, the two yield to each other instead (two spinning threads on one CPU would take turns a scheduler
 * slice at a time).
 */
public final class EvtchnPingPong extends AbstractMechanism
{
    private static final int RESPONDER_DOMID = 0;
    private static final int INITIATOR_PORT = 128;
    private static final int HUB_READY = 256;
    private static final int RESPONDER_BOUND = 384;
    private static final int STOP = 512;
    private static final String HUB = "hub";
    private static final Duration HUB_TIMEOUT = Duration.ofSeconds(30);
    private static final long AWAIT_SLICE_MS = 100;
    /** How long A pauses before each ping of the sleeping variant, so that B is asleep when it arrives. */
    public static final long SLEEP_GAP_US = 20;
    private static final long SLEEP_GAP_NS = TimeUnit.MICROSECONDS.toNanos(SLEEP_GAP_US);
    /**
     * The share of pings, warm-up included, that must find B asleep (each costs the hub one wake-up). A
     * quick bench finds 99.9%; a tiny run on a loaded, unpinned machine (the harness's own tests) about
     * 98.7%. Pings that find B awake are the fastest, so at 95% the p50 reported is at most the sleeping
     * round trips' p47.
     */
    private static final int MIN_ASLEEP_PERCENT = 95;

    private final boolean blocking;
    private final RequestPolling polling;

    /**
     * An event-channel ping-pong.
     *
     * @param name     the mechanism's name.
     * @param blocking true: the consumer sleeps on the doorbell; false: it spins on {@code pending()}.
     * @param polling  who applies the consumer's requests at the hub: its request thread, or A's thread.
     */
    public EvtchnPingPong(final String name, final boolean blocking, final RequestPolling polling)
    {
        super(name, describe(polling, blocking), false, RegionFlags.SETUP_PAGE);
        this.blocking = blocking;
        this.polling = polling;
    }

    private static String describe(final RequestPolling polling, final boolean blocking)
    {
        return (polling == RequestPolling.INVOKER
            ? "hub in A in invoker mode (A's pending() applies B's requests, no hub thread)"
            : "hub in A with its request-poller thread")
            + " notifies B's handle, B " + (blocking ? "asleep on the doorbell at each ping (A pauses " + SLEEP_GAP_US
            + " us between)" : "spins on pending()") + ", answers with unmaskAndNotify (one request word) to A's local "
            + "handle, which pings again with unmaskAndNotify";
    }

    /**
     * The spinning variant spins in both peers; in the blocking one B sleeps and A pauses between pings.
     *
     * @return false for {@code evtchn-blocking}.
     */
    @Override
    public boolean peersSpin()
    {
        return !blocking;
    }

    /**
     * {@inheritDoc}
     */
    @Override
    public Measurement initiate(final Peer peer) throws Exception
    {
        final RunPlan plan = peer.plan();
        final Watchdog watchdog = peer.watchdog();
        final UnsafeBuffer region = peer.control().region();
        final boolean invoker = polling == RequestPolling.INVOKER;
        // A spins unless a hub request thread would share its only CPU (an invoker hub has none)
        final boolean spin = invoker || Runtime.getRuntime().availableProcessors() >= 2;
        final Supplier<IdleStrategy> idle = spin ? BusySpinIdleStrategy::new : YieldingIdleStrategy::new;
        final RoundTrips trips = new RoundTrips(plan.warmupRoundTrips(), plan.roundTrips(), plan.phaseCapMs());
        final HubConfig config = HubConfig.directory(peer.directory().resolve(HUB)).requestPolling(polling)
            .idleStrategy(idle);
        try (EvtchnHub hub = EvtchnHub.start(config);
            Evtchn dom0 = hub.openLocal(HandleOptions.defaults().idleStrategy(idle)))
        {
            region.putIntRelease(HUB_READY, 1); // release: the hub's files exist before B looks for them
            final int remoteDomid = RegionFlags.awaitNonZero(region, RESPONDER_DOMID, watchdog) - 1;
            final int port = dom0.bindUnboundPort(remoteDomid);
            region.putIntRelease(INITIATOR_PORT, port); // release: the port is allocated before B binds to it
            RegionFlags.awaitNonZero(region, RESPONDER_BOUND, watchdog);
            final long wakeupsBefore = hub.counter(HubCounter.WAKEUPS);
            long exchanges = 1; // the stop below
            for (long i = 0; trips.more(i); i++, exchanges++)
            {
                if (blocking)
                {
                    LockSupport.parkNanos(SLEEP_GAP_NS);
                }
                final long start = System.nanoTime();
                exchange(dom0, port, spin, watchdog);
                trips.record(i, start, System.nanoTime());
            }
            region.putIntRelease(STOP, 1); // release: B sees the stop once it has the last event
            exchange(dom0, port, spin, watchdog);
            final long wakeups = hub.counter(HubCounter.WAKEUPS) - wakeupsBefore;
            if (blocking && wakeups * 100 < exchanges * MIN_ASLEEP_PERCENT)
            {
                throw new PeerFailure(name() + ": the consumer was asleep at only " + wakeups + " of " + exchanges
                    + " pings (hub wake-ups), under " + MIN_ASLEEP_PERCENT + "%: this run did not measure a sleeping "
                    + "consumer");
            }
        }
        return Measurement.roundTrips(trips.histogram());
    }

    private void exchange(final Evtchn dom0, final int port, final boolean spin, final Watchdog watchdog)
        throws IOException
    {
        dom0.unmaskAndNotify(port); // unmasks the port the last exchange took (the first finds it unmasked)
        long spins = 0;
        int fired;
        while ((fired = dom0.pending()) < 0) // with an invoker hub, an empty pending() applies B's posted words
        {
            if (spin)
            {
                Thread.onSpinWait();
            }
            else
            {
                Thread.yield(); // the hub's request thread shares this CPU
            }
            if ((++spins & Watchdog.CHECK_MASK) == 0)
            {
                watchdog.check();
            }
        }
        if (fired != port)
        {
            throw new PeerFailure(name() + ": notified back on port " + fired + ", expected " + port);
        }
    }

    /**
     * {@inheritDoc}
     */
    @Override
    public void respond(final Peer peer) throws Exception
    {
        final Watchdog watchdog = peer.watchdog();
        final UnsafeBuffer region = peer.control().region();
        RegionFlags.awaitNonZero(region, HUB_READY, watchdog);
        final HandleOptions options = blocking
            ? HandleOptions.defaults().spinBeforeSleep(Duration.ZERO).hubTimeout(HUB_TIMEOUT)
            : HandleOptions.defaults().idleStrategy(BusySpinIdleStrategy::new).hubTimeout(HUB_TIMEOUT);
        try (Evtchn xce = Evtchn.open(peer.directory().resolve(HUB), options))
        {
            region.putIntRelease(RESPONDER_DOMID, xce.domid() + 1);
            final int remotePort = RegionFlags.awaitNonZero(region, INITIATOR_PORT, watchdog);
            final int port = xce.bindInterdomain(EvtchnHub.HUB_DOMID, remotePort);
            drainBindEvent(name(), xce, port);
            region.putIntRelease(RESPONDER_BOUND, 1);
            boolean stop;
            do
            {
                final int fired = blocking ? await(xce, watchdog) : spin(xce, watchdog);
                if (fired != port)
                {
                    throw new PeerFailure(name() + ": fired port " + fired + ", bound " + port);
                }
                // read before echoing: A sets the stop only before its last notify, after this echo's wait
                stop = region.getIntAcquire(STOP) != 0; // acquire: pairs with A's release of the stop
                xce.unmaskAndNotify(port); // unmask + notify, one request word
            }
            while (!stop);
        }
    }

    /**
     * Like Xen, a new interdomain channel starts with its local end pending, and the hub puts that event in
     * the ring before the bind returns: take it, so that A's first ping is the first event B answers.
     *
     * @param name the mechanism, for the error.
     * @param xce  the handle that bound the port.
     * @param port the new port.
     * @throws IOException if the handle fails.
     */
    static void drainBindEvent(final String name, final Evtchn xce, final int port) throws IOException
    {
        int fired;
        while ((fired = xce.pending()) >= 0)
        {
            if (fired != port)
            {
                throw new PeerFailure(name + ": port " + fired + " fired before the first ping");
            }
            xce.unmask(fired);
        }
    }

    private static int spin(final Evtchn xce, final Watchdog watchdog) throws IOException
    {
        long spins = 0;
        int fired;
        while ((fired = xce.pending()) < 0)
        {
            Thread.onSpinWait();
            if ((++spins & Watchdog.CHECK_MASK) == 0)
            {
                watchdog.check();
            }
        }
        return fired;
    }

    private static int await(final Evtchn xce, final Watchdog watchdog) throws IOException, InterruptedException
    {
        int fired;
        while ((fired = xce.awaitPending(AWAIT_SLICE_MS, TimeUnit.MILLISECONDS)) < 0)
        {
            watchdog.check();
        }
        return fired;
    }

}

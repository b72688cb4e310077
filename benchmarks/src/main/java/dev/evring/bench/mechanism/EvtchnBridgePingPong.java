package dev.evring.bench.mechanism;

import dev.evring.bench.harness.Measurement;
import dev.evring.bench.harness.Peer;
import dev.evring.bench.harness.PeerFailure;
import dev.evring.bench.harness.RoundTrips;
import dev.evring.bench.harness.RunPlan;
import dev.evring.bench.harness.Watchdog;
import dev.evring.bridge.BridgeConfig;
import dev.evring.bridge.BridgeKey;
import dev.evring.bridge.EvtchnBridge;
import dev.evring.evtchn.Evtchn;
import dev.evring.evtchn.EvtchnHub;
import dev.evring.evtchn.HandleOptions;
import dev.evring.evtchn.HubConfig;
import dev.evring.evtchn.RequestPolling;
import org.agrona.concurrent.BusySpinIdleStrategy;
import org.agrona.concurrent.IdleStrategy;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.YieldingIdleStrategy;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.function.Supplier;

/**
 * Round trips through an event channel across hosts: each peer embeds a hub and an {@link EvtchnBridge}
 * (hub {@code a} in A, hub {@code b} in B, bridged over UDP loopback with a key file made for the run), and
 * holds domain 0 of its hub through a local handle. A binds an unbound port for b's domain 0, B binds to it
 * with {@code bindInterdomain}; A pings with {@code unmaskAndNotify}, A's bridge sends a NOTIFY, B's bridge
 * fires B's port, B takes it with {@code pending()} and answers the same way.
 *
 * <p>Each bridge runs its embedded media driver in invoker mode inside its own duty cycle (the bridge's
 * default), so each JVM has two threads at work: the peer's and the bridge's. Pinned to one CPU, both yield
 * to each other (the bridge with a {@link YieldingIdleStrategy}, the peer with {@link Thread#yield()}); with
 * CPUs to spare both spin. {@code aeron-udp} runs the same transport with the driver in the peer's own loop:
 * the ratio of the two is what the bridge adds to Aeron.
 */
public final class EvtchnBridgePingPong extends AbstractMechanism
{
    private static final int A_PORT = 0;
    private static final int B_PORT = 8;
    private static final int INITIATOR_PORT = 128;
    private static final int RESPONDER_BOUND = 256;
    private static final int STOP = 384;
    private static final int DONE = 512;
    private static final int REGION_LENGTH = 4096;
    private static final String KEY = "bridge.key";
    private static final String LOOPBACK = "127.0.0.1";
    private static final Duration PEER_UP_TIMEOUT = Duration.ofSeconds(30);
    private static final Duration PEER_TIMEOUT = Duration.ofSeconds(10);

    /**
     * The mechanism.
     */
    public EvtchnBridgePingPong()
    {
        super("evtchn-bridge", "two hubs (one in each peer) bridged over Aeron UDP loopback, invoker-mode drivers in "
            + "the bridges' threads: A's local handle notifies across hosts, B's local handle spins on pending() and "
            + "answers with unmaskAndNotify", false);
    }

    /**
     * Pinned to one CPU, each peer's thread yields it to its bridge's thread at every wait, by design: a CPU
     * share near half is the mechanism, not other load.
     *
     * @return false.
     */
    @Override
    public boolean peersSpin()
    {
        return false;
    }

    /**
     * {@inheritDoc}
     */
    @Override
    public int regionLength()
    {
        return REGION_LENGTH;
    }

    /**
     * Two free loopback ports, one for each bridge, and the key file both read.
     *
     * @param directory the run's directory.
     * @param region    the mechanism's region.
     * @throws IOException if no port is free or the key cannot be written.
     */
    @Override
    public void prepare(final Path directory, final UnsafeBuffer region) throws IOException
    {
        region.putInt(A_PORT, AeronPingPong.freeUdpPort(LOOPBACK));
        region.putInt(B_PORT, AeronPingPong.freeUdpPort(LOOPBACK));
        BridgeKey.generate(directory.resolve(KEY));
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
        final boolean spin = spins();
        final RoundTrips trips = new RoundTrips(plan.warmupRoundTrips(), plan.roundTrips(), plan.phaseCapMs());
        try (EvtchnHub hub = EvtchnHub.start(hubConfig(peer, "a", spin));
            EvtchnBridge bridge = EvtchnBridge.start(hub, bridgeConfig(peer, "a", A_PORT, "b", B_PORT, spin));
            Evtchn dom0 = hub.openLocal(HandleOptions.defaults().idleStrategy(idle(spin))))
        {
            awaitUp(bridge, "b");
            final int port = dom0.bindUnboundPort(bridge.domidOf("b", EvtchnHub.HUB_DOMID));
            region.putIntRelease(INITIATOR_PORT, port); // release: the port is allocated before B binds to it
            RegionFlags.awaitNonZero(region, RESPONDER_BOUND, watchdog);
            for (long i = 0; trips.more(i); i++)
            {
                final long start = System.nanoTime();
                exchange(dom0, port, spin, watchdog);
                trips.record(i, start, System.nanoTime());
            }
            region.putIntRelease(STOP, 1); // release: B sees the stop once it has the last event
            exchange(dom0, port, spin, watchdog);
            region.putIntRelease(DONE, 1); // release: A has the last echo, B's bridge may close
        }
        return Measurement.roundTrips(trips.histogram());
    }

    private void exchange(final Evtchn dom0, final int port, final boolean spin, final Watchdog watchdog)
        throws IOException
    {
        dom0.unmaskAndNotify(port); // unmasks the port the last exchange took (the first finds it unmasked)
        final int fired = await(dom0, spin, watchdog);
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
        final boolean spin = spins();
        try (EvtchnHub hub = EvtchnHub.start(hubConfig(peer, "b", spin));
            EvtchnBridge bridge = EvtchnBridge.start(hub, bridgeConfig(peer, "b", B_PORT, "a", A_PORT, spin));
            Evtchn dom0 = hub.openLocal(HandleOptions.defaults().idleStrategy(idle(spin))))
        {
            awaitUp(bridge, "a");
            final int remotePort = RegionFlags.awaitNonZero(region, INITIATOR_PORT, watchdog);
            final int port = dom0.bindInterdomain(bridge.domidOf("a", EvtchnHub.HUB_DOMID), remotePort);
            EvtchnPingPong.drainBindEvent(name(), dom0, port);
            region.putIntRelease(RESPONDER_BOUND, 1);
            boolean stop;
            do
            {
                final int fired = await(dom0, spin, watchdog);
                if (fired != port)
                {
                    throw new PeerFailure(name() + ": fired port " + fired + ", bound " + port);
                }
                // read before echoing: A sets the stop only before its last notify, after this echo's wait
                stop = region.getIntAcquire(STOP) != 0; // acquire: pairs with A's release of the stop
                dom0.unmaskAndNotify(port);
            }
            while (!stop);
            RegionFlags.awaitNonZero(region, DONE, watchdog); // B's bridge sends the last echo after this notify
        }
    }

    /**
     * Whether this JVM has a CPU for each of its two working threads (the peer's and the bridge's).
     */
    private static boolean spins()
    {
        return Runtime.getRuntime().availableProcessors() >= 2;
    }

    private static Supplier<IdleStrategy> idle(final boolean spin)
    {
        return spin ? BusySpinIdleStrategy::new : YieldingIdleStrategy::new;
    }

    private static HubConfig hubConfig(final Peer peer, final String host, final boolean spin)
    {
        return HubConfig.directory(peer.directory().resolve("hub-" + host)).requestPolling(RequestPolling.INVOKER)
            .idleStrategy(idle(spin));
    }

    private static BridgeConfig bridgeConfig(
        final Peer peer, final String host, final int listenOffset, final String other, final int otherOffset,
        final boolean spin)
    {
        final UnsafeBuffer region = peer.control().region();
        return BridgeConfig.hostName(host).listen(LOOPBACK, region.getInt(listenOffset))
            .peer(other, LOOPBACK, region.getInt(otherOffset)).keyFile(peer.directory().resolve(KEY))
            .peerTimeout(PEER_TIMEOUT).idleStrategy(idle(spin));
    }

    private void awaitUp(final EvtchnBridge bridge, final String other) throws InterruptedException
    {
        if (!bridge.awaitUp(other, PEER_UP_TIMEOUT))
        {
            throw new PeerFailure(name() + ": the bridge to " + other + " did not come up in " + PEER_UP_TIMEOUT.toSeconds()
                + " s: " + bridge);
        }
    }

    private static int await(final Evtchn handle, final boolean spin, final Watchdog watchdog) throws IOException
    {
        long spins = 0;
        int fired;
        while ((fired = handle.pending()) < 0)
        {
            if (spin)
            {
                Thread.onSpinWait();
            }
            else
            {
                Thread.yield(); // the bridge's thread shares this CPU
            }
            if ((++spins & Watchdog.CHECK_MASK) == 0)
            {
                watchdog.check();
            }
        }
        return fired;
    }
}

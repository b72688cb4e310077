package dev.evring.bench.mechanism;

import dev.evring.bench.harness.Measurement;
import dev.evring.bench.harness.Peer;
import dev.evring.bench.harness.PeerFailure;
import dev.evring.bench.harness.RoundTrips;
import dev.evring.bench.harness.RunPlan;
import dev.evring.bench.harness.Watchdog;
import dev.evring.bridge.BridgeConfig;
import dev.evring.bridge.BridgeDutyCycle;
import dev.evring.bridge.BridgeKey;
import dev.evring.bridge.EvtchnBridge;
import dev.evring.evtchn.Evtchn;
import dev.evring.evtchn.EvtchnHub;
import dev.evring.evtchn.HandleOptions;
import dev.evring.evtchn.HubConfig;
import dev.evring.evtchn.RequestPolling;
import org.agrona.concurrent.BusySpinIdleStrategy;
import org.agrona.concurrent.UnsafeBuffer;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;

/**
 * Round trips through an event channel across hosts: each peer embeds a hub and an {@link EvtchnBridge}
 * (hub {@code a} in A, hub {@code b} in B, bridged over UDP loopback with a key file made for the run), and
 * holds domain 0 of its hub through a local handle. A binds an unbound port for b's domain 0, B binds to it
 * with {@code bindInterdomain}; A pings with {@code unmaskAndNotify}, A's bridge sends a NOTIFY, B's bridge
 * fires B's port, B takes it with {@code pending()} and answers the same way.
 *
 * <p>Nothing runs on a thread of its own: each hub polls requests in invoker mode
 * ({@link RequestPolling#INVOKER}, run by the handle's {@code pending()}) and each bridge runs in invoker mode
 * ({@link BridgeDutyCycle#INVOKER}: its embedded driver's, its client's and its own duty cycle), both from
 * the peer's own spin loop, the arrangement of {@code aeron-udp}, whose invoker-mode driver and client run
 * in the peer's loop too: the ratio of the two is what the bridge and the hubs add to Aeron.
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
        super("evtchn-bridge", "two hubs (one in each peer) bridged over Aeron UDP loopback, hubs and bridges (with "
            + "their invoker-mode drivers) run by the peers' spin loops: A's local handle notifies across hosts, B's "
            + "local handle spins on pending() and answers with unmaskAndNotify", false);
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
        final UnsafeBuffer region = peer.control().region();
        final RoundTrips trips = new RoundTrips(plan.warmupRoundTrips(), plan.roundTrips(), plan.phaseCapMs());
        try (EvtchnHub hub = EvtchnHub.start(hubConfig(peer, "a"));
            EvtchnBridge bridge = EvtchnBridge.start(hub, bridgeConfig(peer, "a", A_PORT, "b", B_PORT));
            Evtchn dom0 = hub.openLocal(HandleOptions.defaults().idleStrategy(BusySpinIdleStrategy::new)))
        {
            final Duty duty = new Duty(bridge, peer.watchdog());
            awaitUp(bridge, "b");
            final int port = dom0.bindUnboundPort(bridge.domidOf("b", EvtchnHub.HUB_DOMID));
            region.putIntRelease(INITIATOR_PORT, port); // release: the port is allocated before B binds to it
            duty.awaitNonZero(region, RESPONDER_BOUND); // A's bridge answers B's bind meanwhile
            for (long i = 0; trips.more(i); i++)
            {
                final long start = System.nanoTime();
                exchange(dom0, port, duty);
                trips.record(i, start, System.nanoTime());
            }
            region.putIntRelease(STOP, 1); // release: B sees the stop once it has the last event
            exchange(dom0, port, duty);
            region.putIntRelease(DONE, 1); // release: A has the last echo, B's bridge may close
        }
        return Measurement.roundTrips(trips.histogram());
    }

    private void exchange(final Evtchn dom0, final int port, final Duty duty) throws IOException
    {
        dom0.unmaskAndNotify(port); // unmasks the port the last exchange took (the first finds it unmasked)
        final int fired = duty.await(dom0);
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
        final UnsafeBuffer region = peer.control().region();
        try (EvtchnHub hub = EvtchnHub.start(hubConfig(peer, "b"));
            EvtchnBridge bridge = EvtchnBridge.start(hub, bridgeConfig(peer, "b", B_PORT, "a", A_PORT));
            Evtchn dom0 = hub.openLocal(HandleOptions.defaults().idleStrategy(BusySpinIdleStrategy::new)))
        {
            final Duty duty = new Duty(bridge, peer.watchdog());
            awaitUp(bridge, "a");
            final int remotePort = duty.awaitNonZero(region, INITIATOR_PORT);
            // the bind runs B's bridge while it waits for A's answer
            final int port = dom0.bindInterdomain(bridge.domidOf("a", EvtchnHub.HUB_DOMID), remotePort);
            EvtchnPingPong.drainBindEvent(name(), dom0, port);
            region.putIntRelease(RESPONDER_BOUND, 1);
            boolean stop;
            do
            {
                final int fired = duty.await(dom0);
                if (fired != port)
                {
                    throw new PeerFailure(name() + ": fired port " + fired + ", bound " + port);
                }
                // read before echoing: A sets the stop only before its last notify, after this echo's wait
                stop = region.getIntAcquire(STOP) != 0; // acquire: pairs with A's release of the stop
                dom0.unmaskAndNotify(port);
            }
            while (!stop);
            duty.awaitNonZero(region, DONE); // B's bridge sends the last echo in a duty cycle after this notify
        }
    }

    private static HubConfig hubConfig(final Peer peer, final String host)
    {
        return HubConfig.directory(peer.directory().resolve("hub-" + host)).requestPolling(RequestPolling.INVOKER)
            .idleStrategy(BusySpinIdleStrategy::new);
    }

    private static BridgeConfig bridgeConfig(
        final Peer peer, final String host, final int listenOffset, final String other, final int otherOffset)
    {
        final UnsafeBuffer region = peer.control().region();
        return BridgeConfig.hostName(host).listen(LOOPBACK, region.getInt(listenOffset))
            .peer(other, LOOPBACK, region.getInt(otherOffset)).keyFile(peer.directory().resolve(KEY))
            .peerTimeout(PEER_TIMEOUT).dutyCycle(BridgeDutyCycle.INVOKER);
    }

    private void awaitUp(final EvtchnBridge bridge, final String other) throws InterruptedException
    {
        if (!bridge.awaitUp(other, PEER_UP_TIMEOUT))
        {
            throw new PeerFailure(name() + ": the bridge to " + other + " did not come up in " + PEER_UP_TIMEOUT.toSeconds()
                + " s: " + bridge);
        }
    }

    /**
     * What a peer does while it waits: its bridge's duty cycle (the driver's, the client's and the bridge's
     * own; the hub's request polling runs in the handle's {@code pending()}), and now and then the watchdog.
     */
    private static final class Duty
    {
        private final EvtchnBridge bridge;
        private final Watchdog watchdog;
        private long spins;

        Duty(final EvtchnBridge bridge, final Watchdog watchdog)
        {
            this.bridge = bridge;
            this.watchdog = watchdog;
        }

        int await(final Evtchn handle) throws IOException
        {
            int fired;
            while ((fired = handle.pending()) < 0)
            {
                idle();
            }
            return fired;
        }

        int awaitNonZero(final UnsafeBuffer region, final int offset)
        {
            int value;
            while ((value = region.getIntAcquire(offset)) == 0) // acquire: pairs with the partner's release
            {
                idle();
            }
            return value;
        }

        private void idle()
        {
            bridge.doWork();
            if ((++spins & Watchdog.CHECK_MASK) == 0)
            {
                watchdog.check();
            }
        }
    }
}

package dev.evring.bench.mechanism;

import dev.evring.bench.harness.Measurement;
import dev.evring.bench.harness.Peer;
import dev.evring.bench.harness.PeerFailure;
import dev.evring.bench.harness.RoundTrips;
import dev.evring.bench.harness.RunPlan;
import dev.evring.bridge.BridgeDutyCycle;
import dev.evring.bridge.EvtchnBridge;
import dev.evring.evtchn.Evtchn;
import dev.evring.evtchn.RequestPolling;
import org.agrona.concurrent.UnsafeBuffer;

import java.io.IOException;

/**
 * Round trips through an event channel across hosts: each peer embeds a hub and an {@link EvtchnBridge}
 * (hub {@code a} in A, hub {@code b} in B, bridged over UDP loopback with a key file made for the run), and
 * holds domain 0 of its hub through a local handle ({@link BridgedHub}). A binds an unbound port for b's
 * domain 0, B binds to it with {@code bindInterdomain}; A pings with {@code unmaskAndNotify}, A's bridge sends
 * a NOTIFY, B's bridge fires B's port, B takes it with {@code pending()} and answers the same way.
 *
 * <p>Nothing runs on a thread of its own: each hub polls requests in invoker mode
 * ({@link RequestPolling#INVOKER}, run by the handle's {@code pending()}) and each bridge runs in invoker mode
 * ({@link BridgeDutyCycle#INVOKER}: its embedded driver's, its client's and its own duty cycle), both from
 * the peer's own spin loop, the arrangement of {@code aeron-udp}, whose invoker-mode driver and client run
 * in the peer's loop too: the ratio of the two is what the bridge and the hubs add to Aeron.
 */
public final class EvtchnBridgePingPong extends BridgedMechanism
{
    private static final int INITIATOR_PORT = 128;
    private static final int RESPONDER_BOUND = 256;
    private static final int STOP = 384;
    private static final int DONE = 512;

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
    public Measurement initiate(final Peer peer) throws Exception
    {
        final RunPlan plan = peer.plan();
        final UnsafeBuffer region = peer.control().region();
        final RoundTrips trips = new RoundTrips(plan.warmupRoundTrips(), plan.roundTrips(), plan.phaseCapMs());
        try (BridgedHub a = BridgedHub.initiator(name(), peer))
        {
            final int port = a.dom0().bindUnboundPort(a.otherDom0());
            region.putIntRelease(INITIATOR_PORT, port); // release: the port is allocated before B binds to it
            a.awaitNonZero(region, RESPONDER_BOUND); // A's bridge answers B's bind meanwhile
            for (long i = 0; trips.more(i); i++)
            {
                final long start = System.nanoTime();
                exchange(a, port);
                trips.record(i, start, System.nanoTime());
            }
            region.putIntRelease(STOP, 1); // release: B sees the stop once it has the last event
            exchange(a, port);
            region.putIntRelease(DONE, 1); // release: A has the last echo, B's bridge may close
        }
        return Measurement.roundTrips(trips.histogram());
    }

    private void exchange(final BridgedHub a, final int port) throws IOException
    {
        a.dom0().unmaskAndNotify(port); // unmasks the port the last exchange took (the first finds it unmasked)
        final int fired = a.await();
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
        try (BridgedHub b = BridgedHub.responder(name(), peer))
        {
            final Evtchn dom0 = b.dom0();
            final int remotePort = b.awaitNonZero(region, INITIATOR_PORT);
            // the bind runs B's bridge while it waits for A's answer
            final int port = dom0.bindInterdomain(b.otherDom0(), remotePort);
            EvtchnPingPong.drainBindEvent(name(), dom0, port);
            region.putIntRelease(RESPONDER_BOUND, 1);
            boolean stop;
            do
            {
                final int fired = b.await();
                if (fired != port)
                {
                    throw new PeerFailure(name() + ": fired port " + fired + ", bound " + port);
                }
                // read before echoing: A sets the stop only before its last notify, after this echo's wait
                stop = region.getIntAcquire(STOP) != 0; // acquire: pairs with A's release of the stop
                dom0.unmaskAndNotify(port);
            }
            while (!stop);
            b.awaitNonZero(region, DONE); // B's bridge sends the last echo in a duty cycle after this notify
        }
    }
}

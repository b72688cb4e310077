package dev.evring.bench.mechanism;

import dev.evring.bench.harness.Measurement;
import dev.evring.bench.harness.Peer;
import dev.evring.bench.harness.PeerFailure;
import dev.evring.bench.harness.RunPlan;
import dev.evring.bench.harness.Watchdog;
import dev.evring.evtchn.Evtchn;
import dev.evring.evtchn.EvtchnHub;
import dev.evring.evtchn.HandleOptions;
import dev.evring.evtchn.HubConfig;
import dev.evring.lguest.EvtchnPortTarget;
import dev.evring.lguest.GuestMemory;
import dev.evring.lguest.Lguest;
import dev.evring.lguest.RunResult;
import org.HdrHistogram.Histogram;
import org.agrona.concurrent.BusySpinIdleStrategy;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.YieldingIdleStrategy;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.zip.DataFormatException;

/**
 * Round trips of the lguest eventfd path, timed by the guest itself ({@link EventfdPingGuest}): the guest
 * notifies an address that the launcher has attached to an evtchn port ({@link EvtchnPortTarget}), so the
 * launcher's {@code run()} notifies the port and resumes the guest without returning; the hub writes the
 * fired port into the consumer's event ring; the consumer (peer B) takes it with {@code pending()},
 * unmasks it and answers by storing the ping's number in guest memory, which the guest polls.
 *
 * <p>Peer A holds the launcher, the hub (domain 0, a local handle) and, as its child, the guest JVM, all on
 * A's CPU; B holds the consumer handle and maps the guest memory file. The round trip involves no
 * {@code run()} return and no socket.
 */
public final class LguestEventfdPingPong extends AbstractMechanism
{
    private static final int RESPONDER_DOMID = 0;
    private static final int INITIATOR_PORT = 128;
    private static final int HUB_READY = 256;
    private static final int RESPONDER_BOUND = 384;
    private static final int GUEST_READY = 512;
    private static final int STOP = 640;
    private static final int RESPONDER_STOPPED = 768;
    private static final String HUB = "hub";
    private static final String MEMORY = "guest.mem";
    private static final Duration HUB_TIMEOUT = Duration.ofSeconds(30);

    /**
     * The mechanism.
     */
    public LguestEventfdPingPong()
    {
        super("lguest-eventfd", "lguest: guest notify -> eventfd-attached evtchn port (launcher in A does not return) -> "
            + "consumer B pending(), unmask, ack in guest memory; timed by the guest", false, RegionFlags.SETUP_PAGE);
    }

    /**
     * A's launcher thread backs off to parking inside {@code run()} and shares its CPU with the hub and the
     * guest, so its CPU share says nothing about other load.
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
    public Measurement initiate(final Peer peer) throws Exception
    {
        final RunPlan plan = peer.plan();
        final Watchdog watchdog = peer.watchdog();
        final UnsafeBuffer region = peer.control().region();
        try (EvtchnHub hub = EvtchnHub.start(HubConfig.directory(peer.directory().resolve(HUB))
                .idleStrategy(YieldingIdleStrategy::new)); // shares A's CPU with the launcher and the guest
            Evtchn dom0 = hub.openLocal();
            Lguest lguest = Lguest.open(Peer.JVM_ARGS))
        {
            region.putIntRelease(HUB_READY, 1); // release: the hub's files exist before B looks for them
            final int remoteDomid = RegionFlags.awaitNonZero(region, RESPONDER_DOMID, watchdog) - 1;
            final int port = dom0.bindUnboundPort(remoteDomid);
            region.putIntRelease(INITIATOR_PORT, port); // release: the port is allocated before B binds it
            RegionFlags.awaitNonZero(region, RESPONDER_BOUND, watchdog);

            lguest.initialize(peer.directory().resolve(MEMORY), 0, EventfdPingGuest.PAGES,
                EventfdPingGuest.class.getName(), 1);
            final GuestMemory memory = lguest.memory();
            memory.putLong(EventfdPingGuest.PLAN, plan.warmupRoundTrips());
            memory.putLong(EventfdPingGuest.PLAN + 8, plan.roundTrips());
            memory.putLongVolatile(EventfdPingGuest.PLAN + 16, plan.phaseCapMs()); // volatile: the plan before run
            lguest.attachEventfd(EventfdPingGuest.PING_ADDRESS, new EvtchnPortTarget(dom0, port));
            region.putIntRelease(GUEST_READY, 1); // release: the memory file exists before B maps it

            final RunResult result = GuestRunLoop.runToNotify(lguest, watchdog, name());
            if (result.notifyAddress() != EventfdPingGuest.DONE_ADDRESS)
            {
                throw new PeerFailure("lguest-eventfd: run() returned notify " + result.notifyAddress()
                    + ": the eventfd did not take the pings");
            }
            final Histogram histogram = decode(memory);
            region.putIntRelease(STOP, 1); // release: B stops polling
            RegionFlags.awaitNonZero(region, RESPONDER_STOPPED, watchdog); // B polls no more: the hub may close
            return Measurement.roundTrips(histogram);
        }
        finally
        {
            region.putIntRelease(STOP, 1); // release: B stops polling (again, or after a failure)
        }
    }

    private static Histogram decode(final GuestMemory memory) throws DataFormatException
    {
        final int length = memory.getIntVolatile(EventfdPingGuest.HISTOGRAM_LENGTH);
        if (length <= 0)
        {
            throw new PeerFailure("lguest-eventfd: the guest finished without a histogram");
        }
        final byte[] bytes = new byte[length];
        memory.getBytes(EventfdPingGuest.HISTOGRAM, bytes, 0, length);
        return Histogram.decodeFromCompressedByteBuffer(ByteBuffer.wrap(bytes), 0);
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
        final HandleOptions options =
            HandleOptions.defaults().idleStrategy(BusySpinIdleStrategy::new).hubTimeout(HUB_TIMEOUT);
        try (Evtchn xce = Evtchn.open(peer.directory().resolve(HUB), options))
        {
            region.putIntRelease(RESPONDER_DOMID, xce.domid() + 1);
            final int port = xce.bindInterdomain(EvtchnHub.HUB_DOMID, RegionFlags.awaitNonZero(region, INITIATOR_PORT, watchdog));
            for (int fired = xce.pending(); fired >= 0; fired = xce.pending()) // the bind-time event, like Xen
            {
                xce.unmask(fired);
            }
            region.putIntRelease(RESPONDER_BOUND, 1);
            RegionFlags.awaitNonZero(region, GUEST_READY, watchdog);
            try (GuestMemory memory = GuestMemory.map(peer.directory().resolve(MEMORY), 0, EventfdPingGuest.PAGES))
            {
                answer(xce, port, memory, region, watchdog);
            }
            region.putIntRelease(RESPONDER_STOPPED, 1); // release: this handle makes no more calls
        }
    }

    private static void answer(
        final Evtchn xce, final int port, final GuestMemory memory, final UnsafeBuffer region,
        final Watchdog watchdog) throws IOException
    {
        long answered = 0;
        long spins = 0;
        while (region.getIntAcquire(STOP) == 0) // acquire: pairs with A's release of the stop
        {
            final int fired = xce.pending();
            if (fired < 0)
            {
                Thread.onSpinWait();
                if ((++spins & Watchdog.CHECK_MASK) == 0)
                {
                    watchdog.check();
                }
                continue;
            }
            if (fired != port)
            {
                throw new PeerFailure("lguest-eventfd: fired port " + fired + ", bound " + port);
            }
            xce.unmask(port);
            memory.putLongVolatile(EventfdPingGuest.ACK, ++answered); // volatile: the guest polls it
        }
    }

}

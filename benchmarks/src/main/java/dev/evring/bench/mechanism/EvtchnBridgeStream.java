package dev.evring.bench.mechanism;

import dev.evring.bench.harness.Measurement;
import dev.evring.bench.harness.NotifyCounts;
import dev.evring.bench.harness.Peer;
import dev.evring.bench.harness.PeerFailure;
import dev.evring.bench.harness.StreamClock;
import dev.evring.bench.harness.StreamConsumer;
import dev.evring.bridge.BridgeCounter;
import dev.evring.bridge.EvtchnBridge;
import dev.evring.evtchn.Evtchn;
import dev.evring.evtchn.EvtchnException;
import org.agrona.concurrent.UnsafeBuffer;

import java.util.BitSet;

/**
 * A notify stream across hosts, measured where it is delivered: the hubs and bridges of {@code evtchn-bridge}
 * ({@link BridgedHub}), {@value #CHANNELS} channels between A's domain 0 and B's. A notifies them round robin as
 * fast as it can, running its bridge's duty cycle after every {@value #BURST} notifies (one per channel); B runs
 * its bridge, reads the fired ports from its handle and unmasks each at once.
 *
 * <p>A port's notifies that A's bridge has not yet sent fold into one message (B4), and those that reach B's
 * hub while B has not yet unmasked the port fold into one event (E9), so the producer's count says little: the
 * stream's rate is the events B's handle read per second, and the notifies A issued and the messages its bridge
 * sent are counted beside it ({@link NotifyCounts}), with the share that came to no event of their own. All
 * three are counted between two drains, at the start and the end of the measured time: A stops, waits until
 * its bridge has sent or folded every notify, and B acknowledges once its bridge has received every message
 * sent and its handle's ring is empty. So no event in the count belongs to a notify outside it.
 */
public final class EvtchnBridgeStream extends BridgedMechanism
{
    /** Channels between A and B, a power of two. */
    static final int CHANNELS = 64;
    /** Notifies A issues between two duty cycles of its bridge: one per channel. */
    static final int BURST = CHANNELS;
    private static final int PORTS = 128;
    private static final int PORTS_READY = PORTS + CHANNELS * Integer.BYTES;
    private static final int BOUND = 512;
    private static final int DRAIN = 640;
    private static final int DRAINED = 768;
    private static final int READ_AT_DRAIN = 896;

    /**
     * The mechanism.
     */
    public EvtchnBridgeStream()
    {
        super("evtchn-bridge-stream", "the hubs and bridges of evtchn-bridge, " + CHANNELS + " channels notified "
            + "round robin by A (its bridge run after every " + BURST + "), B reading and unmasking the fired ports; "
            + "msgs/s = events B read (notifies of one port fold on the way: see the notify streams table)", true);
    }

    /**
     * {@inheritDoc}
     */
    @Override
    public Measurement initiate(final Peer peer) throws Exception
    {
        final UnsafeBuffer region = peer.control().region();
        try (BridgedHub a = BridgedHub.initiator(name(), peer))
        {
            final Evtchn dom0 = a.dom0();
            final int[] ports = new int[CHANNELS];
            for (int i = 0; i < CHANNELS; i++)
            {
                ports[i] = dom0.bindUnboundPort(a.otherDom0());
                region.putInt(PORTS + i * Integer.BYTES, ports[i]);
            }
            region.putIntRelease(PORTS_READY, 1); // release: the ports are written before B reads them
            a.awaitNonZero(region, BOUND); // A's bridge answers B's binds meanwhile
            final StreamClock clock = new StreamClock(peer);
            long issued = 0;
            Drained start = null;
            while (clock.keepSending(issued))
            {
                dom0.notify(ports[(int)issued & (CHANNELS - 1)]);
                if ((++issued & (BURST - 1)) == 0)
                {
                    a.idle();
                }
                if (start == null && clock.measuredFrom() >= 0)
                {
                    start = drain(a, region, issued, false);
                }
            }
            final Drained end = drain(a, region, issued, true);
            return Measurement.notifyStream(end.read - start.read, end.atNs - start.atNs,
                new NotifyCounts(end.issued - start.issued, end.sent - start.sent));
        }
    }

    /**
     * Stop and empty the stream: wait until A's bridge sent or folded every notify issued, then until B
     * acknowledges that its bridge received every message sent and its ring is empty.
     *
     * @param last whether this is the end of the stream (B stops after acknowledging it).
     */
    private static Drained drain(final BridgedHub a, final UnsafeBuffer region, final long issued, final boolean last)
    {
        final EvtchnBridge bridge = a.bridge();
        while (bridge.counter(BridgeCounter.NOTIFIES_SENT) + bridge.counter(BridgeCounter.NOTIFIES_COALESCED) < issued)
        {
            a.idle();
        }
        final long sent = bridge.counter(BridgeCounter.NOTIFIES_SENT);
        region.putLongRelease(DRAIN, (sent + 1) << 1 | (last ? 1 : 0)); // release: pairs with B's acquire in over
        while (region.getLongAcquire(DRAINED) != sent + 1) // acquire: pairs with B's release of its acknowledgement
        {
            a.idle(); // A's driver sends what B still lacks (retransmits included)
        }
        return new Drained(issued, sent, region.getLong(READ_AT_DRAIN), System.nanoTime());
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
            b.awaitNonZero(region, PORTS_READY);
            final BitSet bound = new BitSet();
            for (int i = 0; i < CHANNELS; i++)
            {
                // each bind runs B's bridge while it waits for A's answer
                bound.set(b.dom0().bindInterdomain(b.otherDom0(), region.getInt(PORTS + i * Integer.BYTES)));
            }
            final Reader reader = new Reader(name(), b, bound, region);
            reader.takeBindEvents();
            region.putIntRelease(BOUND, 1); // release: B's ports are bound and unmasked before A notifies
            StreamConsumer.consumeUntil(peer, reader::take, reader::over);
        }
    }

    /**
     * What A knew at a drain: the notifies it had issued, the messages its bridge had sent, the events B had
     * read, and when B acknowledged.
     */
    private record Drained(long issued, long sent, long read, long atNs)
    {
    }

    /**
     * B's side: read fired ports (each one of the bound set) and unmask them, and acknowledge A's drains.
     */
    private static final class Reader
    {
        private final String name;
        private final BridgedHub b;
        private final BitSet bound;
        private final UnsafeBuffer region;
        private final int[] batch = new int[CHANNELS];
        private long acknowledged = -1;

        Reader(final String name, final BridgedHub b, final BitSet bound, final UnsafeBuffer region)
        {
            this.name = name;
            this.b = b;
            this.bound = bound;
            this.region = region;
        }

        /**
         * Take the events the binds left pending (E3), unmasking each.
         */
        void takeBindEvents() throws EvtchnException
        {
            int fired;
            while ((fired = b.dom0().pending()) >= 0)
            {
                check(fired);
                b.dom0().unmask(fired);
            }
        }

        /**
         * One duty cycle of B's bridge, then the ports fired meanwhile, each unmasked (one that fired again
         * while masked comes back at once, E9).
         *
         * @return the events read.
         */
        int take()
        {
            b.bridge().doWork();
            try
            {
                final int n = b.dom0().read(batch, 0, CHANNELS);
                for (int k = 0; k < n; k++)
                {
                    check(batch[k]);
                    b.dom0().unmask(batch[k]);
                }
                return n;
            }
            catch (final EvtchnException ex)
            {
                throw new PeerFailure(name + ": B's handle failed: " + ex.getMessage());
            }
        }

        /**
         * With the ring empty: acknowledge A's drain once every message A's bridge sent has arrived, and say
         * whether it was the last.
         *
         * @param read the events read so far.
         * @return true once the last drain is acknowledged.
         */
        boolean over(final long read)
        {
            final long drain = region.getLongAcquire(DRAIN); // acquire: pairs with A's release of the drain
            final long target = (drain >>> 1) - 1;
            if (target != acknowledged && b.bridge().counter(BridgeCounter.NOTIFIES_RECEIVED) == target)
            {
                region.putLong(READ_AT_DRAIN, read);
                region.putLongRelease(DRAINED, target + 1); // release: the count is written before the acknowledgement
                acknowledged = target;
            }
            return acknowledged == target && (drain & 1) != 0;
        }

        private void check(final int port)
        {
            if (!bound.get(port))
            {
                throw new PeerFailure(name + ": port " + port + " fired, not one of B's " + CHANNELS);
            }
        }
    }
}

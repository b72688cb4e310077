package dev.evring.bench.mechanism;

import dev.evring.bench.harness.Measurement;
import dev.evring.bench.harness.Peer;
import dev.evring.bench.harness.PeerFailure;
import dev.evring.bench.harness.RoundTrips;
import dev.evring.bench.harness.RunPlan;
import dev.evring.bench.harness.Watchdog;
import dev.evring.ring.PortRing;
import dev.evring.ring.ReaderWaiting;
import org.agrona.concurrent.UnsafeBuffer;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * Round trips over two {@link PortRing} files, one each way: A offers a port into the A-to-B ring, B reads
 * it and offers it back into the B-to-A ring, A reads the echo. Each ring is created like an evtchn handle
 * ring, at capacity {@value #CAPACITY} with room reserved for {@value #MAX_CAPACITY}, so the run also shows
 * that the reserved pages stay unallocated.
 */
public final class PortRingPingPong extends AbstractMechanism
{
    /** Capacity the rings start (and stay) at. */
    static final int CAPACITY = 64;
    /** Capacity reserved in each ring file. */
    public static final int MAX_CAPACITY = 131072;

    /** The last port of the run: B echoes it and stops. */
    private static final int STOP = -1;
    private static final String A_TO_B = "a-to-b.ring";
    private static final String B_TO_A = "b-to-a.ring";

    private final ReaderWaiting waiting;

    /**
     * A ping-pong over rings of the given reader-waiting mode.
     *
     * @param name    the mechanism's name.
     * @param waiting {@link ReaderWaiting#SPIN} (offer pays a store-store fence) or
     *                {@link ReaderWaiting#DOORBELL} (offer adds a full fence and a sleeper check).
     */
    public PortRingPingPong(final String name, final ReaderWaiting waiting)
    {
        super(name, describe(waiting), false);
        this.waiting = waiting;
    }

    private static String describe(final ReaderWaiting waiting)
    {
        return "PortRing ping-pong, one " + waiting + " ring each way (capacity " + CAPACITY + ", max "
            + MAX_CAPACITY + ")";
    }

    /**
     * {@inheritDoc}
     */
    @Override
    public void prepare(final Path directory, final UnsafeBuffer region) throws IOException
    {
        PortRing.create(directory.resolve(A_TO_B), CAPACITY, MAX_CAPACITY, waiting).close();
        PortRing.create(directory.resolve(B_TO_A), CAPACITY, MAX_CAPACITY, waiting).close();
    }

    /**
     * {@inheritDoc}
     */
    @Override
    public List<Path> footprintFiles(final Path directory)
    {
        return List.of(directory.resolve(A_TO_B), directory.resolve(B_TO_A));
    }

    /**
     * {@inheritDoc}
     */
    @Override
    public Measurement initiate(final Peer peer) throws IOException
    {
        final RunPlan plan = peer.plan();
        final Watchdog watchdog = peer.watchdog();
        final RoundTrips trips = new RoundTrips(plan.warmupRoundTrips(), plan.roundTrips(), plan.phaseCapMs());
        final int[] echo = new int[1];
        try (PortRing out = PortRing.open(peer.directory().resolve(A_TO_B));
            PortRing in = PortRing.open(peer.directory().resolve(B_TO_A)))
        {
            out.claimExclusiveProducer(); // each side is its ring's only producer
            for (long i = 0; trips.more(i); i++)
            {
                final long start = System.nanoTime();
                exchange(out, in, echo, (int)i, watchdog);
                trips.record(i, start, System.nanoTime());
            }
            exchange(out, in, echo, STOP, watchdog);
        }
        return Measurement.roundTrips(trips.histogram());
    }

    private void exchange(final PortRing out, final PortRing in, final int[] echo, final int port,
        final Watchdog watchdog)
    {
        if (!out.offer(port))
        {
            throw new PeerFailure(name() + ": the A-to-B ring was full with one ping in flight");
        }
        long spins = 0;
        while (in.read(echo, 0, 1) == 0)
        {
            Thread.onSpinWait();
            if ((++spins & Watchdog.CHECK_MASK) == 0)
            {
                watchdog.check();
            }
        }
        if (echo[0] != port)
        {
            throw new PeerFailure(name() + ": sent " + port + ", the echo was " + echo[0]);
        }
    }

    /**
     * {@inheritDoc}
     */
    @Override
    public void respond(final Peer peer) throws IOException
    {
        final Watchdog watchdog = peer.watchdog();
        final int[] ping = new int[1];
        try (PortRing in = PortRing.open(peer.directory().resolve(A_TO_B));
            PortRing out = PortRing.open(peer.directory().resolve(B_TO_A)))
        {
            out.claimExclusiveProducer();
            do
            {
                long spins = 0;
                while (in.read(ping, 0, 1) == 0)
                {
                    Thread.onSpinWait();
                    if ((++spins & Watchdog.CHECK_MASK) == 0)
                    {
                        watchdog.check();
                    }
                }
                if (!out.offer(ping[0]))
                {
                    throw new PeerFailure(name() + ": the B-to-A ring was full with one echo in flight");
                }
            }
            while (ping[0] != STOP);
        }
    }
}

package dev.evring.bench.mechanism;

import dev.evring.bench.harness.Measurement;
import dev.evring.bench.harness.Peer;
import dev.evring.bench.harness.StreamClock;
import dev.evring.bench.harness.StreamConsumer;
import dev.evring.ring.PortRing;
import dev.evring.ring.ReaderWaiting;
import org.agrona.concurrent.UnsafeBuffer;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * A one-way stream of ports through one {@link PortRing} file: A offers one port at a time, B reads in
 * batches of up to {@value #BATCH} and checks every port arrives in order.
 *
 * <p>A full PortRing's {@code offer} refuses the port and sets the sticky overflow flag, as the kernel's
 * event ring does; a stream waits for room instead, so A uses {@link PortRing#tryOffer(int)}, which
 * refuses without overflowing (and re-reads the consumer index only when its copy says full), as the
 * other stream mechanisms wait on a full Agrona ring or naive ring. A claims the exclusive producer role
 * first: the stream has one producer, and its offers then skip the check for others.
 */
public final class PortRingStream extends AbstractMechanism
{
    /** Ports the ring holds, the same number of 4-byte messages every stream mechanism holds. */
    public static final int CAPACITY = 1024;
    /** Most ports B takes per read. */
    static final int BATCH = 1024;

    private static final String RING = "stream.ring";

    private final ReaderWaiting waiting;

    /**
     * A stream over a ring of the given reader-waiting mode.
     *
     * @param name    the mechanism's name.
     * @param waiting {@link ReaderWaiting#SPIN} or {@link ReaderWaiting#DOORBELL}.
     */
    public PortRingStream(final String name, final ReaderWaiting waiting)
    {
        super(name, describe(waiting), true);
        this.waiting = waiting;
    }

    private static String describe(final ReaderWaiting waiting)
    {
        return "PortRing one-way stream of 4-byte ports, " + waiting + " ring of " + CAPACITY + " (max "
            + PortRingPingPong.MAX_CAPACITY + "), reads of up to " + BATCH;
    }

    /**
     * {@inheritDoc}
     */
    @Override
    public void prepare(final Path directory, final UnsafeBuffer region) throws IOException
    {
        PortRing.create(directory.resolve(RING), CAPACITY, PortRingPingPong.MAX_CAPACITY, waiting).close();
    }

    /**
     * {@inheritDoc}
     */
    @Override
    public List<Path> footprintFiles(final Path directory)
    {
        return List.of(directory.resolve(RING));
    }

    /**
     * {@inheritDoc}
     */
    @Override
    public Measurement initiate(final Peer peer) throws IOException
    {
        try (PortRing ring = PortRing.open(peer.directory().resolve(RING)))
        {
            ring.claimExclusiveProducer(); // A is the stream's only producer, as Agrona's one-to-one ring has one
            return new StreamClock(peer).stream(n -> ring.tryOffer((int)n));
        }
    }

    /**
     * {@inheritDoc}
     */
    @Override
    public void respond(final Peer peer) throws IOException
    {
        final int[] batch = new int[BATCH];
        final StreamConsumer.InOrder check = new StreamConsumer.InOrder(name());
        try (PortRing ring = PortRing.open(peer.directory().resolve(RING)))
        {
            StreamConsumer.consumeUntilEnd(peer, () -> check.check(batch, ring.read(batch, 0, BATCH)));
        }
    }
}

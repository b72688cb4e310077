package dev.evring.bench.mechanism;

import dev.evring.bench.harness.Measurement;
import dev.evring.bench.harness.Peer;
import dev.evring.bench.harness.StreamClock;
import dev.evring.bench.harness.StreamConsumer;
import org.agrona.BitUtil;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * A one-way stream of ints through {@link NaiveIntRing}, the minimal SPSC ring, in the shared file: A
 * offers one at a time, spinning while full; B reads up to {@value PortRingStream#BATCH} at a time and
 * checks the order. Same capacity as the PortRing stream.
 */
public final class NaiveStream extends AbstractMechanism
{
    private static final int LENGTH = NaiveIntRing.length(PortRingStream.CAPACITY);

    /**
     * The mechanism.
     */
    public NaiveStream()
    {
        super("naive-stream", "minimal SPSC int ring (plain slot store, release/acquire indices), one-way stream", true);
    }

    /**
     * {@inheritDoc}
     */
    @Override
    public int regionLength()
    {
        return BitUtil.align(LENGTH, 4096);
    }

    /**
     * {@inheritDoc}
     */
    @Override
    public Measurement initiate(final Peer peer)
    {
        final NaiveIntRing ring = new NaiveIntRing(new UnsafeBuffer(peer.control().region(), 0, LENGTH),
            PortRingStream.CAPACITY);
        return new StreamClock(peer).stream(n -> ring.offer((int)n));
    }

    /**
     * {@inheritDoc}
     */
    @Override
    public void respond(final Peer peer)
    {
        final NaiveIntRing ring = new NaiveIntRing(new UnsafeBuffer(peer.control().region(), 0, LENGTH),
            PortRingStream.CAPACITY);
        final int[] batch = new int[PortRingStream.BATCH];
        final StreamConsumer.InOrder check = new StreamConsumer.InOrder("naive-stream");
        StreamConsumer.consumeUntilEnd(peer, () -> check.check(batch, ring.read(batch)));
    }
}

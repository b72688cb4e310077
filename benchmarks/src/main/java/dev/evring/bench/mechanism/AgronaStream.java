package dev.evring.bench.mechanism;

import dev.evring.bench.harness.Measurement;
import dev.evring.bench.harness.Peer;
import dev.evring.bench.harness.PeerFailure;
import dev.evring.bench.harness.StreamClock;
import dev.evring.bench.harness.StreamConsumer;
import org.agrona.BitUtil;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.MessageHandler;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.ringbuffer.OneToOneRingBuffer;
import org.agrona.concurrent.ringbuffer.RingBufferDescriptor;

/**
 * A one-way stream of 4-byte messages through an Agrona {@link OneToOneRingBuffer} in the shared file: A
 * writes one message at a time with {@code write()}, spinning while the ring is full; B reads up to
 * {@value PortRingStream#BATCH} per {@code read()} and checks every message arrives in order. The ring
 * holds {@value PortRingStream#CAPACITY} messages, as many as the PortRing stream's ring holds ports.
 */
public final class AgronaStream extends AbstractMechanism
{
    private static final int DATA_CAPACITY = PortRingStream.CAPACITY * 16;
    private static final int LENGTH = DATA_CAPACITY + RingBufferDescriptor.TRAILER_LENGTH;

    /**
     * The mechanism.
     */
    public AgronaStream()
    {
        super("agrona-o2o-stream", "Agrona OneToOneRingBuffer one-way stream of 4-byte messages, " + PortRingStream.CAPACITY
            + " messages of room, reads of up to " + PortRingStream.BATCH, true);
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
        final OneToOneRingBuffer ring = new OneToOneRingBuffer(new UnsafeBuffer(peer.control().region(), 0, LENGTH));
        final UnsafeBuffer message = new UnsafeBuffer(new byte[Integer.BYTES]);
        return new StreamClock(peer).stream(n ->
        {
            message.putInt(0, (int)n);
            return ring.write(AgronaPingPong.MSG_TYPE, message, 0, Integer.BYTES);
        });
    }

    /**
     * {@inheritDoc}
     */
    @Override
    public void respond(final Peer peer)
    {
        final OneToOneRingBuffer ring = new OneToOneRingBuffer(new UnsafeBuffer(peer.control().region(), 0, LENGTH));
        final InOrder check = new InOrder();
        StreamConsumer.consumeUntilEnd(peer, () -> ring.read(check, PortRingStream.BATCH));
    }

    /**
     * Checks each payload is the next integer.
     */
    private static final class InOrder implements MessageHandler
    {
        private int expected;

        /**
         * {@inheritDoc}
         */
        @Override
        public void onMessage(final int msgTypeId, final MutableDirectBuffer buffer, final int index, final int length)
        {
            final int value = buffer.getInt(index);
            if (value != expected)
            {
                throw new PeerFailure("agrona-o2o-stream: expected " + expected + ", read " + value);
            }
            expected++;
        }
    }
}

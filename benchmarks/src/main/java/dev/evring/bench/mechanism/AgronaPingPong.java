package dev.evring.bench.mechanism;

import dev.evring.bench.harness.Measurement;
import dev.evring.bench.harness.Peer;
import dev.evring.bench.harness.PeerFailure;
import dev.evring.bench.harness.RoundTrips;
import dev.evring.bench.harness.RunPlan;
import dev.evring.bench.harness.Watchdog;
import org.agrona.BitUtil;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.MessageHandler;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.ringbuffer.OneToOneRingBuffer;
import org.agrona.concurrent.ringbuffer.RingBufferDescriptor;

/**
 * Round trips over two Agrona {@link OneToOneRingBuffer}s in the shared file, one each way, carrying
 * 4-byte messages with {@code write()} / {@code read()}. Each holds {@value #MESSAGES} messages, as many as
 * a {@link PortRingPingPong} ring holds ports.
 */
public final class AgronaPingPong extends AbstractMechanism
{
    /**
     * The mechanism.
     */
    public AgronaPingPong()
    {
        super("agrona-o2o", "Agrona OneToOneRingBuffer ping-pong, one ring each way, 4-byte messages", false);
    }

    /** 4-byte messages each ring holds (a record is an 8-byte header plus the payload, 8-byte aligned). */
    static final int MESSAGES = PortRingPingPong.CAPACITY;
    /** Message type of every record. */
    static final int MSG_TYPE = 1;

    /** The last payload of the run: B echoes it and stops. */
    private static final int STOP = -1;

    private static final int DATA_CAPACITY = MESSAGES * 16;
    private static final int RING_SPAN =
        BitUtil.align(DATA_CAPACITY + RingBufferDescriptor.TRAILER_LENGTH, 4096);

    /**
     * {@inheritDoc}
     */
    @Override
    public int regionLength()
    {
        return 2 * RING_SPAN;
    }

    /**
     * {@inheritDoc}
     */
    @Override
    public Measurement initiate(final Peer peer)
    {
        final RunPlan plan = peer.plan();
        final Watchdog watchdog = peer.watchdog();
        final OneToOneRingBuffer out = ring(peer.control().region(), 0);
        final OneToOneRingBuffer in = ring(peer.control().region(), 1);
        final UnsafeBuffer message = new UnsafeBuffer(new byte[Integer.BYTES]);
        final LastInt echo = new LastInt();
        final RoundTrips trips = new RoundTrips(plan.warmupRoundTrips(), plan.roundTrips(), plan.phaseCapMs());
        for (long i = 0; trips.more(i); i++)
        {
            final long start = System.nanoTime();
            exchange(out, in, message, echo, (int)i, watchdog);
            trips.record(i, start, System.nanoTime());
        }
        exchange(out, in, message, echo, STOP, watchdog);
        return Measurement.roundTrips(trips.histogram());
    }

    private static void exchange(
        final OneToOneRingBuffer out, final OneToOneRingBuffer in, final UnsafeBuffer message, final LastInt echo,
        final int value, final Watchdog watchdog)
    {
        message.putInt(0, value);
        if (!out.write(MSG_TYPE, message, 0, Integer.BYTES))
        {
            throw new PeerFailure("agrona-o2o: the A-to-B ring was full with one ping in flight");
        }
        long spins = 0;
        while (in.read(echo, 1) == 0)
        {
            Thread.onSpinWait();
            if ((++spins & Watchdog.CHECK_MASK) == 0)
            {
                watchdog.check();
            }
        }
        if (echo.value != value)
        {
            throw new PeerFailure("agrona-o2o: sent " + value + ", the echo was " + echo.value);
        }
    }

    /**
     * {@inheritDoc}
     */
    @Override
    public void respond(final Peer peer)
    {
        final Watchdog watchdog = peer.watchdog();
        final OneToOneRingBuffer in = ring(peer.control().region(), 0);
        final OneToOneRingBuffer out = ring(peer.control().region(), 1);
        final UnsafeBuffer message = new UnsafeBuffer(new byte[Integer.BYTES]);
        final LastInt ping = new LastInt();
        do
        {
            long spins = 0;
            while (in.read(ping, 1) == 0)
            {
                Thread.onSpinWait();
                if ((++spins & Watchdog.CHECK_MASK) == 0)
                {
                    watchdog.check();
                }
            }
            message.putInt(0, ping.value);
            if (!out.write(MSG_TYPE, message, 0, Integer.BYTES))
            {
                throw new PeerFailure("agrona-o2o: the B-to-A ring was full with one echo in flight");
            }
        }
        while (ping.value != STOP);
    }

    private static OneToOneRingBuffer ring(final UnsafeBuffer region, final int index)
    {
        return new OneToOneRingBuffer(
            new UnsafeBuffer(region, index * RING_SPAN, DATA_CAPACITY + RingBufferDescriptor.TRAILER_LENGTH));
    }

    /**
     * Keeps the payload of the last message read.
     */
    private static final class LastInt implements MessageHandler
    {
        private int value;

        /**
         * {@inheritDoc}
         */
        @Override
        public void onMessage(final int msgTypeId, final MutableDirectBuffer buffer, final int index, final int length)
        {
            value = buffer.getInt(index);
        }
    }
}

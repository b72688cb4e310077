package dev.evring.bench.mechanism;

import dev.evring.bench.harness.Measurement;
import dev.evring.bench.harness.Peer;
import dev.evring.bench.harness.PeerFailure;
import dev.evring.bench.harness.StreamClock;
import dev.evring.bench.harness.StreamConsumer;
import dev.evring.bridge.BridgeMessageDescriptor;
import io.aeron.ChannelUriStringBuilder;
import io.aeron.ExclusivePublication;
import io.aeron.Subscription;
import io.aeron.logbuffer.FragmentHandler;
import io.aeron.logbuffer.Header;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;

/**
 * A one-way stream over Aeron UDP loopback, the anchor of {@code evtchn-bridge-stream}: messages of a bridge
 * NOTIFY's length ({@value #LENGTH} bytes, a sequence number first), A offering them one after another on an
 * {@link ExclusivePublication}, B polling them up to {@value #FRAGMENT_LIMIT} at a time (as the bridge polls its
 * subscription) and checking their order. Each peer embeds an invoker-mode driver run by its own loop, as
 * {@code aeron-udp} and the bridge do: A runs one duty cycle after every {@value EvtchnBridgeStream#BURST}
 * messages (the bridge stream's producer after every {@value EvtchnBridgeStream#BURST} notifies) and whenever
 * the publication pushes back.
 */
public final class AeronStream extends AbstractMechanism
{
    /** The length of every message: a bridge NOTIFY's. */
    static final int LENGTH = BridgeMessageDescriptor.lengthOf(BridgeMessageDescriptor.NOTIFY);
    /** Most fragments B takes per poll, as the bridge's duty cycle. */
    static final int FRAGMENT_LIMIT = 256;
    private static final int STREAM = 1003;
    private static final String LOOPBACK = "127.0.0.1";
    private static final int B_PORT = 0;
    private static final int REGION_LENGTH = 4096;

    /**
     * The mechanism.
     */
    public AeronStream()
    {
        super("aeron-udp-stream", "Aeron UDP loopback one-way stream of " + LENGTH + "-byte messages (a bridge NOTIFY's "
            + "length), an invoker-mode driver in each peer run by its loop, A running it after every "
            + EvtchnBridgeStream.BURST + " messages", true);
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
     * A free loopback port for B's subscription.
     *
     * @param directory the run's directory.
     * @param region    the mechanism's region.
     * @throws IOException if no port is free.
     */
    @Override
    public void prepare(final Path directory, final UnsafeBuffer region) throws IOException
    {
        region.putInt(B_PORT, AeronPingPong.freeUdpPort(LOOPBACK));
    }

    /**
     * {@inheritDoc}
     */
    @Override
    public Measurement initiate(final Peer peer)
    {
        try (EmbeddedAeron a = new EmbeddedAeron(peer, "aeron-a"))
        {
            final AeronDuty duty = a.duty();
            final ExclusivePublication out = a.aeron().addExclusivePublication(channel(peer), STREAM);
            duty.awaitConnected(out::isConnected);
            final UnsafeBuffer message = new UnsafeBuffer(ByteBuffer.allocateDirect(LENGTH));
            final StreamClock clock = new StreamClock(peer);
            long sent = 0;
            while (clock.keepSending(sent))
            {
                message.putLong(0, sent);
                duty.offer(name(), out, message, LENGTH);
                if ((++sent & (EvtchnBridgeStream.BURST - 1)) == 0)
                {
                    duty.idle();
                }
            }
            return clock.finish(sent, duty::idle); // A's driver sends the rest while B takes it
        }
    }

    /**
     * {@inheritDoc}
     */
    @Override
    public void respond(final Peer peer)
    {
        try (EmbeddedAeron b = new EmbeddedAeron(peer, "aeron-b"))
        {
            final Subscription in = b.aeron().addSubscription(channel(peer), STREAM);
            b.duty().awaitConnected(in::isConnected);
            final InOrder check = new InOrder(name());
            StreamConsumer.consumeUntilEnd(peer, () ->
            {
                b.duty().idle();
                return in.poll(check, FRAGMENT_LIMIT);
            });
        }
    }

    private static String channel(final Peer peer)
    {
        return new ChannelUriStringBuilder().termLength(AeronPingPong.TERM_LENGTH).sparse(false).media("udp")
            .endpoint(LOOPBACK + ':' + peer.control().region().getInt(B_PORT)).build();
    }

    /**
     * Checks each message is the next of the stream, of the one length.
     */
    private static final class InOrder implements FragmentHandler
    {
        private final String name;
        private long expected;

        InOrder(final String name)
        {
            this.name = name;
        }

        /**
         * {@inheritDoc}
         */
        @Override
        public void onFragment(final DirectBuffer buffer, final int offset, final int length, final Header header)
        {
            final long sequence = buffer.getLong(offset);
            if (length != LENGTH || sequence != expected)
            {
                throw new PeerFailure(name + ": expected message " + expected + " of " + LENGTH + " bytes, got "
                    + sequence + " of " + length);
            }
            expected++;
        }
    }
}

package dev.evring.bridge;

import io.aeron.ExclusivePublication;
import io.aeron.Publication;
import org.agrona.DirectBuffer;
import org.agrona.ExpandableRingBuffer;
import org.agrona.MutableDirectBuffer;
import org.agrona.collections.IntHashSet;
import org.agrona.concurrent.status.AtomicCounter;

import java.util.concurrent.TimeUnit;

/**
 * One peer hub as the bridge sees it: its domid range, the stream to it, the backlog of messages not yet
 * sent, whether it has proved itself, and the keys that authenticate the messages both ways. The backlog
 * holds the sealed messages of the stream, only while the peer is up: they are sealed (sequence number and
 * tag, {@link SessionKeys}) as they leave it, so the numbers follow the stream's order and a message the
 * stream pushes back is sealed again with the same number. Handshake messages before that (a HELLO, a PROOF
 * answering one) are {@link #offer offered} straight to the stream: one the stream does not take is dropped
 * (a HELLO is offered again, and the peer repeats its own), so no flood of hellos can make a backlog grow.
 *
 * <p>The backlog is one ordered queue, so that a NOTIFY always leaves before a later CLOSE of the same
 * port. A port with a NOTIFY in the backlog is in {@link #owed}: further notifies of it fold into that
 * NOTIFY, which leaves after them (B3, B4). The backlog is therefore bounded by one NOTIFY per port plus
 * the binds and closes of channels, each of which needed a round trip of its own.
 *
 * <p>Threads: hub threads append (under the hub's lock, then this object's monitor, never the other way
 * round); the bridge's duty cycle drains and owns the handshake fields.
 */
final class Peer
{
    /** No image: the peer has not proved itself. */
    static final int NO_SESSION = 0;
    private static final int DRAIN_LIMIT = 256;

    final BridgePeer config;
    final int base;
    final int span;
    private final ExclusivePublication publication;
    private final AtomicCounter notifiesSent;
    private final AtomicCounter notifiesCoalesced;
    private final AtomicCounter backPressure;
    final SessionKeys keys;

    // guarded by this
    private final ExpandableRingBuffer backlog = new ExpandableRingBuffer();
    private final IntHashSet owed = new IntHashSet();
    private final BridgeCodec codec = new BridgeCodec();
    private boolean up;
    private AtomicCounter state;
    private boolean closed;
    private boolean dataSent;

    // the duty cycle's own
    int session = NO_SESSION;
    byte[] challenge = BridgeKey.nonce();
    long lastHeardNs;
    long nextSendNs;
    int probesOwed;
    long nextProbeNs;

    Peer(final BridgePeer config, final int base, final int span, final ExclusivePublication publication,
        final AtomicCounter notifiesSent, final AtomicCounter notifiesCoalesced, final AtomicCounter backPressure,
        final SessionKeys keys)
    {
        this.config = config;
        this.base = base;
        this.span = span;
        this.publication = publication;
        this.notifiesSent = notifiesSent;
        this.notifiesCoalesced = notifiesCoalesced;
        this.backPressure = backPressure;
        this.keys = keys;
    }

    synchronized boolean isUp()
    {
        return up;
    }

    /**
     * Publish whether the peer is up in a counter of the domid map (1 up, 0 down).
     */
    synchronized void publishStateTo(final AtomicCounter counter)
    {
        state = counter;
        counter.setOrdered(up ? 1 : 0);
    }

    synchronized void up(final boolean isUp)
    {
        up = isUp;
        if (state != null)
        {
            state.setOrdered(isUp ? 1 : 0);
        }
        if (!isUp)
        {
            backlog.reset(backlog.capacity());
            owed.clear();
        }
        notifyAll();
    }

    /**
     * Wait until the peer is up, the bridge closes or the deadline passes.
     *
     * @return whether it is up.
     */
    synchronized boolean awaitUp(final long deadlineNs) throws InterruptedException
    {
        long remainingNs;
        while (!up && !closed && (remainingNs = deadlineNs - System.nanoTime()) > 0)
        {
            TimeUnit.NANOSECONDS.timedWait(this, remainingNs);
        }
        return up;
    }

    /**
     * Queue a NOTIFY for a local port while the peer is up, unless one is already queued: then it is folded
     * into that one and counted as coalesced.
     */
    synchronized void queueNotify(final int port, final int domid, final int remotePort)
    {
        if (!up)
        {
            return;
        }
        if (owed.add(port))
        {
            append(codec.channel(BridgeMessageDescriptor.NOTIFY, domid, port, remotePort));
        }
        else
        {
            notifiesCoalesced.increment();
        }
    }

    /**
     * Queue a CLOSE for a local port: after any NOTIFY of it already queued; later notifies of a new binding
     * of the same port queue a NOTIFY of their own.
     */
    synchronized void queueClose(final int port, final int domid, final int remotePort)
    {
        if (up)
        {
            owed.remove(port);
            append(codec.channel(BridgeMessageDescriptor.CLOSE, domid, port, remotePort));
        }
    }

    /**
     * Queue a bind request or reply.
     *
     * @return false if the peer is not up.
     */
    synchronized boolean queueBind(final int type, final long requestId, final int binderDomid, final int binderPort,
        final int unboundDomid, final int unboundPort, final int errno)
    {
        if (!up)
        {
            return false;
        }
        append(codec.bind(type, requestId, binderDomid, binderPort, unboundDomid, unboundPort, errno));
        return true;
    }

    /**
     * Queue a sealed message the caller wrote into its own codec (a PROOF of an accepted peer's challenge,
     * heartbeats; from the duty cycle).
     */
    synchronized void queue(final DirectBuffer message, final int length)
    {
        backlog.append(message, 0, length);
    }

    synchronized boolean isBacklogEmpty()
    {
        return backlog.isEmpty();
    }

    /**
     * Offer the backlog to the peer's stream, in order, until it is empty or the stream pushes back (what
     * is not taken stays for the next duty cycle: nothing is dropped).
     *
     * @return the number of bytes sent.
     */
    synchronized int drain()
    {
        return backlog.isEmpty() ? 0 : backlog.consume(this::send, DRAIN_LIMIT);
    }

    /**
     * Offer a handshake message (a HELLO, or a PROOF sealed on its own) straight to the stream, outside the
     * backlog; from the duty cycle.
     *
     * @return whether the stream took it.
     */
    synchronized boolean offer(final DirectBuffer message, final int length)
    {
        return publication.offer(message, 0, length) >= 0;
    }

    /**
     * Whether a subscriber of the peer's address is connected to the stream.
     */
    boolean isConnected()
    {
        return publication.isConnected();
    }

    private boolean send(final MutableDirectBuffer buffer, final int offset, final int length, final int headOffset)
    {
        final byte type = buffer.getByte(offset + BridgeMessageDescriptor.TYPE_OFFSET);
        keys.seal(buffer, offset, length);
        final long result = publication.offer(buffer, offset, length);
        if (result < 0)
        {
            if (up && (result == Publication.BACK_PRESSURED || result == Publication.NOT_CONNECTED
                || result == Publication.ADMIN_ACTION))
            {
                backPressure.increment();
            }
            return false;
        }
        keys.sent();
        dataSent |= type != BridgeMessageDescriptor.HEARTBEAT;
        if (type == BridgeMessageDescriptor.NOTIFY)
        {
            owed.remove(buffer.getInt(offset + BridgeMessageDescriptor.CHANNEL_PORT_OFFSET, BridgeMessageDescriptor.ORDER));
            notifiesSent.increment();
        }
        return true;
    }

    /**
     * Whether anything but heartbeats left since the last call.
     */
    synchronized boolean takeDataSent()
    {
        final boolean sent = dataSent;
        dataSent = false;
        return sent;
    }

    private void append(final int length)
    {
        if (!backlog.append(codec.buffer(), 0, length))
        {
            throw new IllegalStateException("the backlog to " + config.name() + " is full");
        }
    }

    /**
     * The bridge closes: down for good, waiters released, the stream closed.
     */
    void close()
    {
        synchronized (this)
        {
            closed = true;
        }
        up(false);
        publication.close();
    }

    @Override
    public String toString()
    {
        return config.name() + " at " + config.endpoint() + ": domids " + base + ".." + (base + span - 1) + " = "
            + config.name() + "'s 0.." + (span - 1) + (isUp() ? " (up)" : " (down)");
    }
}

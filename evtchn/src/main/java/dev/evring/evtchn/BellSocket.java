package dev.evring.evtchn;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedSelectorException;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.BooleanSupplier;

/**
 * A remote handle's doorbell socket: a second connection to the hub that carries only doorbells, one
 * byte each, so that a sleeping thread waits on it itself and the hub's doorbell wakes it directly, without
 * a hand-off from the link's reader thread (on a shared CPU that hand-off costs a second wake-up). One
 * sleeper at a time holds it ({@link #tryClaimSleeper()}); the link lets the others wait on its local
 * doorbell. A socket that breaks is given up ({@link #isOpen()} false): doorbells then come as frames on
 * the control socket.
 */
final class BellSocket
{
    private final SocketChannel socket;
    private final Selector selector;
    private final ReentrantLock sleeper = new ReentrantLock();
    private final ByteBuffer bytes = ByteBuffer.allocateDirect(64);
    private volatile boolean open = true;

    private BellSocket(final SocketChannel socket, final Selector selector)
    {
        this.socket = socket;
        this.selector = selector;
    }

    /**
     * Open the doorbell socket: connect (bounded, the peer checked), present the bell key the hub sent
     * after its welcome, and wait for the hub's acknowledgement.
     *
     * @param hubSocket        the hub's socket file.
     * @param key              the bell key the hub sent.
     * @param handleId         the handle's id at the hub.
     * @param connectTimeoutNs the bound of the connect (the hub timeout).
     * @param ackTimeoutNs     the bound of the wait for the acknowledgement.
     * @param linkFailed       whether the link failed meanwhile (the wait ends).
     * @return the open doorbell socket, or null if none could be set up (doorbells stay frames).
     */
    static BellSocket open(final Path hubSocket, final long key, final long handleId, final long connectTimeoutNs,
        final long ackTimeoutNs, final BooleanSupplier linkFailed)
    {
        SocketChannel socketChannel = null;
        Selector selector = null;
        try
        {
            socketChannel = SocketChannel.open(StandardProtocolFamily.UNIX);
            HubConnector.connectWithin(socketChannel, hubSocket, connectTimeoutNs);
            HubConnector.checkHubPeer(socketChannel, hubSocket); // the key goes to the hub only
            final ByteBuffer frame = ByteBuffer.allocate(Protocol.MAX_REQUEST_LENGTH).order(Protocol.ORDER);
            Protocol.writeFully(socketChannel,
                Protocol.putRequest(frame, Protocol.OP_BELL, key, (int)handleId, (int)(handleId >>> 32)));
            socketChannel.configureBlocking(false);
            selector = Selector.open();
            socketChannel.register(selector, SelectionKey.OP_READ);
            final ByteBuffer ack = ByteBuffer.allocate(1);
            final long deadline = System.nanoTime() + ackTimeoutNs;
            while (ack.hasRemaining() && System.nanoTime() - deadline < 0 && !linkFailed.getAsBoolean())
            {
                selector.select(Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())));
                selector.selectedKeys().clear();
                if (socketChannel.read(ack) < 0)
                {
                    break;
                }
            }
            if (!ack.hasRemaining() && ack.get(0) == Protocol.BELL_ACK)
            {
                return new BellSocket(socketChannel, selector);
            }
        }
        catch (final IOException ex)
        {
            // no doorbell socket: doorbells stay frames
        }
        HubConnector.closeQuietly(socketChannel);
        HubConnector.closeQuietly(selector);
        return null;
    }

    /**
     * Whether the socket still carries doorbells.
     *
     * @return false once it broke or was closed.
     */
    boolean isOpen()
    {
        return open;
    }

    /**
     * Become the one thread asleep on the socket, if the socket is open and no other thread is.
     *
     * @return true if the caller now holds it: it calls {@link #sleep} and then {@link #releaseSleeper()}.
     */
    boolean tryClaimSleeper()
    {
        return open && sleeper.tryLock();
    }

    /**
     * Let another thread sleep on the socket.
     */
    void releaseSleeper()
    {
        sleeper.unlock();
    }

    /**
     * Sleep on the socket (the caller holds it) until a doorbell byte arrives, the timeout passes or
     * {@link #wakeup()} is called, then take every doorbell byte waiting.
     *
     * @param timeoutNs the longest sleep; 0 or less only takes the bytes waiting.
     * @return true if at least one doorbell was taken.
     */
    boolean sleep(final long timeoutNs)
    {
        if (timeoutNs > 0)
        {
            sleepOnSocket(timeoutNs);
        }
        return takeBytes();
    }

    private void sleepOnSocket(final long timeoutNs)
    {
        // whole milliseconds, rounded up: select(0) would wait forever
        final long timeoutMs =
            Math.max(1, TimeUnit.NANOSECONDS.toMillis(Math.min(timeoutNs, Long.MAX_VALUE / 2) + 999_999));
        try
        {
            selector.select(timeoutMs);
            selector.selectedKeys().clear();
        }
        catch (final IOException | ClosedSelectorException ex)
        {
            open = false; // the handle is closing: the caller sees the failure, or sleeps on the local doorbell
        }
    }

    /**
     * Read every doorbell byte waiting on the socket.
     *
     * @return true if there was at least one; false also when the socket broke (it is then given up, and
     * doorbells come as frames).
     */
    private boolean takeBytes()
    {
        boolean rung = false;
        try
        {
            int n;
            do
            {
                bytes.clear();
                n = socket.read(bytes);
                rung |= n > 0;
            }
            while (n > 0);
            if (n < 0)
            {
                open = false; // the hub closed it: it is going away or released this handle
            }
        }
        catch (final IOException ex)
        {
            open = false;
        }
        return rung;
    }

    /**
     * Wake the thread asleep on the socket, if any.
     */
    void wakeup()
    {
        selector.wakeup();
    }

    /**
     * Give the socket up and close it; a sleeper wakes.
     */
    void close()
    {
        open = false;
        HubConnector.closeQuietly(socket);
        HubConnector.closeQuietly(selector);
    }
}

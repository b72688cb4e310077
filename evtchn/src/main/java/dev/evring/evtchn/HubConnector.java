package dev.evring.evtchn;

import dev.evring.ring.Errno;
import jdk.net.ExtendedSocketOptions;

import java.io.Closeable;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.UserPrincipal;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A remote handle's connections to its hub's socket, made and checked: the hub's directory and parent
 * are checked as the hub checks them ({@link HubDirectory#checkOwnDirectory}, {@link HubDirectory#checkParent}),
 * a connect is bounded by the hub timeout (E23), and the socket's peer must run as this process's user
 * before anything is sent (H4). Used for the control socket and for the doorbell socket ({@link BellSocket}).
 */
final class HubConnector
{
    private static final int CONNECTING = 0;
    private static final int CONNECTED = 1;
    private static final int EXPIRED = 2;

    private HubConnector()
    {
    }

    /**
     * Connect to the control socket of the hub in a directory, after checking the directory, and check
     * the peer.
     *
     * @param directory the hub directory.
     * @param timeoutNs the bound of the connect (the hub timeout).
     * @return the connected channel, blocking.
     * @throws EvtchnException ENODEV if no hub listens there, EACCES for a directory or peer that is not
     *                         this user's own, ETIMEDOUT if the hub does not take the connection in time.
     */
    static SocketChannel connectControl(final Path directory, final long timeoutNs) throws EvtchnException
    {
        HubDirectory.checkOwnDirectory(directory); // ENODEV if missing, EACCES if unreachable or not safely ours (H4)
        HubDirectory.checkParent(directory);
        final Path socket = directory.resolve(HubDirectory.SOCKET_FILE);
        if (!Files.exists(socket, LinkOption.NOFOLLOW_LINKS))
        {
            throw new EvtchnException(Errno.ENODEV, "no hub at " + directory + " (no " + HubDirectory.SOCKET_FILE
                + "): start one with `evring hub --dir " + directory + "` or EvtchnHub.start");
        }
        final SocketChannel channel;
        try
        {
            channel = SocketChannel.open(StandardProtocolFamily.UNIX);
        }
        catch (final IOException ex)
        {
            throw new EvtchnException(Errno.ENODEV, "cannot open a UNIX-domain socket: " + ex.getMessage(), ex);
        }
        try
        {
            connectWithin(channel, socket, timeoutNs);
        }
        catch (final IOException ex)
        {
            closeQuietly(channel);
            throw ex instanceof EvtchnException ? (EvtchnException)ex : new EvtchnException(Errno.ENODEV, "no live hub at "
                + directory + " (" + ex.getMessage() + "): the hub died or stopped; start a new one there", ex);
        }
        try
        {
            checkHubPeer(channel, socket);
        }
        catch (final EvtchnException ex)
        {
            closeQuietly(channel);
            throw ex;
        }
        return channel;
    }

    /**
     * Connect to the hub's socket within a bound: a stopped hub whose backlog is full never takes the
     * connection, and closing the channel ends the wait (E23). The connect and the deadline race for the
     * channel: exactly one of them wins it.
     *
     * @throws EvtchnException ETIMEDOUT when the bound passed first.
     * @throws IOException     when the connection failed otherwise.
     */
    static void connectWithin(final SocketChannel channel, final Path socket, final long timeoutNs)
        throws IOException
    {
        final AtomicInteger state = new AtomicInteger(CONNECTING);
        final ScheduledFuture<?> deadline = HandleTimers.after(() ->
        {
            if (state.compareAndSet(CONNECTING, EXPIRED))
            {
                closeQuietly(channel);
            }
        }, timeoutNs);
        try
        {
            channel.connect(UnixDomainSocketAddress.of(socket));
            if (!state.compareAndSet(CONNECTING, CONNECTED))
            {
                throw new IOException("the channel was closed as it connected");
            }
        }
        catch (final IOException ex)
        {
            if (state.get() == EXPIRED)
            {
                throw new EvtchnException(Errno.ETIMEDOUT, "the hub at " + socket.getParent() + " did not take the "
                    + "connection within the hub timeout (" + TimeUnit.NANOSECONDS.toMillis(timeoutNs) + " ms): it is "
                    + "stopped or hung", ex);
            }
            throw ex;
        }
        finally
        {
            deadline.cancel(false);
        }
    }

    /**
     * Refuse a hub socket served by another user (H4): {@code SO_PEERCRED} names the user of the process
     * that listens, whatever the file's owner and the directory say. Checked before anything is sent, so
     * an impostor learns nothing (not even this process's pid).
     */
    static void checkHubPeer(final SocketChannel channel, final Path socket) throws EvtchnException
    {
        final UserPrincipal peer;
        final UserPrincipal self;
        try
        {
            peer = channel.getOption(ExtendedSocketOptions.SO_PEERCRED).user();
            self = HubDirectory.processUser();
        }
        catch (final IOException | UnsupportedOperationException ex)
        {
            throw new EvtchnException(Errno.EACCES, "cannot tell which user serves " + socket + " (" + ex.getMessage()
                + "): a handle trusts only a hub of its own user", ex);
        }
        if (!self.equals(peer))
        {
            throw new EvtchnException(Errno.EACCES, socket + " is served by user " + peer.getName() + ", not by this "
                + "process's user (uid " + HubDirectory.processUid() + "): an impostor, or another user's hub, holds "
                + "the hub's place; nothing was sent to it");
        }
    }

    /**
     * Close a socket, selector or channel being left, ignoring a failure to.
     *
     * @param closeable what to close, or null.
     */
    static void closeQuietly(final Closeable closeable)
    {
        if (closeable == null)
        {
            return;
        }
        try
        {
            closeable.close();
        }
        catch (final IOException ignore)
        {
            // nothing more to do for a socket or selector we are leaving
        }
    }
}

package dev.evring.evtchn;

import dev.evring.ring.Errno;
import org.agrona.concurrent.status.AtomicCounter;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.nio.file.attribute.UserPrincipal;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * Accepting and checking sessions: the hub's listening socket ({@code hub.sock}), the accept thread,
 * the peer check ({@code SO_PEERCRED}: the hub's own uid only, E24) and the set of live
 * {@link HubSession sessions}, through which a handle's second connection finds its session as its
 * doorbell socket.
 */
final class SessionAcceptor
{
    private static final long MIN_BACKOFF_MS = 1;
    private static final long MAX_BACKOFF_MS = 100;

    private final HubConductor conductor;
    private final UserPrincipal hubUser;
    private final ServerSocketChannel server;
    private final Set<HubSession> sessions = ConcurrentHashMap.newKeySet();
    private final Thread thread;
    private final AtomicCounter acceptFailures;
    private volatile boolean stopped;

    SessionAcceptor(
        final HubConductor conductor, final Path socketFile, final UserPrincipal hubUser, final HubCounters counters)
        throws IOException
    {
        this.conductor = conductor;
        this.acceptFailures = counters.counter(HubCounter.ACCEPT_FAILURES);
        this.hubUser = hubUser;
        this.server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        server.bind(UnixDomainSocketAddress.of(socketFile));
        this.thread = new Thread(this::acceptLoop, "evtchn-hub-accept");
        thread.setDaemon(true);
    }

    void start()
    {
        thread.start();
    }

    /**
     * Accept until stopped. A failed accept (EMFILE, ENFILE, ENOMEM: the connection stays in the
     * backlog) is counted and retried after a back-off that doubles from {@value #MIN_BACKOFF_MS} ms to
     * {@value #MAX_BACKOFF_MS} ms, so the hub keeps accepting once resources return (H2); a connection
     * that cannot be set up is closed and counted, and the loop goes on.
     */
    private void acceptLoop()
    {
        long backoffMs = MIN_BACKOFF_MS;
        while (!stopped)
        {
            final SocketChannel channel;
            try
            {
                channel = server.accept();
                backoffMs = MIN_BACKOFF_MS;
            }
            catch (final IOException ex)
            {
                if (stopped || !server.isOpen())
                {
                    return;
                }
                acceptFailures.incrementRelease();
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(backoffMs));
                backoffMs = Math.min(backoffMs << 1, MAX_BACKOFF_MS);
                continue;
            }
            try
            {
                attachRemote(channel);
            }
            catch (final RuntimeException | Error ex) // no thread for a session, say: this connection only
            {
                conductor.countError();
                closeQuietly(channel);
            }
        }
    }

    private static void closeQuietly(final SocketChannel channel)
    {
        try
        {
            channel.close();
        }
        catch (final IOException ignore)
        {
            // a connection we could not serve
        }
    }

    private void attachRemote(final SocketChannel channel)
    {
        final HubSession session = new HubSession(conductor, this, channel);
        try
        {
            EvtchnHub.checkPeer(channel.getOption(jdk.net.ExtendedSocketOptions.SO_PEERCRED).user(), hubUser);
        }
        catch (final IOException ex)
        {
            conductor.countError();
            session.refuse(ex instanceof EvtchnException ? ((EvtchnException)ex).errno() : Errno.EACCES);
            return;
        }
        sessions.add(session);
        try
        {
            session.start();
        }
        catch (final IOException ex)
        {
            conductor.countError();
            sessions.remove(session);
            session.close();
            return;
        }
        if (stopped)
        {
            session.close(); // stop() may have missed it: its thread ends and releases nothing
        }
    }

    /**
     * Give a handle's session the connection that presented its bell key, as the handle's doorbell socket.
     *
     * @return false if no live session holds that handle and key.
     */
    boolean attachBell(final long handleId, final long key, final SocketChannel socket)
    {
        for (final HubSession session : sessions)
        {
            if (session.acceptBell(handleId, key, socket))
            {
                return true;
            }
        }
        return false;
    }

    /**
     * A session's thread ended.
     */
    void sessionEnded(final HubSession session)
    {
        sessions.remove(session);
    }

    /**
     * Stop listening: no connection is accepted from now on.
     */
    void stopAccepting()
    {
        stopped = true;
        try
        {
            server.close();
        }
        catch (final IOException ignore)
        {
            // the accept thread stops either way
        }
    }

    /**
     * Wait for the accept thread, then close the sessions still waiting for a hello and wait for them.
     */
    void closeSessions()
    {
        EvtchnHub.joinQuietly(thread);
        for (final HubSession session : sessions.toArray(new HubSession[0]))
        {
            session.close();
            session.join();
        }
    }
}

package dev.evring.evtchn;

import dev.evring.ring.Errno;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.nio.file.attribute.UserPrincipal;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Accepting and checking sessions: the hub's listening socket ({@code hub.sock}), the accept thread,
 * the peer check ({@code SO_PEERCRED}: the hub's own uid only, E24) and the set of live
 * {@link HubSession sessions}, through which a handle's second connection finds its session as its
 * doorbell socket.
 */
final class SessionAcceptor
{
    private final HubConductor conductor;
    private final UserPrincipal hubUser;
    private final ServerSocketChannel server;
    private final Set<HubSession> sessions = ConcurrentHashMap.newKeySet();
    private final Thread thread;
    private volatile boolean stopped;

    SessionAcceptor(final HubConductor conductor, final Path socketFile, final UserPrincipal hubUser)
        throws IOException
    {
        this.conductor = conductor;
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

    private void acceptLoop()
    {
        while (!stopped)
        {
            final SocketChannel channel;
            try
            {
                channel = server.accept();
            }
            catch (final IOException ex)
            {
                return;
            }
            attachRemote(channel);
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

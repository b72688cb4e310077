package dev.evring.ring;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The producer's end of a doorbell that works across processes: a UNIX-domain socket the producer
 * listens on, and one connection per reader ({@link SocketDoorbellWaiter}). {@link #ring()} accepts any
 * reader that connected since the last ring and writes one byte to each; it never blocks (a reader whose
 * socket buffer is full already has a wake-up pending) and drops readers that went away.
 *
 * <p>Only the slow path uses it: the producer rings only when a port lands in an empty ring while a
 * reader has announced that it sleeps, so spinning readers cost no system call at all.
 */
public final class SocketDoorbell implements Doorbell, AutoCloseable
{
    private final Path socketPath;
    private final ServerSocketChannel server;
    private final List<SocketChannel> readers = new ArrayList<>();
    private final ByteBuffer bell = ByteBuffer.allocateDirect(1);
    private boolean closed;

    private SocketDoorbell(final Path socketPath, final ServerSocketChannel server)
    {
        this.socketPath = socketPath;
        this.server = server;
    }

    /**
     * Listen for readers at a socket path; a stale socket file left by a dead producer is replaced.
     *
     * @param socketPath where readers connect, e.g. next to the ring file.
     * @return the producer's doorbell.
     * @throws IOException if the socket cannot be bound.
     */
    public static SocketDoorbell bind(final Path socketPath) throws IOException
    {
        Files.deleteIfExists(socketPath);
        final ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        try
        {
            server.bind(UnixDomainSocketAddress.of(socketPath));
            server.configureBlocking(false);
        }
        catch (final IOException ex)
        {
            server.close();
            throw new IOException("cannot listen for doorbell readers at " + socketPath + ": " + ex.getMessage(), ex);
        }
        return new SocketDoorbell(socketPath, server);
    }

    /**
     * Where readers connect.
     *
     * @return the socket path.
     */
    public Path socketPath()
    {
        return socketPath;
    }

    /**
     * Readers connected at the last ring.
     *
     * @return the number of reader connections held.
     */
    public synchronized int readers()
    {
        return readers.size();
    }

    /**
     * {@inheritDoc}
     */
    @Override
    public synchronized void ring()
    {
        if (closed)
        {
            return;
        }
        acceptNewReaders();
        for (int i = readers.size() - 1; i >= 0; i--)
        {
            final SocketChannel reader = readers.get(i);
            try
            {
                bell.clear();
                reader.write(bell);
            }
            catch (final IOException ex)
            {
                readers.remove(i);
                closeQuietly(reader);
            }
        }
    }

    private void acceptNewReaders()
    {
        try
        {
            SocketChannel reader;
            while ((reader = server.accept()) != null)
            {
                reader.configureBlocking(false);
                readers.add(reader);
            }
        }
        catch (final IOException ex)
        {
            // the listening socket failed: readers already connected are still rung
        }
    }

    /**
     * Stop listening, disconnect every reader (their waits then fail) and remove the socket file.
     */
    @Override
    public synchronized void close()
    {
        if (closed)
        {
            return;
        }
        closed = true;
        readers.forEach(SocketDoorbell::closeQuietly);
        readers.clear();
        closeQuietly(server);
        try
        {
            Files.deleteIfExists(socketPath);
        }
        catch (final IOException ignore)
        {
            // removing the socket file is best effort: bind() replaces a stale one
        }
    }

    private static void closeQuietly(final java.io.Closeable closeable)
    {
        try
        {
            closeable.close();
        }
        catch (final IOException ignore)
        {
            // closing a socket we are giving up on
        }
    }
}

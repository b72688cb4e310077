package dev.evring.ring;

import java.io.EOFException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * A reader's end of a {@link SocketDoorbell} in another process. Connect once, before the first sleep;
 * a ring sent while the reader was awake stays in the socket and makes the next wait return at once.
 * If the producer closes its doorbell or dies, a wait fails with an {@link UncheckedIOException} rather
 * than sleeping forever. The socket keeps every ring, so a wait needs no mark; a ring is one byte, which
 * ends one wait: one thread sleeps on a waiter at a time.
 */
public final class SocketDoorbellWaiter implements DoorbellWaiter, AutoCloseable
{
    private static final long MAX_TIMEOUT_NS = Long.MAX_VALUE - 999_999L;

    private final SocketChannel channel;
    private final Selector selector;
    private final ByteBuffer drain = ByteBuffer.allocateDirect(64);

    private SocketDoorbellWaiter(final SocketChannel channel, final Selector selector)
    {
        this.channel = channel;
        this.selector = selector;
    }

    /**
     * Connect to a producer's doorbell.
     *
     * @param socketPath the path the producer bound.
     * @return the waiter.
     * @throws IOException if no producer listens there.
     */
    public static SocketDoorbellWaiter connect(final Path socketPath) throws IOException
    {
        final SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX);
        try
        {
            channel.connect(UnixDomainSocketAddress.of(socketPath));
            channel.configureBlocking(false);
            final Selector selector = Selector.open();
            channel.register(selector, SelectionKey.OP_READ);
            return new SocketDoorbellWaiter(channel, selector);
        }
        catch (final IOException ex)
        {
            channel.close();
            throw new IOException("no doorbell producer at " + socketPath + ": " + ex.getMessage(), ex);
        }
    }

    /**
     * {@inheritDoc}
     *
     * @throws UncheckedIOException if the producer's end is closed.
     */
    @Override
    public boolean await(final long mark, final long timeoutNs) throws InterruptedException
    {
        if (drainRings())
        {
            return true;
        }
        if (timeoutNs <= 0)
        {
            return false;
        }
        try
        {
            // round up to whole milliseconds without overflowing: "forever" (Long.MAX_VALUE) stays forever
            final long timeoutMs = TimeUnit.NANOSECONDS.toMillis(Math.min(timeoutNs, MAX_TIMEOUT_NS) + 999_999L);
            selector.select(Math.max(1L, timeoutMs));
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException(ex);
        }
        if (Thread.interrupted())
        {
            throw new InterruptedException("interrupted while waiting for the doorbell");
        }
        selector.selectedKeys().clear();
        return drainRings();
    }

    private boolean drainRings()
    {
        boolean rung = false;
        try
        {
            int n;
            do
            {
                drain.clear();
                n = channel.read(drain);
                if (n < 0)
                {
                    throw new UncheckedIOException(new EOFException("the doorbell's producer closed it or died"));
                }
                rung |= n > 0;
            }
            while (n == drain.capacity());
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException(ex);
        }
        return rung;
    }

    /**
     * Disconnect.
     */
    @Override
    public void close()
    {
        try
        {
            selector.close();
        }
        catch (final IOException ignore)
        {
            // nothing to do for a selector that fails to close
        }
        try
        {
            channel.close();
        }
        catch (final IOException ignore)
        {
            // nothing to do for a socket that fails to close
        }
    }
}

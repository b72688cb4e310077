package dev.evring.evtchn;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A hand-made control-socket client for tests that send what no {@link Evtchn} would: malformed,
 * truncated, oversized and unknown frames.
 */
final class RawClient implements AutoCloseable
{
    final SocketChannel channel;
    final Selector selector;
    final int domid;
    final long handleId;
    final long bellKey;

    private static final AtomicLong NEXT_PROCESS_ID = new AtomicLong(1L << 41);

    /**
     * Connect and say hello with a process id of its own (a domain of its own).
     */
    RawClient(final Path hubDirectory) throws IOException
    {
        this(hubDirectory, NEXT_PROCESS_ID.incrementAndGet());
    }

    RawClient(final Path hubDirectory, final long processId) throws IOException
    {
        channel = SocketChannel.open(StandardProtocolFamily.UNIX);
        channel.connect(UnixDomainSocketAddress.of(hubDirectory.resolve(HubDirectory.SOCKET_FILE)));
        channel.configureBlocking(false);
        selector = Selector.open();
        channel.register(selector, SelectionKey.OP_READ);
        request(Protocol.OP_HELLO, 0, (int)processId, (int)(processId >>> 32));
        final ByteBuffer welcome = readFrame(10_000);
        if (welcome == null || welcome.getInt(0) != Protocol.TYPE_WELCOME)
        {
            throw new IOException("no welcome from the hub");
        }
        handleId = welcome.getLong(8);
        domid = welcome.getInt(16);
        final ByteBuffer key = readFrame(10_000);
        if (key == null || key.getInt(0) != Protocol.TYPE_BELL_KEY)
        {
            throw new IOException("no bell key from the hub after its welcome");
        }
        bellKey = key.getLong(8);
    }

    void send(final ByteBuffer bytes) throws IOException
    {
        while (bytes.hasRemaining())
        {
            channel.write(bytes);
        }
    }

    /**
     * Send a well-framed request whose payload is the given ints.
     */
    void request(final int op, final long requestId, final int... arguments) throws IOException
    {
        final ByteBuffer frame = ByteBuffer.allocate(4 + Protocol.MIN_REQUEST_LENGTH + 4 * arguments.length)
            .order(Protocol.ORDER);
        frame.putInt(Protocol.MIN_REQUEST_LENGTH + 4 * arguments.length).putInt(op).putLong(requestId);
        for (final int argument : arguments)
        {
            frame.putInt(argument);
        }
        send(frame.flip());
    }

    /**
     * Read one hub-to-handle frame.
     *
     * @return the frame, or null on end of stream or timeout.
     */
    ByteBuffer readFrame(final long timeoutMs) throws IOException
    {
        final ByteBuffer frame = ByteBuffer.allocate(Protocol.EVENT_FRAME_LENGTH).order(Protocol.ORDER);
        return fill(channel, selector, frame, timeoutMs) ? frame : null;
    }

    /**
     * Fill a buffer from a non-blocking channel registered for reading with the selector.
     *
     * @return false on end of stream or timeout.
     */
    static boolean fill(final SocketChannel channel, final Selector selector, final ByteBuffer buffer,
        final long timeoutMs) throws IOException
    {
        final long deadline = System.currentTimeMillis() + Math.max(1, timeoutMs);
        while (buffer.hasRemaining())
        {
            final long left = deadline - System.currentTimeMillis();
            if (left <= 0)
            {
                return false;
            }
            selector.select(left);
            selector.selectedKeys().clear();
            if (channel.read(buffer) < 0)
            {
                return false;
            }
        }
        return true;
    }

    /**
     * Read frames until a reply arrives (skipping doorbells).
     *
     * @return the reply, or null if the connection ended or timed out.
     */
    ByteBuffer readReply(final long timeoutMs) throws IOException
    {
        while (true)
        {
            final ByteBuffer frame = readFrame(timeoutMs);
            if (frame == null || frame.getInt(0) == Protocol.TYPE_REPLY || frame.getInt(0) == Protocol.TYPE_FAULT)
            {
                return frame;
            }
        }
    }

    @Override
    public void close() throws IOException
    {
        selector.close();
        channel.close();
    }
}

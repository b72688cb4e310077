package dev.evring.evtchn;

import dev.evring.ring.Errno;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.CancelledKeyException;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.security.SecureRandom;
import java.util.concurrent.TimeUnit;

/**
 * The hub's end of one remote handle's control socket: a thread that reads request frames and answers
 * them, and the writer of the handle's doorbell and fault frames. The connection is the handle: its end
 * of stream releases the handle.
 *
 * <p>The socket is non-blocking and nothing ever waits on it while holding the hub's lock. Replies and
 * faults go into a small output buffer that the session thread flushes; while it holds unsent bytes the
 * session reads no further request (so a client that never reads its replies cannot make the buffer
 * grow), and once it has held them for the configured
 * {@link HubConfig#clientWriteTimeout(java.time.Duration) client write timeout} the client is
 * disconnected. A doorbell for a client whose socket is full is not lost: it is kept as one owed doorbell
 * and sent when the buffer drains (however many are owed, one frame wakes the client).
 *
 * <p>Once the handle attaches its doorbell socket (a second connection whose session hands it over here,
 * see {@link Protocol#OP_BELL}), a doorbell is one byte down that socket, on which the handle's sleeping
 * thread waits itself; a doorbell socket that breaks falls back to doorbell frames.
 */
final class HubSession implements Runnable
{
    private static final long HELLO_TIMEOUT_NS = TimeUnit.SECONDS.toNanos(10);
    private static final long SELECT_SLICE_MS = 100;
    private static final int OUT_FRAMES = 4;
    private static final SecureRandom BELL_KEYS = new SecureRandom();

    private final HubConductor hub;
    private final SessionAcceptor acceptor;
    private final SocketChannel channel;
    private final long writeTimeoutNs;
    private final ByteBuffer in = ByteBuffer.allocate(4 * (4 + Protocol.MAX_REQUEST_LENGTH)).order(Protocol.ORDER);
    private final ByteBuffer out = ByteBuffer.allocateDirect(OUT_FRAMES * Protocol.EVENT_FRAME_LENGTH)
        .order(Protocol.ORDER); // guarded by this; bytes to send in [0, position)
    private boolean doorbellOwed; // guarded by this
    private long unsentSinceNs; // guarded by this; when out last went from empty to holding bytes
    private boolean closeAfterFlush; // guarded by this
    private SocketChannel bell; // guarded by this; the handle's doorbell socket, once attached
    private final ByteBuffer bellByte = ByteBuffer.allocateDirect(1); // guarded by this
    private final long bellKey = BELL_KEYS.nextLong() | 1; // never 0
    private volatile long attachedHandleId = -1;
    private boolean handedOver; // this connection became another session's doorbell socket
    private Selector selector;
    private HubHandle handle;
    private Thread thread;

    HubSession(final HubConductor hub, final SessionAcceptor acceptor, final SocketChannel channel)
    {
        this.hub = hub;
        this.acceptor = acceptor;
        this.channel = channel;
        this.writeTimeoutNs = hub.config().clientWriteTimeout().toNanos();
    }

    /**
     * Start the session thread; it waits for the client's hello and attaches the handle.
     *
     * @throws IOException if the socket cannot be made non-blocking or watched.
     */
    void start() throws IOException
    {
        channel.configureBlocking(false);
        selector = Selector.open();
        thread = new Thread(this, "evtchn-hub-session");
        thread.setDaemon(true);
        thread.start();
    }

    /**
     * Tell a peer it is refused and close (before the session thread runs; the socket buffer of a new
     * connection has room for the frame).
     */
    void refuse(final Errno errno)
    {
        try
        {
            channel.configureBlocking(false);
        }
        catch (final IOException ignore)
        {
            // the write below fails too, and the socket is closed either way
        }
        queue(Protocol.TYPE_REFUSED, errno.number(), 0, 0, 0);
        close();
    }

    /**
     * Ring the handle's doorbell. Called under the hub's lock: never blocks.
     */
    void doorbell()
    {
        final boolean sent;
        synchronized (this)
        {
            if (bell != null && ringBell())
            {
                return;
            }
            if (out.position() > 0)
            {
                doorbellOwed = true; // the session thread sends it once the bytes before it are out
                return;
            }
            sent = queue(Protocol.TYPE_DOORBELL, 0, 0, 0, 0);
        }
        if (!sent)
        {
            final Selector selector = this.selector;
            if (selector != null)
            {
                selector.wakeup(); // part of the frame is left: the session thread waits until it can send it
            }
        }
    }

    /**
     * One byte down the doorbell socket. Written 0 bytes: the socket is full of bytes the handle has not
     * taken yet, and any one of them wakes it.
     *
     * @return false if the socket broke (it is dropped: doorbells go back to frames).
     */
    private boolean ringBell()
    {
        try
        {
            bellByte.clear();
            bell.write(bellByte);
            return true;
        }
        catch (final IOException ex)
        {
            closeQuietly(bell);
            bell = null;
            return false;
        }
    }

    /**
     * Take a second connection of this session's handle as its doorbell socket, if the key matches.
     *
     * @param handleId the handle the connection names.
     * @param key      the bell key it presents.
     * @param socket   the connection.
     * @return true if taken (and acknowledged with {@link Protocol#BELL_ACK}).
     */
    boolean acceptBell(final long handleId, final long key, final SocketChannel socket)
    {
        if (handleId != attachedHandleId || key != bellKey)
        {
            return false;
        }
        synchronized (this)
        {
            if (bell != null || closeAfterFlush || !channel.isOpen())
            {
                return false;
            }
            try
            {
                final ByteBuffer ack = ByteBuffer.allocate(1).put(0, Protocol.BELL_ACK);
                socket.write(ack); // a new connection's empty buffer takes it
                if (ack.hasRemaining())
                {
                    return false;
                }
            }
            catch (final IOException ex)
            {
                return false;
            }
            bell = socket;
            return true;
        }
    }

    /**
     * Tell the handle why it is disconnected (if its socket has room), then close. Never blocks.
     */
    void fault(final Errno errno)
    {
        queue(Protocol.TYPE_FAULT, errno.number(), 0, 0, 0);
        close();
    }

    /**
     * Append a frame to the output buffer and send what the socket takes now.
     *
     * @return true if everything queued is sent.
     */
    private synchronized boolean queue(final int type, final int errno, final long a, final int b, final int c)
    {
        final ByteBuffer out = this.out;
        if (out.remaining() < Protocol.EVENT_FRAME_LENGTH)
        {
            closeAfterFlush = true; // cannot happen with the session's flow control; give up on the client
            return false;
        }
        if (out.position() == 0)
        {
            unsentSinceNs = System.nanoTime();
        }
        out.putInt(type).putInt(errno).putLong(a).putInt(b).putInt(c);
        return flush();
    }

    /**
     * Send what the socket takes now; append the owed doorbell once everything before it is out.
     *
     * @return true if nothing is left to send.
     */
    private synchronized boolean flush()
    {
        final ByteBuffer out = this.out;
        try
        {
            while (true)
            {
                if (out.position() > 0)
                {
                    out.flip();
                    channel.write(out);
                    out.compact();
                    if (out.position() > 0)
                    {
                        return false;
                    }
                }
                if (!doorbellOwed)
                {
                    return true;
                }
                doorbellOwed = false;
                unsentSinceNs = System.nanoTime();
                out.putInt(Protocol.TYPE_DOORBELL).putInt(0).putLong(0).putInt(0).putInt(0);
            }
        }
        catch (final IOException ex)
        {
            out.clear();
            doorbellOwed = false;
            closeAfterFlush = true; // a broken connection: the session thread releases the handle
            return true;
        }
    }

    private synchronized boolean stalled(final long now)
    {
        return out.position() > 0 && now - unsentSinceNs > writeTimeoutNs;
    }

    private synchronized boolean closing()
    {
        return closeAfterFlush;
    }

    private synchronized void closeAfterFlush()
    {
        closeAfterFlush = true;
    }

    /**
     * Serve the connection until it ends, then release the handle.
     */
    @Override
    public void run()
    {
        try
        {
            final SelectionKey key = channel.register(selector, SelectionKey.OP_READ);
            final long helloDeadline = System.nanoTime() + HELLO_TIMEOUT_NS;
            boolean serving = true;
            while (serving)
            {
                try
                {
                    serving = step(key, helloDeadline);
                }
                catch (final CancelledKeyException ex)
                {
                    serving = false; // closed by a fault
                }
                catch (final RuntimeException | Error ex) // a client's broken ring, met in this thread (H2)
                {
                    serving = hub.survives(handle, ex) && handle != null;
                }
            }
        }
        catch (final IOException ex)
        {
            // the connection ended or was closed by a fault
        }
        finally
        {
            if (handle != null)
            {
                hub.releaseContained(handle);
            }
            try
            {
                selector.close(); // deregisters the connection, which a doorbell socket handed over outlives
            }
            catch (final IOException ignore)
            {
                // nothing more to do for a selector we are leaving
            }
            if (!handedOver)
            {
                close();
            }
            acceptor.sessionEnded(this);
        }
    }

    /**
     * One turn of the session: send what is queued, answer the frames read, wait for the socket.
     *
     * @return false once the session is over (closed, handed over, stalled, never greeted, ended).
     */
    private boolean step(final SelectionKey key, final long helloDeadline) throws IOException
    {
        boolean sent = flush();
        if (sent && !closing())
        {
            sent = serveFrames();
        }
        if (handedOver)
        {
            return false; // the connection now belongs to its handle's session
        }
        if (sent && closing())
        {
            return false;
        }
        final long now = System.nanoTime();
        if (!sent && stalled(now))
        {
            hub.countError(); // the client left its replies unread past the bound: disconnect it
            return false;
        }
        if (handle == null && now - helloDeadline > 0)
        {
            hub.countError(); // connected but never said hello
            return false;
        }
        if (!channel.isOpen())
        {
            return false;
        }
        key.interestOps(sent ? SelectionKey.OP_READ : SelectionKey.OP_WRITE);
        selector.select(SELECT_SLICE_MS);
        selector.selectedKeys().clear();
        return !(sent && in.hasRemaining() && channel.read(in) < 0); // end of stream: a closed handle or a dead process
    }

    /**
     * Answer the complete request frames read so far, stopping when a reply cannot be sent at once.
     *
     * @return true if every reply went out.
     */
    private boolean serveFrames()
    {
        final ByteBuffer in = this.in;
        while (in.position() >= 4)
        {
            final int frameLength = in.getInt(0);
            if (frameLength < Protocol.MIN_REQUEST_LENGTH || frameLength > Protocol.MAX_REQUEST_LENGTH)
            {
                hub.countError();
                queue(Protocol.TYPE_REPLY, Errno.EINVAL.number(), 0, 0, 0);
                queue(Protocol.TYPE_FAULT, Errno.EINVAL.number(), 0, 0, 0);
                closeAfterFlush(); // the stream cannot be resynchronised after a bad length
                return flush();
            }
            if (in.position() < 4 + frameLength)
            {
                return true;
            }
            final boolean sent = serveFrame(in, frameLength);
            in.flip().position(4 + frameLength);
            in.compact();
            if (!sent || closing())
            {
                return sent;
            }
        }
        return true;
    }

    private boolean serveFrame(final ByteBuffer in, final int frameLength)
    {
        final int op = in.getInt(4);
        final long requestId = in.getLong(8);
        final int arguments = Protocol.argumentCount(op);
        final int payload = frameLength - Protocol.MIN_REQUEST_LENGTH;
        final Errno malformed;
        if (arguments < 0)
        {
            malformed = Errno.ENOSYS;
        }
        else if (payload < arguments * Integer.BYTES)
        {
            malformed = Errno.EFAULT;
        }
        else if (payload > arguments * Integer.BYTES)
        {
            malformed = Errno.EINVAL;
        }
        else
        {
            malformed = null;
        }
        if (handle == null && malformed == null && op == Protocol.OP_BELL)
        {
            return handOverAsBell(requestId, (in.getInt(16) & 0xFFFF_FFFFL) | ((long)in.getInt(20) << 32));
        }
        if (handle == null)
        {
            return hello(malformed == null && op == Protocol.OP_HELLO ? in : null);
        }
        if (malformed != null)
        {
            hub.countError();
            return queue(Protocol.TYPE_REPLY, malformed.number(), requestId, 0, 0);
        }
        final int a = arguments > 0 ? in.getInt(16) : 0;
        final int b = arguments > 1 ? in.getInt(20) : 0;
        int errno = 0;
        int value = 0;
        try
        {
            value = hub.control(handle, op, a, b);
        }
        catch (final EvtchnException ex)
        {
            errno = ex.errno().number();
        }
        return queue(Protocol.TYPE_REPLY, errno, requestId, value, hub.eventRingCapacity(handle));
    }

    /**
     * The first frame: attach the handle to the domain of the pid it names, or refuse the client.
     */
    private boolean hello(final ByteBuffer frame)
    {
        if (frame == null)
        {
            hub.countError();
            queue(Protocol.TYPE_REFUSED, Errno.EINVAL.number(), 0, 0, 0);
            closeAfterFlush();
            return flush();
        }
        final long pid = (frame.getInt(16) & 0xFFFF_FFFFL) | ((long)frame.getInt(20) << 32);
        try
        {
            handle = hub.attach(this, pid);
        }
        catch (final EvtchnException ex)
        {
            hub.countError();
            queue(Protocol.TYPE_REFUSED, ex.errno().number(), 0, 0, 0);
            closeAfterFlush();
            return flush();
        }
        thread.setName("evtchn-hub-session-" + handle.domid() + "-h" + handle.id);
        attachedHandleId = handle.id;
        queue(Protocol.TYPE_WELCOME, 0, handle.id, handle.domid(), hub.config().maxPorts());
        return queue(Protocol.TYPE_BELL_KEY, 0, bellKey, 0, 0);
    }

    /**
     * The first frame named a handle's doorbell socket: give the connection to that handle's session, or
     * refuse it (a wrong key, a handle that is gone or already has one).
     */
    private boolean handOverAsBell(final long key, final long handleId)
    {
        if (acceptor.attachBell(handleId, key, channel))
        {
            handedOver = true;
            return true;
        }
        hub.countError();
        queue(Protocol.TYPE_REFUSED, Errno.EACCES.number(), 0, 0, 0);
        closeAfterFlush();
        return flush();
    }

    void close()
    {
        closeQuietly(channel);
        synchronized (this)
        {
            if (bell != null)
            {
                closeQuietly(bell);
                bell = null;
            }
        }
    }

    private static void closeQuietly(final SocketChannel socket)
    {
        try
        {
            socket.close();
        }
        catch (final IOException ignore)
        {
            // closing a connection we are giving up on
        }
    }

    void join()
    {
        final Thread thread = this.thread;
        if (thread != null && thread != Thread.currentThread())
        {
            try
            {
                thread.join(TimeUnit.SECONDS.toMillis(5));
            }
            catch (final InterruptedException ex)
            {
                Thread.currentThread().interrupt();
            }
        }
    }
}

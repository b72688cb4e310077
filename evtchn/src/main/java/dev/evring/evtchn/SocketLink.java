package dev.evring.evtchn;

import dev.evring.ring.DoorbellWaiter;
import dev.evring.ring.Errno;
import dev.evring.ring.LocalDoorbell;
import dev.evring.ring.PortRing;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A remote handle's link: one connection to the hub's control socket (requests and replies, doorbell
 * and fault frames, told apart by their type), the request ring it writes, and the event ring the hub
 * writes. A reader thread demultiplexes the socket: replies complete waiting requests, doorbells wake
 * sleepers, and the end of the stream fails every waiting and later call with ENODEV.
 *
 * <p>A second connection, the doorbell socket, carries only doorbells (one byte each): a sleeping thread
 * waits on it itself, so the hub's doorbell wakes it directly, without a hand-off from the reader thread
 * (on a shared CPU that hand-off costs a second wake-up). One sleeper at a time waits on the socket;
 * other threads asleep on the same handle wait on a local doorbell that the socket's waiter rings when it
 * wakes. Should the doorbell socket not be set up or break, doorbells come as frames and wake the local
 * doorbell (and the socket's waiter). The
 * {@link HandleTimers} checks the hub's heartbeat and pid in its mark file: a heartbeat that stands still
 * beyond the handle's hub timeout fails the link with ETIMEDOUT and drops the connection.
 *
 * <p>Before it connects, the link checks the hub's directory and parent as the hub does
 * ({@link HubDirectory#checkOwnDirectory}, {@link HubDirectory#checkParent}); before it sends anything, that
 * the socket's peer runs as this process's user (H4). Every wait on a hub that lives but does not serve is
 * bounded: the connects by the hub timeout, replies and room in a full request ring by the request timeout
 * (E23).
 */
final class SocketLink implements HubLink
{
    private static final long WELCOME_TIMEOUT_NS = TimeUnit.SECONDS.toNanos(10);
    private static final int SPINS_BEFORE_YIELD = 1000;

    private final Path directory;
    private final HandleOptions options;
    private final SocketChannel channel;
    private final LocalDoorbell bell = new LocalDoorbell();
    private final DoorbellWaiter waiter;
    private final ConcurrentHashMap<Long, CompletableFuture<int[]>> calls = new ConcurrentHashMap<>();
    private final CompletableFuture<long[]> welcome = new CompletableFuture<>();
    private final CompletableFuture<Long> bellKey = new CompletableFuture<>();
    private volatile BellSocket bellSocket;
    private final AtomicLong requestIds = new AtomicLong();
    private final ByteBuffer request = ByteBuffer.allocateDirect(Protocol.MAX_REQUEST_LENGTH).order(Protocol.ORDER);
    private final Object postLock = new Object();
    private final Thread reader;
    private volatile EvtchnException failure;
    private volatile boolean closing;
    private volatile PortRing events;
    private volatile HubWatchdog watchdog;
    private PortRing requests;
    private long handleId;
    private int domid;
    private int maxPorts;

    private SocketLink(final Path directory, final HandleOptions options, final SocketChannel channel)
    {
        this.directory = directory;
        this.options = options;
        this.channel = channel;
        this.waiter = new GuardedWaiter(new SleeperWaiter(), () -> failure);
        this.reader = new Thread(this::readLoop, "evtchn-handle-" + directory.getFileName());
        reader.setDaemon(true);
    }

    static SocketLink connect(final Path directory, final HandleOptions options) throws EvtchnException
    {
        final SocketChannel channel = HubConnector.connectControl(directory, options.hubTimeoutNs());
        final SocketLink link = new SocketLink(directory, options, channel);
        link.reader.start();
        try
        {
            // from now on a stopped hub fails the link after the hub timeout
            link.watchdog = HubWatchdog.start(directory, options.hubTimeoutNs(), () -> link.failure != null, link::fail);
            final long pid = options.processId() != 0 ? options.processId() : ProcessHandle.current().pid();
            try
            {
                link.send(Protocol.OP_HELLO, 0, (int)pid, (int)(pid >>> 32));
            }
            catch (final IOException ex)
            {
                // the hub refused this peer and closed first: the reader thread reports its reason
            }
            link.awaitWelcome();
            link.openBellSocket(directory.resolve(HubDirectory.SOCKET_FILE));
            return link;
        }
        catch (final IOException ex)
        {
            link.close();
            throw ex instanceof EvtchnException ? (EvtchnException)ex : new EvtchnException(Errno.ENODEV, "lost the "
                + "connection to the hub at " + directory + " while attaching: " + ex.getMessage(), ex);
        }
    }

    /**
     * Open the doorbell socket: a second connection that presents the bell key the hub sent after its
     * welcome, and waits for the hub's acknowledgement. If that fails while the link itself is fine, the
     * handle keeps its doorbells as frames on the control socket.
     */
    private void openBellSocket(final Path socket) throws EvtchnException
    {
        final long key;
        try
        {
            key = bellKey.get(WELCOME_TIMEOUT_NS, TimeUnit.NANOSECONDS);
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            throw new EvtchnException(Errno.EINTR, "interrupted while attaching to the hub at " + directory, ex);
        }
        catch (final ExecutionException | TimeoutException ex)
        {
            throwIfFailed();
            return; // the hub sent no key: doorbells stay frames
        }
        bellSocket = BellSocket.open(socket, key, handleId, options.hubTimeoutNs(), WELCOME_TIMEOUT_NS, () -> failure != null);
        throwIfFailed();
    }

    /**
     * A sleeping thread of this handle: the first takes the doorbell socket, the others wait on the local
     * doorbell, whose rings are the marks of both.
     */
    private final class SleeperWaiter implements DoorbellWaiter
    {
        /**
         * {@inheritDoc}
         */
        @Override
        public long mark()
        {
            return bell.mark();
        }

        /**
         * {@inheritDoc}
         */
        @Override
        public boolean await(final long mark, final long timeoutNs) throws InterruptedException
        {
            final BellSocket socket = bellSocket;
            return socket != null && socket.tryClaimSleeper() ? awaitBellSocket(socket, mark, timeoutNs)
                : bell.await(mark, timeoutNs);
        }
    }

    /**
     * Sleep on the doorbell socket (this thread holds it) until a doorbell byte arrives, the timeout
     * passes, the link fails or the thread is interrupted; then let the other sleepers of this handle look
     * at the ring too. A thread that held the socket since the caller's mark may have taken the byte meant
     * for the caller, so the caller then does not sleep but looks at the ring again. The local doorbell
     * rings both before the socket is let go, so that a thread that takes the socket next sees a ring after
     * its mark, and after, so that a thread that found the socket held and sleeps on the local doorbell
     * tries to take it.
     *
     * @return true if a doorbell was taken, or another sleeper woke since the mark.
     */
    private boolean awaitBellSocket(final BellSocket socket, final long mark, final long timeoutNs)
        throws InterruptedException
    {
        try
        {
            if (bell.mark() != mark) // the last holder rang before it let go: the lock orders that ring before this
            {
                return true;
            }
            final boolean rung = socket.sleep(timeoutNs);
            if (Thread.interrupted())
            {
                throw new InterruptedException("interrupted while asleep on the doorbell of " + directory);
            }
            final EvtchnException cause = failure;
            if (cause != null)
            {
                throw new LinkFailedException(cause);
            }
            return rung;
        }
        finally
        {
            bell.ring(); // before the release: the next holder's check above sees it
            socket.releaseSleeper();
            bell.ring(); // after it: a sleeper that found the socket held wakes to take it
        }
    }

    private void awaitWelcome() throws EvtchnException
    {
        final long[] hello;
        try
        {
            hello = welcome.get(WELCOME_TIMEOUT_NS, TimeUnit.NANOSECONDS);
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            throw new EvtchnException(Errno.EINTR, "interrupted while attaching to the hub at " + directory, ex);
        }
        catch (final ExecutionException ex)
        {
            throw rethrown((EvtchnException)ex.getCause());
        }
        catch (final TimeoutException ex)
        {
            throw new EvtchnException(Errno.ETIMEDOUT, "the hub at " + directory + " accepted the connection but did "
                + "not answer: it may be stopped or overloaded", ex);
        }
        handleId = hello[0];
        domid = (int)hello[1];
        maxPorts = (int)hello[2];
        try
        {
            requests = PortRing.open(directory.resolve(HubHandle.requestsFileName(handleId)));
        }
        catch (final IOException | RuntimeException ex)
        {
            throw new EvtchnException(Errno.ENODEV, "cannot map the request ring the hub at " + directory
                + " made for this handle: " + ex.getMessage(), ex);
        }
    }

    /**
     * Fail the link for good: the first failure is kept, every waiting call and sleeper is woken, and the
     * connection is dropped (a hub that resumes releases the handle).
     */
    private void fail(final EvtchnException cause)
    {
        synchronized (calls)
        {
            if (failure != null)
            {
                return;
            }
            failure = cause;
        }
        welcome.completeExceptionally(cause);
        bellKey.completeExceptionally(cause);
        calls.forEach((id, call) -> call.completeExceptionally(cause));
        calls.clear();
        wake();
        HubConnector.closeQuietly(channel);
    }

    private void readLoop()
    {
        final ByteBuffer in = ByteBuffer.allocateDirect(Protocol.EVENT_FRAME_LENGTH).order(Protocol.ORDER);
        Errno faultErrno = null;
        Errno refusedErrno = null;
        try
        {
            while (true)
            {
                in.clear();
                if (!Protocol.readFully(channel, in))
                {
                    break;
                }
                final int type = in.getInt(0);
                final int errno = in.getInt(4);
                final long a = in.getLong(8);
                final int b = in.getInt(16);
                final int c = in.getInt(20);
                switch (type)
                {
                    case Protocol.TYPE_WELCOME:
                        welcome.complete(new long[] {a, b, c});
                        break;
                    case Protocol.TYPE_REFUSED:
                        refusedErrno = errnoOf(errno);
                        break;
                    case Protocol.TYPE_REPLY:
                        final CompletableFuture<int[]> call = calls.remove(a);
                        if (call != null)
                        {
                            call.complete(new int[] {errno, b, c});
                        }
                        break;
                    case Protocol.TYPE_BELL_KEY:
                        bellKey.complete(a);
                        break;
                    case Protocol.TYPE_DOORBELL:
                        wake();
                        break;
                    case Protocol.TYPE_FAULT:
                        faultErrno = errnoOf(errno);
                        break;
                    default:
                        faultErrno = Errno.EIO;
                        break;
                }
            }
        }
        catch (final IOException ex)
        {
            // the connection ended: handled below
        }
        final EvtchnException cause;
        if (refusedErrno != null)
        {
            cause = new EvtchnException(refusedErrno, "the hub at " + directory + " refused this process"
                + (refusedErrno == Errno.EACCES ? ": it runs as another user (a hub serves only its own uid)" : ""));
        }
        else if (closing)
        {
            cause = new EvtchnException(Errno.EBADF, "this handle is closed");
        }
        else if (faultErrno != null)
        {
            cause = new EvtchnException(faultErrno, "the hub at " + directory + " disconnected this handle after a bad "
                + "request (" + faultErrno + "); open a new handle");
        }
        else
        {
            cause = new EvtchnException(Errno.ENODEV, "the hub at " + directory + " went away (closed or died); open "
                + "a new handle once a hub runs there again");
        }
        fail(cause);
    }

    private static Errno errnoOf(final int number)
    {
        try
        {
            return Errno.of(number);
        }
        catch (final IllegalArgumentException ex)
        {
            return Errno.EIO;
        }
    }

    @Override
    public int domid()
    {
        return domid;
    }

    @Override
    public int maxPorts()
    {
        return maxPorts;
    }

    @Override
    public int control(final int op, final int a, final int b) throws EvtchnException
    {
        throwIfFailed();
        final long id = requestIds.incrementAndGet();
        final CompletableFuture<int[]> call = new CompletableFuture<>();
        calls.put(id, call);
        if (failure != null)
        {
            calls.remove(id);
            throwIfFailed();
        }
        try
        {
            send(op, id, a, b);
        }
        catch (final IOException ex)
        {
            calls.remove(id);
            throwIfFailed();
            throw new EvtchnException(Errno.ENODEV, "lost the connection to the hub at " + directory + ": "
                + ex.getMessage(), ex);
        }
        final int[] reply = awaitReply(call, op);
        if (reply[2] > 0 && events == null)
        {
            mapEvents(); // whatever the answer: the hub has made the ring, and sleepers wait for it (H6)
        }
        if (reply[0] != 0)
        {
            throw ErrorText.exception(op, errnoOf(reply[0]), a, b);
        }
        return reply[1];
    }

    private void send(final int op, final long id, final int a, final int b) throws IOException
    {
        synchronized (request)
        {
            Protocol.writeFully(channel, Protocol.putRequest(request, op, id, a, b));
        }
    }

    private int[] awaitReply(final CompletableFuture<int[]> call, final int op) throws EvtchnException
    {
        boolean interrupted = false;
        try
        {
            final long deadline = System.nanoTime() + options.requestTimeoutNs();
            while (true)
            {
                try
                {
                    return call.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
                }
                catch (final InterruptedException ex)
                {
                    interrupted = true; // control requests complete; the interrupt is kept for the caller
                }
                catch (final ExecutionException ex)
                {
                    throw rethrown((EvtchnException)ex.getCause());
                }
                catch (final TimeoutException ex)
                {
                    throw new EvtchnException(Errno.ETIMEDOUT, "the hub at " + directory + " did not answer op " + op
                        + " in " + TimeUnit.NANOSECONDS.toMillis(options.requestTimeoutNs()) + " ms (the request timeout): "
                        + "it may be stopped or hung", ex);
                }
            }
        }
        finally
        {
            if (interrupted)
            {
                Thread.currentThread().interrupt();
            }
        }
    }

    private synchronized void mapEvents() throws EvtchnException
    {
        if (events != null)
        {
            return;
        }
        final Path file = directory.resolve(HubHandle.eventsFileName(handleId));
        try
        {
            final PortRing ring = PortRing.open(file);
            events = ring;
        }
        catch (final IOException | RuntimeException ex)
        {
            throw new EvtchnException(Errno.ENODEV, "cannot map the event ring the hub at " + directory
                + " made for this handle: " + ex.getMessage(), ex);
        }
        wake(); // every reader waiting for the ring to exist looks again, the one on the doorbell socket included (H6)
    }

    @Override
    public void post(final int ringOp, final int port) throws EvtchnException
    {
        final int word = Protocol.ringWord(ringOp, port);
        final PortRing requests = this.requests;
        synchronized (postLock)
        {
            try
            {
                // tryOffer reads the hub's cons line only when its cached copy says full, so a post with room costs
                // no read of the lines the hub polls and writes; a full ring waits for room (it never overflows)
                if (!requests.tryOffer(word))
                {
                    awaitRoom(requests, word);
                }
            }
            catch (final IllegalStateException ex)
            {
                throw new EvtchnException(Errno.EIO, "the request ring the hub at " + directory + " made for this handle "
                    + "is unusable (" + ex.getMessage() + "); open a new handle", ex);
            }
        }
    }

    /**
     * Offer a request word to a full request ring until the hub makes room, for at most the request
     * timeout: a hub that takes no request for that long while its heartbeat moves is hung or hostile, and
     * the caller is not held forever (E23).
     */
    private void awaitRoom(final PortRing requests, final int word) throws EvtchnException
    {
        final long deadline = System.nanoTime() + options.requestTimeoutNs();
        int spins = 0;
        while (!requests.tryOffer(word))
        {
            throwIfFailed();
            if (++spins <= SPINS_BEFORE_YIELD)
            {
                Thread.onSpinWait();
            }
            else if (System.nanoTime() - deadline < 0)
            {
                Thread.yield();
            }
            else
            {
                throw new EvtchnException(Errno.ETIMEDOUT, "the hub at " + directory + " took no request from this "
                    + "handle for " + TimeUnit.NANOSECONDS.toMillis(options.requestTimeoutNs()) + " ms (the request "
                    + "timeout): its request ring stays full, so the hub is hung or overloaded; the request was not sent");
            }
        }
    }

    private void throwIfFailed() throws EvtchnException
    {
        final EvtchnException cause = failure;
        if (cause != null)
        {
            throw rethrown(cause);
        }
    }

    /**
     * A copy of a failure recorded by the reader thread, with the calling thread's stack.
     */
    static EvtchnException rethrown(final EvtchnException cause)
    {
        return new EvtchnException(cause.errno(), cause.getMessage().substring(cause.errno().name().length() + 2), cause);
    }

    @Override
    public PortRing events()
    {
        return events;
    }

    @Override
    public DoorbellWaiter waiter()
    {
        return waiter;
    }

    @Override
    public EvtchnException failure()
    {
        return failure;
    }

    @Override
    public void wake()
    {
        bell.ring();
        final BellSocket socket = bellSocket;
        if (socket != null)
        {
            socket.wakeup(); // the sleeper on the doorbell socket
        }
    }

    /**
     * End the connection and wait (a bounded time) until the hub has released the handle and closed its
     * end. The rings are unmapped {@link HandleOptions#ringLinger()} later: the handle's non-blocking calls
     * are not counted, and one that was past its closed check when the handle closed still reads or posts
     * on them. The caller guarantees that no thread is blocked on the link any more.
     */
    @Override
    public void close()
    {
        closing = true;
        try
        {
            if (failure == null)
            {
                channel.shutdownOutput(); // end of stream: the hub releases the handle, then closes its end
            }
            closeAfter(reader, TimeUnit.SECONDS.toNanos(5));
        }
        catch (final IOException ex)
        {
            // the connection is already gone
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
        }
        final HubWatchdog watchdog = this.watchdog;
        if (watchdog != null)
        {
            watchdog.close();
        }
        HubConnector.closeQuietly(channel);
        final BellSocket socket = bellSocket;
        if (socket != null)
        {
            socket.close();
        }
        final PortRing requestRing = requests;
        final PortRing eventRing = events;
        final Runnable unmapRings = () ->
        {
            if (requestRing != null)
            {
                requestRing.close();
            }
            if (eventRing != null)
            {
                eventRing.close();
            }
        };
        HandleTimers.linger(unmapRings, options.ringLingerNs());
    }

    /**
     * Wait for the reader thread to see the hub close its end, for at most a bound, while the hub's
     * heartbeat says it is alive (a stopped hub never closes its end: the watchdog fails the link and
     * the reader ends at once).
     */
    private void closeAfter(final Thread reader, final long boundNs) throws InterruptedException
    {
        reader.join(TimeUnit.NANOSECONDS.toMillis(boundNs));
        if (reader.isAlive())
        {
            HubConnector.closeQuietly(channel); // the hub did not answer the end of stream in time: stop waiting for it
            reader.join(TimeUnit.SECONDS.toMillis(1));
        }
    }
}

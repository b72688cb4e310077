package dev.evring.evtchn;

import dev.evring.ring.Errno;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.util.concurrent.TimeUnit;

/**
 * The hub's end of one remote handle's control socket: a thread that reads request frames and answers
 * them, and the writer of the handle's doorbell and fault frames. The connection is the handle: its end
 * of stream releases the handle.
 */
final class HubSession implements Runnable
{
    private final EvtchnHub hub;
    private final SocketChannel channel;
    private final ByteBuffer out = ByteBuffer.allocateDirect(Protocol.EVENT_FRAME_LENGTH).order(Protocol.ORDER);
    private final ByteBuffer length = ByteBuffer.allocate(4).order(Protocol.ORDER);
    private final ByteBuffer frame = ByteBuffer.allocate(Protocol.MAX_REQUEST_LENGTH).order(Protocol.ORDER);
    private HubHandle handle;
    private Thread thread;

    HubSession(final EvtchnHub hub, final SocketChannel channel)
    {
        this.hub = hub;
        this.channel = channel;
    }

    void start(final HubHandle handle, final int maxPorts)
    {
        this.handle = handle;
        if (!send(Protocol.TYPE_WELCOME, 0, handle.id, handle.domid(), maxPorts))
        {
            hub.release(handle);
            return;
        }
        thread = new Thread(this, "evtchn-hub-session-" + handle.domid());
        thread.setDaemon(true);
        thread.start();
    }

    void refuse(final Errno errno)
    {
        send(Protocol.TYPE_REFUSED, errno.number(), 0, 0, 0);
        close();
    }

    void doorbell()
    {
        send(Protocol.TYPE_DOORBELL, 0, 0, 0, 0);
    }

    void fault(final Errno errno)
    {
        send(Protocol.TYPE_FAULT, errno.number(), 0, 0, 0);
        close();
    }

    private synchronized boolean send(final int type, final int errno, final long a, final int b, final int c)
    {
        final ByteBuffer out = this.out;
        out.clear();
        out.putInt(type).putInt(errno).putLong(a).putInt(b).putInt(c).flip();
        try
        {
            Protocol.writeFully(channel, out);
            return true;
        }
        catch (final IOException ex)
        {
            return false; // the reading thread sees the broken connection and releases the handle
        }
    }

    /**
     * Read and answer requests until the connection ends, then release the handle.
     */
    @Override
    public void run()
    {
        try
        {
            boolean open = true;
            while (open)
            {
                open = serveOne();
            }
        }
        catch (final IOException ex)
        {
            // end of the connection: a closed handle, a dead process or a truncated frame
        }
        finally
        {
            hub.release(handle);
            close();
        }
    }

    private boolean serveOne() throws IOException
    {
        length.clear();
        if (!Protocol.readFully(channel, length))
        {
            return false;
        }
        final int frameLength = length.getInt(0);
        if (frameLength < Protocol.MIN_REQUEST_LENGTH || frameLength > Protocol.MAX_REQUEST_LENGTH)
        {
            hub.countError();
            send(Protocol.TYPE_REPLY, Errno.EINVAL.number(), 0, 0, 0);
            send(Protocol.TYPE_FAULT, Errno.EINVAL.number(), 0, 0, 0);
            return false; // the stream cannot be resynchronised after a bad length
        }
        frame.clear().limit(frameLength);
        if (!Protocol.readFully(channel, frame))
        {
            return false;
        }
        frame.flip();
        final int op = frame.getInt();
        final long requestId = frame.getLong();
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
        if (malformed != null)
        {
            hub.countError();
            return send(Protocol.TYPE_REPLY, malformed.number(), requestId, 0, 0);
        }
        final int a = arguments > 0 ? frame.getInt() : 0;
        final int b = arguments > 1 ? frame.getInt() : 0;
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
        return send(Protocol.TYPE_REPLY, errno, requestId, value, hub.eventRingCapacity(handle));
    }

    void close()
    {
        try
        {
            channel.close();
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

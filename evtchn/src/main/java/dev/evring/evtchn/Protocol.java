package dev.evring.evtchn;

import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.WritableByteChannel;

/**
 * The wire format between a handle and its hub.
 *
 * <p><b>Control socket, handle to hub</b>: length-prefixed frames, {@code int length} (the bytes that
 * follow, {@link #MIN_REQUEST_LENGTH} to {@link #MAX_REQUEST_LENGTH}), {@code int op}, {@code long requestId},
 * then the op's {@code int} arguments. All little-endian. The first frame of a connection must be
 * {@link #OP_HELLO} (the client's pid, which names its domain); the hub answers it with a welcome or a
 * refusal. A handle then opens a second connection, its doorbell socket, whose only frame is
 * {@link #OP_BELL}; the hub answers it with one {@link #BELL_ACK} byte and from then on sends one byte
 * down it per doorbell instead of a doorbell frame, so a sleeping handle thread blocks on that socket
 * itself and is woken by the hub directly (no hand-off from the thread that reads the control socket).
 *
 * <p><b>Control socket, hub to handle</b>: fixed frames of {@link #EVENT_FRAME_LENGTH} bytes,
 * {@code int type, int errno, long a, int b, int c}; the type keeps replies, doorbells and faults apart.
 *
 * <p><b>Request ring</b> (shared memory, handle to hub): one 32-bit word per request, the op in the top
 * 8 bits and the port in the low 24.
 */
final class Protocol
{
    static final ByteOrder ORDER = ByteOrder.LITTLE_ENDIAN;

    /**
     * What an unbind leaves in an event ring in place of each unread copy of the port it removed (port 0
     * is never bound, as in Xen); readers skip it.
     */
    static final int BLANK = 0;
    /** Request header after the length: op and request id. */
    static final int MIN_REQUEST_LENGTH = 12;
    /** The largest request frame the hub reads; a longer one is refused and its sender disconnected. */
    static final int MAX_REQUEST_LENGTH = 256;

    static final int OP_BIND_UNBOUND_PORT = 1;
    static final int OP_BIND_INTERDOMAIN = 2;
    static final int OP_BIND_VIRQ = 3;
    static final int OP_BIND_STATIC = 4;
    static final int OP_UNBIND = 5;
    static final int OP_NOTIFY = 6;
    static final int OP_RESET = 7;
    static final int OP_RESTRICT = 8;
    static final int OP_UNMASK = 9;
    /** First frame of a connection: a = low 32 bits of the client's pid, b = high 32 bits. */
    static final int OP_HELLO = 10;
    /**
     * First and only frame of a doorbell socket: requestId = the handle's bell key (from
     * {@link #TYPE_BELL_KEY}), a = low 32 bits of the handle id, b = high 32 bits.
     */
    static final int OP_BELL = 11;

    /** Hub to handle: first frame; a = handle id, b = domid, c = max ports. */
    static final int TYPE_WELCOME = 1;
    /** Hub to handle: the peer was refused; errno says why, then the hub closes. */
    static final int TYPE_REFUSED = 2;
    /** Hub to handle: a = request id, errno (0 = success), b = value, c = event ring capacity. */
    static final int TYPE_REPLY = 3;
    /** Hub to handle: a port landed in the event ring while the handle slept. */
    static final int TYPE_DOORBELL = 4;
    /** Hub to handle: the handle broke the protocol (errno says how); the hub closes after it. */
    static final int TYPE_FAULT = 5;
    /** Hub to handle: right after the welcome; a = the key that attaches a doorbell socket to the handle. */
    static final int TYPE_BELL_KEY = 6;
    /** The byte with which the hub accepts a doorbell socket (a refusal there is a frame of type 2). */
    static final byte BELL_ACK = 0x7B;

    static final int EVENT_FRAME_LENGTH = 24;

    /** Request-ring op: re-enable a port. */
    static final int RING_UNMASK = 1;
    /** Request-ring op: send an event on a port. */
    static final int RING_NOTIFY = 2;
    /** Request-ring op: unmask the port, then notify through it (one word for the two). */
    static final int RING_UNMASK_NOTIFY = 3;
    static final int RING_PORT_BITS = 24;
    static final int RING_PORT_MASK = (1 << RING_PORT_BITS) - 1;

    private Protocol()
    {
    }

    /**
     * How many {@code int} arguments an op takes.
     *
     * @param op the op code.
     * @return the count, or -1 for an unknown op.
     */
    static int argumentCount(final int op)
    {
        switch (op)
        {
            case OP_RESET:
                return 0;
            case OP_BIND_UNBOUND_PORT:
            case OP_BIND_VIRQ:
            case OP_BIND_STATIC:
            case OP_UNBIND:
            case OP_NOTIFY:
            case OP_RESTRICT:
            case OP_UNMASK:
                return 1;
            case OP_BIND_INTERDOMAIN:
            case OP_HELLO:
            case OP_BELL:
                return 2;
            default:
                return -1;
        }
    }

    /**
     * Lay out a request frame, length first, in a cleared buffer and flip it for writing.
     *
     * @param frame room for {@link #MAX_REQUEST_LENGTH} bytes, in {@link #ORDER}.
     * @param op    the op; it takes {@link #argumentCount(int)} of {@code a} and {@code b}.
     * @param id    the request id (for {@link #OP_BELL}, the bell key).
     * @param a     the first argument, if the op takes one.
     * @param b     the second argument, if the op takes two.
     * @return the frame, ready to write.
     */
    static ByteBuffer putRequest(final ByteBuffer frame, final int op, final long id, final int a, final int b)
    {
        final int arguments = argumentCount(op);
        frame.clear();
        frame.putInt(MIN_REQUEST_LENGTH + arguments * Integer.BYTES).putInt(op).putLong(id);
        if (arguments > 0)
        {
            frame.putInt(a);
        }
        if (arguments > 1)
        {
            frame.putInt(b);
        }
        return frame.flip();
    }

    static int ringWord(final int op, final int port)
    {
        return (op << RING_PORT_BITS) | (port & RING_PORT_MASK);
    }

    static void writeFully(final WritableByteChannel channel, final ByteBuffer buffer) throws IOException
    {
        while (buffer.hasRemaining())
        {
            channel.write(buffer);
        }
    }

    /**
     * Fill the buffer's remaining space.
     *
     * @return false on end of stream before the first byte; a stream that ends mid-buffer is an
     * {@link EOFException}.
     */
    static boolean readFully(final ReadableByteChannel channel, final ByteBuffer buffer) throws IOException
    {
        final int start = buffer.position();
        while (buffer.hasRemaining())
        {
            if (channel.read(buffer) < 0)
            {
                if (buffer.position() == start)
                {
                    return false;
                }
                throw new EOFException("the peer closed the connection in the middle of a frame");
            }
        }
        return true;
    }
}

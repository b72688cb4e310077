package dev.evring.bridge;

import io.aeron.protocol.DataHeaderFlyweight;
import io.aeron.protocol.HeaderFlyweight;
import org.agrona.BitUtil;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.SocketException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;

import static dev.evring.bridge.BridgeMessageDescriptor.HEADER_LENGTH;
import static dev.evring.bridge.BridgeMessageDescriptor.MAGIC;
import static dev.evring.bridge.BridgeMessageDescriptor.MAGIC_OFFSET;
import static dev.evring.bridge.BridgeMessageDescriptor.ORDER;
import static dev.evring.bridge.BridgeMessageDescriptor.TYPE_OFFSET;

/**
 * An attacker on the path, on loopback UDP: one bridge's stream to a peer is sent to this relay, which forwards
 * its datagrams to the peer's listen address and the peer's status messages and NAKs back to the sender, and
 * can change a bridge message in flight inside an Aeron data frame (32-byte {@link DataHeaderFlyweight}, then
 * the message), turn its frame into padding (the message vanishes from the stream, which Aeron then sees as
 * complete), or drop the sender's datagrams for a while (a partition). It keeps a copy of the last message of
 * each type it forwarded, for replays.
 */
final class UdpRelay implements AutoCloseable
{
    private static final int SO_TIMEOUT_MS = 50;

    private final DatagramSocket socket;
    private final InetSocketAddress target;
    private final Thread thread;
    private final AtomicReference<Tamper> armed = new AtomicReference<>();
    private final AtomicInteger tampered = new AtomicInteger();
    private final ConcurrentHashMap<Integer, byte[]> last = new ConcurrentHashMap<>();
    private volatile SocketAddress source;
    private volatile boolean partitioned;

    private record Tamper(int type, Consumer<MutableDirectBuffer> change)
    {
    }

    /**
     * Start relaying to a bridge's listen port on loopback.
     *
     * @param targetPort the receiving bridge's listen port.
     */
    UdpRelay(final int targetPort) throws IOException
    {
        final InetAddress loopback = InetAddress.getByName(Bridges.LOOPBACK);
        target = new InetSocketAddress(loopback, targetPort);
        socket = new DatagramSocket(new InetSocketAddress(loopback, 0));
        socket.setSoTimeout(SO_TIMEOUT_MS);
        thread = new Thread(this::run, "udp-relay-" + targetPort);
        thread.setDaemon(true);
        thread.start();
    }

    /**
     * The port the sending bridge must take for its peer's.
     */
    int port()
    {
        return socket.getLocalPort();
    }

    /**
     * Change the next bridge message of a type in flight (once): {@code change} gets the message alone,
     * offset 0, its length unchanged.
     */
    void tamperNext(final int type, final Consumer<MutableDirectBuffer> change)
    {
        armed.set(new Tamper(type, change));
    }

    /**
     * Turn the Aeron frame of the next bridge message of a type into padding (once): the receiver's stream
     * goes on without it, as if it had never been sent.
     */
    void padNext(final int type)
    {
        armed.set(new Tamper(type, null));
    }

    /**
     * How many frames were changed so far.
     */
    int tampered()
    {
        return tampered.get();
    }

    /**
     * A copy of the last message of a type forwarded as it was sent, or null.
     */
    byte[] last(final int type)
    {
        final byte[] message = last.get(type);
        return message == null ? null : message.clone();
    }

    /**
     * Drop (true) or forward again (false) the sender's datagrams; the receiver's still go back.
     */
    void partition(final boolean drop)
    {
        partitioned = drop;
    }

    private void run()
    {
        final byte[] bytes = new byte[65536];
        final DatagramPacket packet = new DatagramPacket(bytes, bytes.length);
        while (!socket.isClosed())
        {
            try
            {
                packet.setData(bytes);
                socket.receive(packet);
                relay(packet);
            }
            catch (final SocketException ex)
            {
                return; // closed
            }
            catch (final IOException ex)
            {
                // a receive timeout: look at whether the socket was closed
            }
        }
    }

    private void relay(final DatagramPacket packet) throws IOException
    {
        if (target.equals(packet.getSocketAddress()))
        {
            final SocketAddress sender = source;
            if (sender != null)
            {
                socket.send(new DatagramPacket(packet.getData(), packet.getLength(), sender));
            }
            return;
        }
        source = packet.getSocketAddress();
        if (!partitioned)
        {
            onFrames(new UnsafeBuffer(packet.getData(), 0, packet.getLength()));
            socket.send(new DatagramPacket(packet.getData(), packet.getLength(), target));
        }
    }

    /**
     * Walk the frames of a datagram (each aligned to 32 bytes) and look at the bridge message in each data
     * frame.
     */
    private void onFrames(final UnsafeBuffer datagram)
    {
        int offset = 0;
        while (offset + DataHeaderFlyweight.HEADER_LENGTH <= datagram.capacity())
        {
            final int frameLength = datagram.getInt(offset + HeaderFlyweight.FRAME_LENGTH_FIELD_OFFSET, ORDER);
            if (frameLength < HeaderFlyweight.MIN_HEADER_LENGTH)
            {
                return;
            }
            if (datagram.getShort(offset + HeaderFlyweight.TYPE_FIELD_OFFSET, ORDER) == HeaderFlyweight.HDR_TYPE_DATA
                && frameLength >= DataHeaderFlyweight.HEADER_LENGTH + HEADER_LENGTH
                && offset + frameLength <= datagram.capacity())
            {
                onMessage(datagram, offset, frameLength);
            }
            offset += BitUtil.align(frameLength, DataHeaderFlyweight.HEADER_LENGTH);
        }
    }

    private void onMessage(final UnsafeBuffer datagram, final int frameOffset, final int frameLength)
    {
        final UnsafeBuffer message = new UnsafeBuffer(datagram, frameOffset + DataHeaderFlyweight.HEADER_LENGTH,
            frameLength - DataHeaderFlyweight.HEADER_LENGTH);
        if (message.getShort(MAGIC_OFFSET, ORDER) != MAGIC)
        {
            return;
        }
        final int type = message.getByte(TYPE_OFFSET);
        final byte[] copy = new byte[message.capacity()];
        message.getBytes(0, copy);
        last.put(type, copy);
        final Tamper tamper = armed.get();
        if (tamper != null && tamper.type == type && armed.compareAndSet(tamper, null))
        {
            if (tamper.change == null)
            {
                datagram.putShort(frameOffset + HeaderFlyweight.TYPE_FIELD_OFFSET, (short)HeaderFlyweight.HDR_TYPE_PAD,
                    ORDER);
            }
            else
            {
                tamper.change.accept(message);
            }
            tampered.incrementAndGet();
        }
    }

    /**
     * Stop relaying.
     */
    @Override
    public void close() throws InterruptedException
    {
        socket.close();
        thread.join(5_000);
    }
}

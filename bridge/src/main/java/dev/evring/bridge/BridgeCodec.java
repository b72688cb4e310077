package dev.evring.bridge;

import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

import java.nio.charset.StandardCharsets;

import static dev.evring.bridge.BridgeMessageDescriptor.*;

/**
 * Writes bridge messages into one scratch buffer (each writer returns the message's length) and reads the
 * fields that need checking (host names). Layout: {@link BridgeMessageDescriptor}. The trailer of a sealed
 * message is written as zeros: its sequence number and tag are filled in as it leaves
 * ({@link SessionKeys#seal}), or at once for an answer on its own ({@link SessionKeys#sealAnswer}). Not
 * thread-safe: one per writer.
 */
final class BridgeCodec
{
    private final UnsafeBuffer buffer = new UnsafeBuffer(new byte[PROOF_LENGTH]);

    /**
     * The buffer every writer fills from offset 0.
     */
    UnsafeBuffer buffer()
    {
        return buffer;
    }

    int hello(final byte[] nonce, final String name, final String target)
    {
        header(HELLO);
        buffer.putBytes(HELLO_NONCE_OFFSET, nonce);
        names(HELLO_NAME_LENGTH_OFFSET, HELLO_NAME_OFFSET, name);
        names(HELLO_TARGET_LENGTH_OFFSET, HELLO_TARGET_OFFSET, target);
        return HELLO_LENGTH;
    }

    int proof(final byte[] nonce, final byte[] own, final byte[] hmac, final String name, final String target)
    {
        header(PROOF);
        buffer.putBytes(PROOF_NONCE_OFFSET, nonce);
        buffer.putBytes(PROOF_OWN_NONCE_OFFSET, own);
        buffer.putBytes(PROOF_HMAC_OFFSET, hmac);
        names(PROOF_NAME_LENGTH_OFFSET, PROOF_NAME_OFFSET, name);
        names(PROOF_TARGET_LENGTH_OFFSET, PROOF_TARGET_OFFSET, target);
        return trailer(PROOF_LENGTH);
    }

    int heartbeat()
    {
        header(HEARTBEAT);
        return trailer(HEARTBEAT_LENGTH);
    }

    int bind(final int type, final long requestId, final int binderDomid, final int binderPort,
        final int unboundDomid, final int unboundPort, final int errno)
    {
        header(type);
        buffer.putLong(BIND_REQUEST_ID_OFFSET, requestId, ORDER);
        buffer.putInt(BIND_BINDER_DOMID_OFFSET, binderDomid, ORDER);
        buffer.putInt(BIND_BINDER_PORT_OFFSET, binderPort, ORDER);
        buffer.putInt(BIND_UNBOUND_DOMID_OFFSET, unboundDomid, ORDER);
        buffer.putInt(BIND_UNBOUND_PORT_OFFSET, unboundPort, ORDER);
        buffer.putInt(BIND_ERRNO_OFFSET, errno, ORDER);
        buffer.putInt(BIND_RESERVED_OFFSET, 0, ORDER);
        return trailer(BIND_LENGTH);
    }

    int channel(final int type, final int domid, final int port, final int remotePort)
    {
        header(type);
        buffer.putInt(CHANNEL_DOMID_OFFSET, domid, ORDER);
        buffer.putInt(CHANNEL_PORT_OFFSET, port, ORDER);
        buffer.putInt(CHANNEL_REMOTE_PORT_OFFSET, remotePort, ORDER);
        buffer.putInt(CHANNEL_RESERVED_OFFSET, 0, ORDER);
        return trailer(CHANNEL_LENGTH);
    }

    /**
     * The fields of a BIND_REQUEST or BIND_REPLY.
     *
     * @param requestId    the binding side's request id.
     * @param binderDomid  the binding domain (on the requesting side).
     * @param binderPort   the binding side's new port.
     * @param unboundDomid the domain of the unbound port (on the answering side).
     * @param unboundPort  the unbound port.
     * @param errno        0, or why the bind was refused.
     */
    record Bind(long requestId, int binderDomid, int binderPort, int unboundDomid, int unboundPort, int errno)
    {
        static Bind read(final DirectBuffer message, final int offset)
        {
            return new Bind(
                message.getLong(offset + BIND_REQUEST_ID_OFFSET, ORDER),
                message.getInt(offset + BIND_BINDER_DOMID_OFFSET, ORDER),
                message.getInt(offset + BIND_BINDER_PORT_OFFSET, ORDER),
                message.getInt(offset + BIND_UNBOUND_DOMID_OFFSET, ORDER),
                message.getInt(offset + BIND_UNBOUND_PORT_OFFSET, ORDER),
                message.getInt(offset + BIND_ERRNO_OFFSET, ORDER));
        }

        /**
         * Whether both domids are below the span and both ports are port numbers.
         */
        boolean namesAChannel(final int span)
        {
            return binderDomid >= 0 && binderDomid < span && unboundDomid >= 0 && unboundDomid < span
                && binderPort > 0 && unboundPort > 0;
        }
    }

    /**
     * Read a host name field: its length word must be 1..64, the bytes a valid name and the padding zero.
     *
     * @return the name, or null if the field is malformed.
     */
    static String name(final DirectBuffer message, final int offset, final int lengthOffset, final int nameOffset)
    {
        final int length = message.getInt(offset + lengthOffset, ORDER);
        if (length < 1 || length > NAME_CAPACITY)
        {
            return null;
        }
        for (int i = length; i < NAME_CAPACITY; i++)
        {
            if (message.getByte(offset + nameOffset + i) != 0)
            {
                return null;
            }
        }
        final String name = message.getStringWithoutLengthAscii(offset + nameOffset, length);
        try
        {
            return BridgeConfig.checkName(name);
        }
        catch (final IllegalArgumentException ex)
        {
            return null;
        }
    }

    /**
     * Read a nonce field.
     *
     * @return a copy of its {@link BridgeMessageDescriptor#NONCE_LENGTH} bytes.
     */
    static byte[] nonce(final DirectBuffer message, final int offset)
    {
        final byte[] nonce = new byte[NONCE_LENGTH];
        message.getBytes(offset, nonce);
        return nonce;
    }

    private void header(final int type)
    {
        buffer.putShort(MAGIC_OFFSET, MAGIC, ORDER);
        buffer.putByte(VERSION_OFFSET, VERSION);
        buffer.putByte(TYPE_OFFSET, (byte)type);
        buffer.putInt(RESERVED_OFFSET, 0, ORDER);
    }

    /**
     * Zero the trailer of a sealed message of this length.
     *
     * @return the length.
     */
    private int trailer(final int length)
    {
        buffer.putLong(sequenceOffset(length), 0L, ORDER);
        buffer.putLong(tagOffset(length), 0L, ORDER);
        return length;
    }

    private void names(final int lengthOffset, final int nameOffset, final String name)
    {
        final byte[] bytes = name.getBytes(StandardCharsets.US_ASCII);
        buffer.putInt(lengthOffset, bytes.length, ORDER);
        buffer.setMemory(nameOffset, NAME_CAPACITY, (byte)0);
        buffer.putBytes(nameOffset, bytes);
    }
}

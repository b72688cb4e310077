package dev.evring.bridge;

import org.agrona.DirectBuffer;

import java.nio.ByteOrder;

/**
 * The layout of the messages bridges exchange, one Aeron message each, little-endian. Every message starts
 * with the same header; each type has one fixed length, and a message of any other length is malformed.
 * Every message but HELLO ends with a trailer that authenticates it (B6): a sequence number and a
 * SipHash-2-4 tag ({@link MessageAuthenticator}).
 *
 * <pre>
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +-------------------------------+---------------+---------------+
 *  |        magic 0x4245 "EB"      |  version (3)  |     type      |  0  header, every message
 *  +-------------------------------+---------------+---------------+
 *  |                          reserved (0)                         |  4
 *  +---------------------------------------------------------------+
 *
 *  HELLO (1), 160 bytes: the sender's challenge to the receiver; no trailer
 *  |                    nonce (16 random bytes)                    |  8
 *  |                 name length       |      target length       | 24, 28
 *  |             sender's host name (64 bytes, 0-padded)           | 32
 *  |           receiver's host name (64 bytes, 0-padded)           | 96
 *
 *  PROOF (2), 224 bytes: the answer to the receiver's challenge, naming the sender's own
 *  |                  nonce answered (16 bytes)                    |  8
 *  |       the sender's challenge to the receiver (16 bytes)       | 24
 *  |  HMAC-SHA256(secret, label | nonce | own | sender | receiver) | 40  (32 bytes)
 *  |                 name length       |      target length       | 72, 76
 *  |             sender's host name (64 bytes, 0-padded)           | 80
 *  |           receiver's host name (64 bytes, 0-padded)           | 144
 *  |                            trailer                            | 208
 *
 *  HEARTBEAT (3), 24 bytes: the header and the trailer
 *  |                            trailer                            |  8
 *
 *  BIND_REQUEST (4) and BIND_REPLY (5), 56 bytes
 *  |                     request id (64 bits)                      |  8
 *  |  binding domid (sender of the request) | binding side's port  | 16, 20
 *  |  unbound port's domid                  | unbound port         | 24, 28
 *  |  errno (0: connected; request: 0)      | reserved (0)         | 32, 36
 *  |                            trailer                            | 40
 *
 *  NOTIFY (6) and CLOSE (7), 40 bytes: about the channel of the sender's port
 *  |  sender's domid                        | sender's port        |  8, 12
 *  |  receiver's port                       | reserved (0)         | 16, 20
 *  |                            trailer                            | 24
 *
 *  trailer, the last 16 bytes of every message but HELLO
 *  +---------------------------------------------------------------+
 *  |     sequence number (64 bits; a key's first is 1, 0 alone)    | length - 16
 *  +---------------------------------------------------------------+
 *  |     SipHash-2-4 of bytes 0 .. length - 9, direction's key     | length - 8
 *  +---------------------------------------------------------------+
 * </pre>
 *
 * Domids are the sender's and receiver's own (each bridge maps the peer's onto its reserved range);
 * ports are hub-wide port numbers. The sequence numbers count the sealed messages of one stream under one
 * key, from 1: the key is the receiver's challenge's, taken by the sender when it accepts the receiver (the
 * receiver's PROOF names its challenge), and the first message under it is the sender's PROOF of that
 * challenge; the receiver takes the messages after the PROOF it accepted in order, one number after the other.
 * A PROOF answering a HELLO before that is sealed on its own with the key of the nonce it answers and sequence
 * number 0: it is in no sequence, and sending it changes nothing ({@link SessionKeys}).
 */
public final class BridgeMessageDescriptor
{
    /** Byte order of every field. */
    public static final ByteOrder ORDER = ByteOrder.LITTLE_ENDIAN;
    /** The magic in the first two bytes. */
    public static final short MAGIC = 0x4245;
    /** The layout version. */
    public static final byte VERSION = 3;

    /** Offset of the magic. */
    public static final int MAGIC_OFFSET = 0;
    /** Offset of the version. */
    public static final int VERSION_OFFSET = 2;
    /** Offset of the type. */
    public static final int TYPE_OFFSET = 3;
    /** Offset of the reserved header word. */
    public static final int RESERVED_OFFSET = 4;
    /** Length of the header. */
    public static final int HEADER_LENGTH = 8;

    /** A challenge. */
    public static final int HELLO = 1;
    /** An answer to a challenge. */
    public static final int PROOF = 2;
    /** A sign of life. */
    public static final int HEARTBEAT = 3;
    /** bindInterdomain to a port of the receiver's hub. */
    public static final int BIND_REQUEST = 4;
    /** The receiver's answer to a bind request. */
    public static final int BIND_REPLY = 5;
    /** Fire the other end of the sender's port. */
    public static final int NOTIFY = 6;
    /** The sender's port closed: its other end goes back to unbound. */
    public static final int CLOSE = 7;

    /** Length of a nonce. */
    public static final int NONCE_LENGTH = 16;
    /** Length of an HMAC-SHA256. */
    public static final int HMAC_LENGTH = 32;
    /** Room for a host name. */
    public static final int NAME_CAPACITY = 64;
    /** Length of a sequence number. */
    public static final int SEQUENCE_LENGTH = 8;
    /** Length of a tag. */
    public static final int TAG_LENGTH = 8;
    /** Length of the trailer that ends every message but HELLO: the sequence number, then the tag. */
    public static final int TRAILER_LENGTH = SEQUENCE_LENGTH + TAG_LENGTH;

    /** HELLO: offset of the nonce. */
    public static final int HELLO_NONCE_OFFSET = HEADER_LENGTH;
    /** HELLO: offset of the sender's name length. */
    public static final int HELLO_NAME_LENGTH_OFFSET = HELLO_NONCE_OFFSET + NONCE_LENGTH;
    /** HELLO: offset of the receiver's name length. */
    public static final int HELLO_TARGET_LENGTH_OFFSET = HELLO_NAME_LENGTH_OFFSET + 4;
    /** HELLO: offset of the sender's name. */
    public static final int HELLO_NAME_OFFSET = HELLO_TARGET_LENGTH_OFFSET + 4;
    /** HELLO: offset of the receiver's name. */
    public static final int HELLO_TARGET_OFFSET = HELLO_NAME_OFFSET + NAME_CAPACITY;
    /** HELLO: length. */
    public static final int HELLO_LENGTH = HELLO_TARGET_OFFSET + NAME_CAPACITY;

    /** PROOF: offset of the nonce answered. */
    public static final int PROOF_NONCE_OFFSET = HEADER_LENGTH;
    /** PROOF: offset of the sender's own challenge. */
    public static final int PROOF_OWN_NONCE_OFFSET = PROOF_NONCE_OFFSET + NONCE_LENGTH;
    /** PROOF: offset of the HMAC. */
    public static final int PROOF_HMAC_OFFSET = PROOF_OWN_NONCE_OFFSET + NONCE_LENGTH;
    /** PROOF: offset of the sender's name length. */
    public static final int PROOF_NAME_LENGTH_OFFSET = PROOF_HMAC_OFFSET + HMAC_LENGTH;
    /** PROOF: offset of the receiver's name length. */
    public static final int PROOF_TARGET_LENGTH_OFFSET = PROOF_NAME_LENGTH_OFFSET + 4;
    /** PROOF: offset of the sender's name. */
    public static final int PROOF_NAME_OFFSET = PROOF_TARGET_LENGTH_OFFSET + 4;
    /** PROOF: offset of the receiver's name. */
    public static final int PROOF_TARGET_OFFSET = PROOF_NAME_OFFSET + NAME_CAPACITY;
    /** PROOF: offset of the trailer. */
    public static final int PROOF_TRAILER_OFFSET = PROOF_TARGET_OFFSET + NAME_CAPACITY;
    /** PROOF: length. */
    public static final int PROOF_LENGTH = PROOF_TRAILER_OFFSET + TRAILER_LENGTH;

    /** HEARTBEAT: length. */
    public static final int HEARTBEAT_LENGTH = HEADER_LENGTH + TRAILER_LENGTH;

    /** BIND_REQUEST / BIND_REPLY: offset of the request id. */
    public static final int BIND_REQUEST_ID_OFFSET = HEADER_LENGTH;
    /** BIND_REQUEST / BIND_REPLY: offset of the binding domid. */
    public static final int BIND_BINDER_DOMID_OFFSET = BIND_REQUEST_ID_OFFSET + 8;
    /** BIND_REQUEST / BIND_REPLY: offset of the binding side's new port. */
    public static final int BIND_BINDER_PORT_OFFSET = BIND_BINDER_DOMID_OFFSET + 4;
    /** BIND_REQUEST / BIND_REPLY: offset of the unbound port's domid. */
    public static final int BIND_UNBOUND_DOMID_OFFSET = BIND_BINDER_PORT_OFFSET + 4;
    /** BIND_REQUEST / BIND_REPLY: offset of the unbound port. */
    public static final int BIND_UNBOUND_PORT_OFFSET = BIND_UNBOUND_DOMID_OFFSET + 4;
    /** BIND_REQUEST / BIND_REPLY: offset of the errno. */
    public static final int BIND_ERRNO_OFFSET = BIND_UNBOUND_PORT_OFFSET + 4;
    /** BIND_REQUEST / BIND_REPLY: offset of the reserved word. */
    public static final int BIND_RESERVED_OFFSET = BIND_ERRNO_OFFSET + 4;
    /** BIND_REQUEST / BIND_REPLY: offset of the trailer. */
    public static final int BIND_TRAILER_OFFSET = BIND_RESERVED_OFFSET + 4;
    /** BIND_REQUEST / BIND_REPLY: length. */
    public static final int BIND_LENGTH = BIND_TRAILER_OFFSET + TRAILER_LENGTH;

    /** NOTIFY / CLOSE: offset of the sender's domid. */
    public static final int CHANNEL_DOMID_OFFSET = HEADER_LENGTH;
    /** NOTIFY / CLOSE: offset of the sender's port. */
    public static final int CHANNEL_PORT_OFFSET = CHANNEL_DOMID_OFFSET + 4;
    /** NOTIFY / CLOSE: offset of the receiver's port. */
    public static final int CHANNEL_REMOTE_PORT_OFFSET = CHANNEL_PORT_OFFSET + 4;
    /** NOTIFY / CLOSE: offset of the reserved word. */
    public static final int CHANNEL_RESERVED_OFFSET = CHANNEL_REMOTE_PORT_OFFSET + 4;
    /** NOTIFY / CLOSE: offset of the trailer. */
    public static final int CHANNEL_TRAILER_OFFSET = CHANNEL_RESERVED_OFFSET + 4;
    /** NOTIFY / CLOSE: length. */
    public static final int CHANNEL_LENGTH = CHANNEL_TRAILER_OFFSET + TRAILER_LENGTH;

    private BridgeMessageDescriptor()
    {
    }

    /**
     * The one length a message of a type has.
     *
     * @param type a type.
     * @return its length, or -1 for an unknown type.
     */
    public static int lengthOf(final int type)
    {
        switch (type)
        {
            case HELLO:
                return HELLO_LENGTH;
            case PROOF:
                return PROOF_LENGTH;
            case HEARTBEAT:
                return HEARTBEAT_LENGTH;
            case BIND_REQUEST:
            case BIND_REPLY:
                return BIND_LENGTH;
            case NOTIFY:
            case CLOSE:
                return CHANNEL_LENGTH;
            default:
                return -1;
        }
    }

    /**
     * Where the sequence number of a sealed message is.
     *
     * @param length the message's length.
     * @return its offset in the message.
     */
    public static int sequenceOffset(final int length)
    {
        return length - TRAILER_LENGTH;
    }

    /**
     * Where the tag of a sealed message is: it covers every byte before it.
     *
     * @param length the message's length.
     * @return its offset in the message.
     */
    public static int tagOffset(final int length)
    {
        return length - TAG_LENGTH;
    }

    /**
     * Check a message's header and length: the type of a well-formed message, or -1. The fields are checked
     * by whoever reads them ({@link BridgeCodec}).
     *
     * @param buffer holding the message.
     * @param offset where it starts.
     * @param length its length.
     * @return its type, or -1 if it is malformed.
     */
    public static int typeOf(final DirectBuffer buffer, final int offset, final int length)
    {
        if (length < HEADER_LENGTH
            || buffer.getShort(offset + MAGIC_OFFSET, ORDER) != MAGIC
            || buffer.getByte(offset + VERSION_OFFSET) != VERSION
            || buffer.getInt(offset + RESERVED_OFFSET, ORDER) != 0)
        {
            return -1;
        }
        final int type = buffer.getByte(offset + TYPE_OFFSET);
        return lengthOf(type) == length ? type : -1;
    }
}

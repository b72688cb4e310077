package dev.evring.bridge;

import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

import java.nio.ByteOrder;

/**
 * The layout of a bridge's domid map (B1) in its hub's counters file ({@code counters.dat}, drawn by
 * {@code HubCountersDescriptor}): which local domids stand for which domains of which peer hub, and whether
 * each peer is up, for any process that maps the file ({@code evring stat}, a monitoring agent), the way
 * Aeron publishes a stream's position as a counter with a key. The bridge allocates these counters when it
 * starts and frees them when it closes; {@link BridgeMap} reads them.
 *
 * <p>Two counter types, each with its key in the record's 112 key bytes (little-endian):
 *
 * <pre>
 *  HOST (type {@value #HOST_TYPE_ID}), one per bridge; value: the number of peers configured
 *   0 +---------------------------------------------------------------+
 *     |  domid span: this hub's own domids are 0 .. span-1           |
 *   4 +---------------------------------------------------------------+
 *     |  peer timeout, milliseconds                                   |
 *   8 +---------------------------------------------------------------+
 *     |  name length (1..64)                                          |
 *  12 +---------------------------------------------------------------+
 *     |  this hub's host name (ASCII, name length bytes)              |
 *     +---------------------------------------------------------------+
 *   label: "bridge a listening on 127.0.0.2:40100, peer timeout 2000 ms"
 *
 *  PEER (type {@value #PEER_TYPE_ID}), one per peer; value: 1 while the peer is up, else 0
 *   0 +---------------------------------------------------------------+
 *     |  first local domid of the peer's range                        |
 *   4 +---------------------------------------------------------------+
 *     |  span: local domid first+d stands for the peer's domain d     |
 *   8 +---------------------------------------------------------------+
 *     |  name length (1..64)                                          |
 *  12 +---------------------------------------------------------------+
 *     |  the peer's host name (ASCII, name length bytes)              |
 *     +---------------------------------------------------------------+
 *   label: "peer b at 127.0.0.3:40100: domids 2048..4095 = b:0..2047"
 * </pre>
 */
public final class BridgeMapDescriptor
{
    /** Byte order of the key fields. */
    public static final ByteOrder ORDER = ByteOrder.LITTLE_ENDIAN;
    /** The type id of a bridge's own entry. */
    public static final int HOST_TYPE_ID = 4201;
    /** The type id of a peer's entry. */
    public static final int PEER_TYPE_ID = 4202;

    /** HOST: offset of the domid span. */
    public static final int HOST_SPAN_OFFSET = 0;
    /** HOST: offset of the peer timeout in milliseconds. */
    public static final int HOST_TIMEOUT_MS_OFFSET = 4;
    /** PEER: offset of the first local domid of the peer's range. */
    public static final int PEER_FIRST_DOMID_OFFSET = 0;
    /** PEER: offset of the span of the peer's range. */
    public static final int PEER_SPAN_OFFSET = 4;
    /** Either type: offset of the host name's length. */
    public static final int NAME_LENGTH_OFFSET = 8;
    /** Either type: offset of the host name. */
    public static final int NAME_OFFSET = 12;
    /** Either type: room for a host name. */
    public static final int NAME_CAPACITY = BridgeMessageDescriptor.NAME_CAPACITY;
    /** Either type: the key's length. */
    public static final int KEY_LENGTH = NAME_OFFSET + NAME_CAPACITY;

    private BridgeMapDescriptor()
    {
    }

    /**
     * The key of a bridge's own entry.
     *
     * @param hostName      this hub's host name.
     * @param span          the domid span.
     * @param peerTimeoutMs the peer timeout in milliseconds.
     * @return the key, {@link #KEY_LENGTH} bytes.
     */
    public static DirectBuffer hostKey(final String hostName, final int span, final int peerTimeoutMs)
    {
        return key(HOST_SPAN_OFFSET, span, HOST_TIMEOUT_MS_OFFSET, peerTimeoutMs, hostName);
    }

    /**
     * The key of a peer's entry.
     *
     * @param peerName   the peer's host name.
     * @param firstDomid the first local domid of its range.
     * @param span       the range's span.
     * @return the key, {@link #KEY_LENGTH} bytes.
     */
    public static DirectBuffer peerKey(final String peerName, final int firstDomid, final int span)
    {
        return key(PEER_FIRST_DOMID_OFFSET, firstDomid, PEER_SPAN_OFFSET, span, peerName);
    }

    /**
     * The host name in a key, checked as a bridge checks names.
     *
     * @param key a key of either type.
     * @return the name, or null if the key does not hold a valid one.
     */
    public static String name(final DirectBuffer key)
    {
        final int length = key.getInt(NAME_LENGTH_OFFSET, ORDER);
        if (length < 1 || length > NAME_CAPACITY)
        {
            return null;
        }
        try
        {
            return BridgeConfig.checkName(key.getStringWithoutLengthAscii(NAME_OFFSET, length));
        }
        catch (final IllegalArgumentException ex)
        {
            return null;
        }
    }

    private static DirectBuffer key(final int firstOffset, final int first, final int secondOffset, final int second,
        final String name)
    {
        final MutableDirectBuffer key = new UnsafeBuffer(new byte[KEY_LENGTH]);
        key.putInt(firstOffset, first, ORDER);
        key.putInt(secondOffset, second, ORDER);
        key.putInt(NAME_LENGTH_OFFSET, name.length(), ORDER);
        key.putStringWithoutLengthAscii(NAME_OFFSET, name);
        return key;
    }
}

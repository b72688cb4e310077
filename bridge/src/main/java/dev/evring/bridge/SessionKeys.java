package dev.evring.bridge;

import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

import static dev.evring.bridge.BridgeMessageDescriptor.PROOF;
import static dev.evring.bridge.BridgeMessageDescriptor.PROOF_LENGTH;
import static dev.evring.bridge.BridgeMessageDescriptor.PROOF_NONCE_OFFSET;
import static dev.evring.bridge.BridgeMessageDescriptor.TYPE_OFFSET;

/**
 * The message keys between this host and one peer, one per direction (B6). The key of the messages to a
 * host belongs to that host's challenge: the receiver knows its challenge, the sender the nonce it answered.
 *
 * <ul>
 *   <li>Sending: a PROOF that answers a nonce other than the last one switches to that nonce's key, from
 *   sequence number 1, and is itself the first message sealed with it; every message after it on the stream
 *   (Aeron keeps one stream in order) is sealed with that key too, until the next PROOF of a new nonce.</li>
 *   <li>Receiving: the first authentic PROOF of this host's challenge switches to the challenge's key and
 *   says where the numbers go on (its own sequence number + 1); from then on every message of the peer's
 *   stream, repeated PROOFs included, must carry the tag of that key and the next number.</li>
 * </ul>
 *
 * A message reflected back is refused (the directions' keys differ: each is derived from its receiver's
 * challenge with the sender's name first), a replay or a gap is refused (the sequence number), and a message
 * kept from an earlier handshake is refused (every handshake answers a fresh challenge, so its key is new).
 *
 * <p>Threads: {@link #seal}/{@link #sent} run under the peer's monitor as its backlog drains, the receiving
 * methods in the duty cycle; both only ever in the duty cycle's thread, which owns the {@link BridgeKey}.
 */
final class SessionKeys
{
    private final BridgeKey key;
    private final String hostName;
    private final String peerName;
    private final MessageAuthenticator sending = new MessageAuthenticator();
    private final MessageAuthenticator receiving = new MessageAuthenticator();

    /**
     * Keys with no handshake yet: nothing is accepted from the peer, and what is sent before the first PROOF
     * is sealed with a random key.
     *
     * @param key      the shared secret.
     * @param hostName this host's name.
     * @param peerName the peer's.
     */
    SessionKeys(final BridgeKey key, final String hostName, final String peerName)
    {
        this.key = key;
        this.hostName = hostName;
        this.peerName = peerName;
    }

    /**
     * Seal a message about to be offered to the peer (any type but HELLO); a PROOF of a new nonce first
     * switches to that nonce's key.
     *
     * @param buffer holding the message.
     * @param offset where it starts.
     * @param length its length.
     */
    void seal(final MutableDirectBuffer buffer, final int offset, final int length)
    {
        final int nonceOffset = offset + PROOF_NONCE_OFFSET;
        if (buffer.getByte(offset + TYPE_OFFSET) == PROOF && !sending.isKeyedWith(buffer, nonceOffset))
        {
            sending.rekey(buffer, nonceOffset, key.messageKey(BridgeCodec.nonce(buffer, nonceOffset), hostName, peerName));
        }
        sending.seal(buffer, offset, length);
    }

    /**
     * The message sealed last was taken by the stream.
     */
    void sent()
    {
        sending.sent();
    }

    /**
     * Whether a PROOF answers the challenge whose key this side already took.
     *
     * @param buffer holding the PROOF.
     * @param offset where it starts.
     * @return true if its nonce is the one accepted last.
     */
    boolean isAccepted(final DirectBuffer buffer, final int offset)
    {
        return receiving.isKeyedWith(buffer, offset + PROOF_NONCE_OFFSET);
    }

    /**
     * Take the key of this host's challenge from a PROOF of it (its HMAC checked already) if the PROOF is
     * sealed with that key.
     *
     * @param buffer holding the PROOF.
     * @param offset where it starts.
     * @return true if it is, and the peer's messages after it are checked with that key.
     */
    boolean accept(final DirectBuffer buffer, final int offset)
    {
        final int nonceOffset = offset + PROOF_NONCE_OFFSET;
        return receiving.accept(buffer, offset, PROOF_LENGTH, nonceOffset,
            key.messageKey(BridgeCodec.nonce(buffer, nonceOffset), peerName, hostName));
    }

    /**
     * Check a sealed message from the peer's proven stream: its tag and its sequence number.
     *
     * @param buffer holding the message.
     * @param offset where it starts.
     * @param length its length.
     * @return true if it is authentic and the next one.
     */
    boolean open(final DirectBuffer buffer, final int offset, final int length)
    {
        return receiving.open(buffer, offset, length);
    }
}

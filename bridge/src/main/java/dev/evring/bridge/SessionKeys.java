package dev.evring.bridge;

import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

import static dev.evring.bridge.BridgeMessageDescriptor.PROOF_LENGTH;
import static dev.evring.bridge.BridgeMessageDescriptor.PROOF_NONCE_OFFSET;
import static dev.evring.bridge.BridgeMessageDescriptor.PROOF_OWN_NONCE_OFFSET;

/**
 * The message keys between this host and one peer, one per direction (B6). The key of the messages to a
 * host belongs to that host's challenge. Both keys are taken at one moment, when this side accepts the peer:
 * the peer's PROOF of this host's challenge also names the peer's own challenge, under the proof's HMAC.
 *
 * <ul>
 *   <li>Accepting ({@link #accept}): the PROOF of this host's challenge (its HMAC checked) must be sealed with
 *   the challenge's key. Then the peer's messages are checked with that key, from the number after the PROOF's
 *   (1 after an answer sealed on its own), and this side's messages are sealed with the key of the peer's
 *   challenge the PROOF names, from number 1: the first of them is this side's PROOF of that challenge, so the
 *   peer sees the proof, then 2, 3... under the key it expects once it accepts the proof.</li>
 *   <li>Answering ({@link #sealAnswer}): a PROOF that answers a HELLO of a peer not accepted yet is sealed on
 *   its own, with the key of the nonce it answers and number 0. Whoever sent the HELLO (the peer, or a
 *   stranger claiming its name), the answer changes neither direction's key nor number.</li>
 *   <li>Sending ({@link #seal}, {@link #sent}) and receiving ({@link #open}): the messages of the stream in
 *   order (Aeron keeps one stream in order), each with the next number; a PROOF repeated on the stream of an
 *   accepted peer is one of them.</li>
 *   <li>{@link #reset}: the peer is lost, both keys are forgotten until the next acceptance.</li>
 * </ul>
 *
 * A message reflected back is refused (the directions' keys differ: each is derived from its receiver's
 * challenge with the sender's name first), a replay or a gap is refused (the sequence number), and a message
 * kept from an earlier handshake is refused (every handshake accepts a fresh challenge, so its key is new).
 *
 * <p>Threads: {@link #seal}/{@link #sent} run under the peer's monitor as its backlog drains, the other methods
 * in the duty cycle; all only ever in the duty cycle's thread, which owns the {@link BridgeKey}.
 */
final class SessionKeys
{
    private final BridgeKey key;
    private final String hostName;
    private final String peerName;
    private final MessageAuthenticator sending = new MessageAuthenticator();
    private final MessageAuthenticator receiving = new MessageAuthenticator();

    /**
     * Keys with no handshake yet: nothing is accepted from the peer, and what is sealed in sequence before the
     * peer is accepted is sealed with a random key.
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
     * Seal a PROOF that answers a HELLO on its own: with the key of the nonce it answers, sequence number 0.
     * Neither direction's key or number changes.
     *
     * @param buffer holding the PROOF.
     * @param offset where it starts.
     */
    void sealAnswer(final MutableDirectBuffer buffer, final int offset)
    {
        sending.sealAlone(buffer, offset, PROOF_LENGTH,
            key.messageKey(BridgeCodec.nonce(buffer, offset + PROOF_NONCE_OFFSET), hostName, peerName));
    }

    /**
     * Seal the next message of the stream to the peer (any type but HELLO).
     *
     * @param buffer holding the message.
     * @param offset where it starts.
     * @param length its length.
     */
    void seal(final MutableDirectBuffer buffer, final int offset, final int length)
    {
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
     * Whether a PROOF answers the challenge whose key this side took when it accepted the peer.
     *
     * @param buffer holding the PROOF.
     * @param offset where it starts.
     * @return true if its nonce is the one accepted.
     */
    boolean isAccepted(final DirectBuffer buffer, final int offset)
    {
        return receiving.isKeyedWith(buffer, offset + PROOF_NONCE_OFFSET);
    }

    /**
     * Whether a nonce is the peer's challenge this side's messages are sealed for.
     *
     * @param buffer      holding the nonce (a HELLO's).
     * @param nonceOffset where it starts.
     * @return true if this side accepted the peer and the nonce is the challenge its PROOF named.
     */
    boolean isPeerChallenge(final DirectBuffer buffer, final int nonceOffset)
    {
        return sending.isKeyedWith(buffer, nonceOffset);
    }

    /**
     * The peer's challenge this side seals its messages for.
     *
     * @return a copy, or null before the peer is accepted.
     */
    byte[] peerChallenge()
    {
        return sending.nonce();
    }

    /**
     * This host's challenge the peer proved.
     *
     * @return a copy, or null before the peer is accepted.
     */
    byte[] acceptedChallenge()
    {
        return receiving.nonce();
    }

    /**
     * Accept the peer from its PROOF of this host's challenge (its HMAC checked already) if the PROOF is sealed
     * with the challenge's key: the peer's messages after it are checked with that key, and this side's next
     * messages, from number 1, are sealed with the key of the peer's challenge the PROOF names.
     *
     * @param buffer holding the PROOF.
     * @param offset where it starts.
     * @return true if its seal holds and both keys were taken; false changes nothing.
     */
    boolean accept(final DirectBuffer buffer, final int offset)
    {
        final int nonceOffset = offset + PROOF_NONCE_OFFSET;
        if (!receiving.accept(buffer, offset, PROOF_LENGTH, nonceOffset,
            key.messageKey(BridgeCodec.nonce(buffer, nonceOffset), peerName, hostName)))
        {
            return false;
        }
        final int ownOffset = offset + PROOF_OWN_NONCE_OFFSET;
        sending.rekey(buffer, ownOffset, key.messageKey(BridgeCodec.nonce(buffer, ownOffset), hostName, peerName));
        return true;
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

    /**
     * The peer is lost: both keys are forgotten, nothing opens and nothing is sealed for it until it is
     * accepted again (with a new challenge, so new keys).
     */
    void reset()
    {
        sending.reset();
        receiving.reset();
    }
}

package dev.evring.bridge;

import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

import java.security.SecureRandom;

import static dev.evring.bridge.BridgeMessageDescriptor.NONCE_LENGTH;
import static dev.evring.bridge.BridgeMessageDescriptor.ORDER;
import static dev.evring.bridge.BridgeMessageDescriptor.sequenceOffset;
import static dev.evring.bridge.BridgeMessageDescriptor.tagOffset;

/**
 * One direction of one peer's stream, authenticated (B6): the SipHash-2-4 key of the messages and the
 * sequence number of the next one, to send or expected. A sealed message carries its sequence number and a
 * tag over every byte before the tag (header, fields and sequence number), so a changed bit, a message made
 * under another key (the other direction's, or an older handshake's), a replay and a gap all fail
 * ({@link BridgeMessageDescriptor} has the trailer).
 *
 * <p>The key belongs to the nonce it was derived from (the receiver's challenge, {@link BridgeKey#messageKey}).
 * Until it has one (and again after a {@link #reset}), a sender seals with a random key of its own: such
 * messages can only be refused. Sealing and checking allocate nothing; a new key does (a handshake).
 *
 * <p>Not thread-safe: the sending side is used under its peer's monitor, the receiving side by the duty cycle.
 */
final class MessageAuthenticator
{
    private static final SecureRandom RANDOM = new SecureRandom();

    private final SipHash sipHash = new SipHash();
    private final byte[] nonce = new byte[NONCE_LENGTH];
    private boolean keyed;
    private long k0 = RANDOM.nextLong();
    private long k1 = RANDOM.nextLong();
    private long sequence = 1;

    /**
     * Whether the key is the one of a nonce.
     *
     * @param buffer      holding the nonce.
     * @param nonceOffset where it starts.
     * @return true if this side was keyed from it.
     */
    boolean isKeyedWith(final DirectBuffer buffer, final int nonceOffset)
    {
        if (!keyed)
        {
            return false;
        }
        for (int i = 0; i < NONCE_LENGTH; i++)
        {
            if (buffer.getByte(nonceOffset + i) != nonce[i])
            {
                return false;
            }
        }
        return true;
    }

    /**
     * A copy of the nonce the key belongs to.
     *
     * @return the nonce, or null if this side has no key.
     */
    byte[] nonce()
    {
        return keyed ? nonce.clone() : null;
    }

    /**
     * Take the key of a nonce; the next message to send is number 1.
     *
     * @param buffer      holding the nonce.
     * @param nonceOffset where it starts.
     * @param key         the key derived from it, {@link BridgeKey#MESSAGE_KEY_LENGTH} bytes.
     */
    void rekey(final DirectBuffer buffer, final int nonceOffset, final byte[] key)
    {
        install(buffer, nonceOffset, new UnsafeBuffer(key), 1);
    }

    /**
     * Write the sequence number of the next message and the tag into a message (its trailer); the number is
     * used up once the message is {@link #sent()}, so a message offered again is sealed the same way.
     *
     * @param buffer holding the message.
     * @param offset where it starts.
     * @param length its length, trailer included.
     */
    void seal(final MutableDirectBuffer buffer, final int offset, final int length)
    {
        seal(k0, k1, sequence, buffer, offset, length);
    }

    /**
     * Seal a message on its own, outside the sequence and whatever this side's key: under another key, with
     * sequence number 0 (a PROOF that answers a HELLO). Nothing of this side changes.
     *
     * @param buffer holding the message.
     * @param offset where it starts.
     * @param length its length, trailer included.
     * @param key    the key, {@link BridgeKey#MESSAGE_KEY_LENGTH} bytes.
     */
    void sealAlone(final MutableDirectBuffer buffer, final int offset, final int length, final byte[] key)
    {
        final UnsafeBuffer other = new UnsafeBuffer(key);
        seal(other.getLong(0, ORDER), other.getLong(8, ORDER), 0, buffer, offset, length);
    }

    /**
     * Forget the key (a lost peer): what is sealed next is sealed with a random one, and nothing opens.
     */
    void reset()
    {
        keyed = false;
        k0 = RANDOM.nextLong();
        k1 = RANDOM.nextLong();
        sequence = 1;
    }

    /**
     * The message sealed last has left: the next one takes the next number.
     */
    void sent()
    {
        sequence++;
    }

    /**
     * Check a received message: its tag under this key, and its sequence number the one expected next (which
     * then moves on). The tag is compared in constant time: one 64-bit comparison, with the sequence number
     * checked whatever the tag.
     *
     * @param buffer holding the message.
     * @param offset where it starts.
     * @param length its length, trailer included.
     * @return true if it is authentic and in order.
     */
    boolean open(final DirectBuffer buffer, final int offset, final int length)
    {
        final boolean authentic = keyed & isTag(k0, k1, buffer, offset, length)
            & buffer.getLong(offset + sequenceOffset(length), ORDER) == sequence;
        if (authentic)
        {
            sequence++;
        }
        return authentic;
    }

    /**
     * Check the first message under a new key (a PROOF that answers this side's challenge) and, if it is
     * authentic, take the key: the messages after it must follow its sequence number (number 1 after one
     * sealed on its own, number 0). A forged one changes nothing.
     *
     * @param buffer      holding the message.
     * @param offset      where it starts.
     * @param length      its length, trailer included.
     * @param nonceOffset where the nonce the key was derived from is.
     * @param key         the key, {@link BridgeKey#MESSAGE_KEY_LENGTH} bytes.
     * @return true if it is authentic and the key was taken.
     */
    boolean accept(final DirectBuffer buffer, final int offset, final int length, final int nonceOffset,
        final byte[] key)
    {
        final UnsafeBuffer candidate = new UnsafeBuffer(key);
        final long first = buffer.getLong(offset + sequenceOffset(length), ORDER);
        if (!isTag(candidate.getLong(0, ORDER), candidate.getLong(8, ORDER), buffer, offset, length) || first < 0)
        {
            return false;
        }
        install(buffer, nonceOffset, candidate, first + 1);
        return true;
    }

    private void install(final DirectBuffer buffer, final int nonceOffset, final DirectBuffer key, final long next)
    {
        buffer.getBytes(nonceOffset, nonce);
        k0 = key.getLong(0, ORDER);
        k1 = key.getLong(8, ORDER);
        sequence = next;
        keyed = true;
    }

    private void seal(final long key0, final long key1, final long number, final MutableDirectBuffer buffer,
        final int offset, final int length)
    {
        buffer.putLong(offset + sequenceOffset(length), number, ORDER);
        buffer.putLong(offset + tagOffset(length), tag(key0, key1, buffer, offset, length), ORDER);
    }

    private boolean isTag(final long key0, final long key1, final DirectBuffer buffer, final int offset,
        final int length)
    {
        return (tag(key0, key1, buffer, offset, length) ^ buffer.getLong(offset + tagOffset(length), ORDER)) == 0;
    }

    private long tag(final long key0, final long key1, final DirectBuffer buffer, final int offset, final int length)
    {
        return sipHash.hash(key0, key1, buffer, offset, tagOffset(length));
    }
}

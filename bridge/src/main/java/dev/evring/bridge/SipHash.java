package dev.evring.bridge;

import org.agrona.DirectBuffer;

import java.nio.ByteOrder;

/**
 * SipHash-2-4 (Aumasson and Bernstein, "SipHash: a fast short-input PRF", 2012): a pseudorandom function with
 * a 128-bit key and a 64-bit output, designed as a message authentication code for short messages. Two
 * compression rounds per 8-byte block and four finalization rounds; the key and the message are read
 * little-endian, and the 64-bit result is the tag written little-endian.
 *
 * <p>Reads the message straight from a {@link DirectBuffer} and allocates nothing. Not thread-safe: the four
 * state words live in the instance, so each user owns one.
 */
final class SipHash
{
    private static final ByteOrder ORDER = ByteOrder.LITTLE_ENDIAN;
    private static final int BLOCK_LENGTH = 8;
    private static final int COMPRESSION_ROUNDS = 2;
    private static final int FINALIZATION_ROUNDS = 4;
    /** The initial state, "somepseudorandomlygeneratedbytes", xored with the key. */
    private static final long INIT0 = 0x736f6d6570736575L;
    private static final long INIT1 = 0x646f72616e646f6dL;
    private static final long INIT2 = 0x6c7967656e657261L;
    private static final long INIT3 = 0x7465646279746573L;

    private long v0;
    private long v1;
    private long v2;
    private long v3;

    /**
     * The SipHash-2-4 of a message.
     *
     * @param k0     the key's first 8 bytes, read little-endian.
     * @param k1     the key's last 8 bytes, read little-endian.
     * @param buffer holding the message.
     * @param offset where it starts.
     * @param length its length in bytes.
     * @return the 64-bit tag.
     */
    long hash(final long k0, final long k1, final DirectBuffer buffer, final int offset, final int length)
    {
        v0 = INIT0 ^ k0;
        v1 = INIT1 ^ k1;
        v2 = INIT2 ^ k0;
        v3 = INIT3 ^ k1;
        final int blocksEnd = offset + (length & ~(BLOCK_LENGTH - 1));
        for (int i = offset; i < blocksEnd; i += BLOCK_LENGTH)
        {
            compress(buffer.getLong(i, ORDER));
        }
        compress(lastBlock(buffer, blocksEnd, length));
        v2 ^= 0xff;
        rounds(FINALIZATION_ROUNDS);
        return v0 ^ v1 ^ v2 ^ v3;
    }

    /**
     * The last block: the 0 to 7 bytes left, little-endian, with the message length (mod 256) in the top byte.
     */
    private static long lastBlock(final DirectBuffer buffer, final int index, final int length)
    {
        long block = (long)length << 56;
        final int left = length & (BLOCK_LENGTH - 1);
        for (int i = 0; i < left; i++)
        {
            block |= (buffer.getByte(index + i) & 0xffL) << (8 * i);
        }
        return block;
    }

    private void compress(final long block)
    {
        v3 ^= block;
        rounds(COMPRESSION_ROUNDS);
        v0 ^= block;
    }

    /**
     * SipRound, {@code count} times: the add-rotate-xor network on the four state words.
     */
    private void rounds(final int count)
    {
        for (int i = 0; i < count; i++)
        {
            v0 += v1;
            v1 = Long.rotateLeft(v1, 13);
            v1 ^= v0;
            v0 = Long.rotateLeft(v0, 32);
            v2 += v3;
            v3 = Long.rotateLeft(v3, 16);
            v3 ^= v2;
            v0 += v3;
            v3 = Long.rotateLeft(v3, 21);
            v3 ^= v0;
            v2 += v1;
            v1 = Long.rotateLeft(v1, 17);
            v1 ^= v2;
            v2 = Long.rotateLeft(v2, 32);
        }
    }
}

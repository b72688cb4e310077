package dev.evring.bridge;

import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.HexFormat;

import static dev.evring.bridge.BridgeMessageDescriptor.*;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * B6 in the small: the key file's rules, the proof, the checks every received message goes through, SipHash
 * against its reference vectors, and the sealing of messages (tag and sequence number) per direction.
 */
class BridgeKeyAndCodecTest
{
    /**
     * SipHash-2-4's 64 reference tags (the SipHash paper's appendix, vectors.h of github.com/veorq/SipHash):
     * key 00 01 .. 0f, message 00 01 .. (length - 1) for lengths 0..63, each tag as its 8 bytes in order.
     */
    private static final String[] SIPHASH_VECTORS = {
        "310e0edd47db6f72", "fd67dc93c539f874", "5a4fa9d909806c0d", "2d7efbd796666785",
        "b7877127e09427cf", "8da699cd64557618", "cee3fe586e46c9cb", "37d1018bf50002ab",
        "6224939a79f5f593", "b0e4a90bdf82009e", "f3b9dd94c5bb5d7a", "a7ad6b22462fb3f4",
        "fbe50e86bc8f1e75", "903d84c02756ea14", "eef27a8e90ca23f7", "e545be4961ca29a1",
        "db9bc2577fcc2a3f", "9447be2cf5e99a69", "9cd38d96f0b3c14b", "bd6179a71dc96dbb",
        "98eea21af25cd6be", "c7673b2eb0cbf2d0", "883ea3e395675393", "c8ce5ccd8c030ca8",
        "94af49f6c650adb8", "eab8858ade92e1bc", "f315bb5bb835d817", "adcf6b0763612e2f",
        "a5c91da7acaa4dde", "716595876650a2a6", "28ef495c53a387ad", "42c341d8fa92d832",
        "ce7cf2722f512771", "e37859f94623f3a7", "381205bb1ab0e012", "ae97a10fd434e015",
        "b4a31508beff4d31", "81396229f0907902", "4d0cf49ee5d4dcca", "5c73336a76d8bf9a",
        "d0a704536ba93e0e", "925958fcd6420cad", "a915c29bc8067318", "952b79f3bc0aa6d4",
        "f21df2e41d4535f9", "87577519048f53a9", "10a56cf5dfcd9adb", "eb75095ccd986cd0",
        "51a9cb9ecba312e6", "96afadfc2ce666c7", "72fe52975a4364ee", "5a1645b276d592a1",
        "b274cb8ebf87870a", "6f9bb4203de7b381", "eaecb2a30b22a87f", "9924a43cc1315724",
        "bd838d3aafbf8db7", "0b1a2a3265d51aea", "135079a3231ce660", "932b2846e4d70666",
        "e1915f5cb1eca46c", "f325965ca16d629f", "575ff28e60381be5", "724506eb4c328a95"
    };

    private final BridgeCodec codec = new BridgeCodec();
    @TempDir
    Path tmp;
    /** A shared secret, and the message keys of a with b and of b with a. */
    private BridgeKey key;
    private SessionKeys atA;
    private SessionKeys atB;

    @BeforeEach
    void keys() throws IOException
    {
        key = BridgeKey.read(BridgeKey.generate(tmp.resolve("session.key")));
        atA = new SessionKeys(key, "a", "b");
        atB = new SessionKeys(key, "b", "a");
    }

    @Test
    void b6_aKeyFileOpenToOthersOrTooShortIsRefused() throws Exception
    {
        final Path key = BridgeKey.generate(tmp.resolve("ok.key"));
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(key)));
        assertTrue(BridgeKey.read(key).toString().contains("ok.key"));

        Files.setPosixFilePermissions(key, PosixFilePermissions.fromString("rw-r-----"));
        assertTrue(assertThrows(IOException.class, () -> BridgeKey.read(key)).getMessage().contains("chmod 600"));

        final Path shortKey = tmp.resolve("short.key");
        Files.createFile(shortKey, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        Files.write(shortKey, "tooshort\n".getBytes(StandardCharsets.US_ASCII));
        assertThrows(IOException.class, () -> BridgeKey.read(shortKey));
        assertThrows(IOException.class, () -> BridgeKey.read(tmp.resolve("missing.key")));
        assertThrows(IOException.class, () -> BridgeKey.generate(key), "never overwrites a key");
    }

    @Test
    void b6_aProofHoldsOnlyForTheSameSecretNonceOwnChallengeAndNames() throws Exception
    {
        final BridgeKey key = BridgeKey.read(BridgeKey.generate(tmp.resolve("a.key")));
        final BridgeKey other = BridgeKey.read(BridgeKey.generate(tmp.resolve("b.key")));
        final byte[] nonce = BridgeKey.nonce();
        final byte[] own = BridgeKey.nonce();
        final UnsafeBuffer proof = copy(codec.buffer(), codec.proof(nonce, own, key.proof(nonce, own, "a", "b"), "a", "b"));
        assertTrue(key.verify(nonce, "a", "b", proof, 0));
        assertFalse(other.verify(nonce, "a", "b", proof, 0), "another secret");
        assertFalse(key.verify(BridgeKey.nonce(), "a", "b", proof, 0), "another challenge");
        assertFalse(key.verify(nonce, "b", "a", proof, 0), "the other direction");
        assertFalse(key.verify(nonce, "ab", "", proof, 0), "names are delimited");
        proof.putByte(PROOF_OWN_NONCE_OFFSET, (byte)(proof.getByte(PROOF_OWN_NONCE_OFFSET) ^ 1));
        assertFalse(key.verify(nonce, "a", "b", proof, 0), "the prover's own challenge is vouched for");
    }

    @Test
    void b6_malformedMessagesAreRecognised()
    {
        final UnsafeBuffer buffer = codec.buffer();
        final int length = codec.channel(NOTIFY, 1, 2, 3);
        assertEquals(NOTIFY, typeOf(buffer, 0, length));
        assertEquals(-1, typeOf(buffer, 0, length - 1), "short");
        assertEquals(-1, typeOf(buffer, 0, 4), "shorter than a header");
        buffer.putByte(VERSION_OFFSET, (byte)1);
        assertEquals(-1, typeOf(buffer, 0, length), "the version before message authentication");
        codec.channel(NOTIFY, 1, 2, 3);
        buffer.putInt(RESERVED_OFFSET, 1, ORDER);
        assertEquals(-1, typeOf(buffer, 0, length), "reserved bits set");
        codec.channel(NOTIFY, 1, 2, 3);
        buffer.putByte(TYPE_OFFSET, (byte)99);
        assertEquals(-1, typeOf(buffer, 0, length), "unknown type");

        final int hello = codec.hello(BridgeKey.nonce(), "host-a.example", "b");
        assertEquals(HELLO, typeOf(buffer, 0, hello));
        assertEquals("host-a.example", BridgeCodec.name(buffer, 0, HELLO_NAME_LENGTH_OFFSET, HELLO_NAME_OFFSET));
        assertEquals("b", BridgeCodec.name(buffer, 0, HELLO_TARGET_LENGTH_OFFSET, HELLO_TARGET_OFFSET));
        buffer.putByte(HELLO_TARGET_OFFSET + 5, (byte)'x');
        assertNull(BridgeCodec.name(buffer, 0, HELLO_TARGET_LENGTH_OFFSET, HELLO_TARGET_OFFSET), "bytes after the name");
        buffer.putInt(HELLO_NAME_LENGTH_OFFSET, NAME_CAPACITY + 1, ORDER);
        assertNull(BridgeCodec.name(buffer, 0, HELLO_NAME_LENGTH_OFFSET, HELLO_NAME_OFFSET), "too long");
        buffer.putInt(HELLO_NAME_LENGTH_OFFSET, 2, ORDER);
        buffer.putByte(HELLO_NAME_OFFSET, (byte)' ');
        assertNull(BridgeCodec.name(buffer, 0, HELLO_NAME_LENGTH_OFFSET, HELLO_NAME_OFFSET), "not a host name");
    }

    @Test
    void b6_sipHashGivesTheReferenceTags()
    {
        final UnsafeBuffer key = new UnsafeBuffer(new byte[16]);
        final UnsafeBuffer message = new UnsafeBuffer(new byte[3 + SIPHASH_VECTORS.length]);
        for (int i = 0; i < key.capacity(); i++)
        {
            key.putByte(i, (byte)i);
        }
        for (int i = 0; i < SIPHASH_VECTORS.length; i++)
        {
            message.putByte(3 + i, (byte)i);
        }
        final long k0 = key.getLong(0, ORDER);
        final long k1 = key.getLong(8, ORDER);
        final SipHash sipHash = new SipHash();
        for (int length = 0; length < SIPHASH_VECTORS.length; length++)
        {
            final long expected = new UnsafeBuffer(HexFormat.of().parseHex(SIPHASH_VECTORS[length])).getLong(0, ORDER);
            assertEquals(expected, sipHash.hash(k0, k1, message, 3, length), "length " + length);
        }
    }

    @Test
    void b6_answeringAHelloChangesNoKeyAndBothSidesTakeMatchingKeysWhenTheyAcceptEachOther()
    {
        final byte[] challengeOfA = BridgeKey.nonce();
        final byte[] challengeOfB = BridgeKey.nonce();
        sealed(atA, codec.channel(NOTIFY, 1, 2, 3));
        answer(atA, BridgeKey.nonce(), challengeOfA, "a", "b"); // to a stranger's hello in b's name
        final UnsafeBuffer answerOfB = answer(atB, challengeOfA, challengeOfB, "b", "a");
        assertEquals(0, answerOfB.getLong(sequenceOffset(PROOF_LENGTH), ORDER), "an answer is in no sequence");
        assertNull(atA.peerChallenge(), "answering takes no key");
        assertNull(atB.peerChallenge());
        assertEquals(2, sealed(atA, codec.channel(NOTIFY, 1, 2, 3)).getLong(sequenceOffset(CHANNEL_LENGTH), ORDER),
            "and moves no number");

        final UnsafeBuffer forged = copy(answerOfB, PROOF_LENGTH);
        forged.putByte(tagOffset(PROOF_LENGTH), (byte)(forged.getByte(tagOffset(PROOF_LENGTH)) ^ 1));
        assertFalse(atA.accept(forged, 0), "an answer whose seal was changed");
        assertNull(atA.acceptedChallenge(), "refused: nothing taken");
        assertFalse(atA.accept(answer(atA, challengeOfA, challengeOfB, "a", "b"), 0), "a's own, reflected");
        assertTrue(atA.accept(answerOfB, 0));
        assertArrayEquals(challengeOfB, atA.peerChallenge(), "a's messages go under b's challenge's key");
        assertArrayEquals(challengeOfA, atA.acceptedChallenge());
        final UnsafeBuffer proofOfA = proveAccepted(atA, "a", "b");
        assertEquals(1, proofOfA.getLong(sequenceOffset(PROOF_LENGTH), ORDER), "the key's first message");
        final UnsafeBuffer first = sealed(atA, codec.channel(NOTIFY, 1, 2, 3));

        assertTrue(atB.accept(proofOfA, 0), "b accepts a from its proof in sequence");
        assertTrue(atB.open(first, 0, CHANNEL_LENGTH));
        final UnsafeBuffer proofOfB = proveAccepted(atB, "b", "a");
        assertTrue(atA.isAccepted(proofOfB, 0));
        assertTrue(atA.open(proofOfB, 0, PROOF_LENGTH), "b's proof is the first message under a's challenge");
        assertTrue(atA.open(sealed(atB, codec.heartbeat()), 0, HEARTBEAT_LENGTH));
        assertTrue(atB.open(proveAccepted(atA, "a", "b"), 0, PROOF_LENGTH), "a proof repeated in the stream");
        assertTrue(atB.open(sealed(atA, codec.heartbeat()), 0, HEARTBEAT_LENGTH));
    }

    @Test
    void b6_keysMatchWhenBothAcceptAnswersAtOnceAndWhenTheFirstProofInTheStreamIsLost()
    {
        final byte[] challengeOfA = BridgeKey.nonce();
        final byte[] challengeOfB = BridgeKey.nonce();
        final UnsafeBuffer answerOfA = answer(atA, challengeOfB, challengeOfA, "a", "b");
        final UnsafeBuffer answerOfB = answer(atB, challengeOfA, challengeOfB, "b", "a");
        assertTrue(atA.accept(answerOfB, 0));
        assertTrue(atB.accept(answerOfA, 0), "both accept the other's answer: the proofs cross");
        assertTrue(atB.open(proveAccepted(atA, "a", "b"), 0, PROOF_LENGTH));
        assertTrue(atA.open(proveAccepted(atB, "b", "a"), 0, PROOF_LENGTH));
        assertTrue(atB.open(sealed(atA, codec.channel(NOTIFY, 1, 2, 3)), 0, CHANNEL_LENGTH));
        assertTrue(atA.open(sealed(atB, codec.channel(NOTIFY, 1, 2, 3)), 0, CHANNEL_LENGTH));

        final SessionKeys late = new SessionKeys(key, "b", "a"); // b's keys had it missed a's first messages
        proveAccepted(atA, "a", "b"); // lost with what came before
        final UnsafeBuffer again = proveAccepted(atA, "a", "b"); // a's answer to b's hello repeated
        assertTrue(late.accept(again, 0), "a proof in sequence says where the numbers go on");
        assertTrue(late.open(sealed(atA, codec.channel(CLOSE, 1, 2, 3)), 0, CHANNEL_LENGTH));
    }

    @Test
    void b6_aSealedMessageOpensOnlyUnderItsDirectionsKeyWithTheNextSequenceNumber()
    {
        handshake(BridgeKey.nonce(), BridgeKey.nonce());
        final UnsafeBuffer first = sealed(atA, codec.channel(NOTIFY, 1, 2, 3));
        final UnsafeBuffer second = sealed(atA, codec.channel(CLOSE, 1, 2, 3));
        final UnsafeBuffer third = sealed(atA, codec.heartbeat());
        final UnsafeBuffer fourth = sealed(atA, codec.channel(NOTIFY, 1, 2, 3));
        assertEquals(2, first.getLong(sequenceOffset(CHANNEL_LENGTH), ORDER), "after a's proof");
        assertEquals(5, fourth.getLong(sequenceOffset(CHANNEL_LENGTH), ORDER));
        assertTrue(atB.open(first, 0, CHANNEL_LENGTH));
        assertFalse(atB.open(first, 0, CHANNEL_LENGTH), "a replay");
        for (int bit = 0; bit < 8 * CHANNEL_LENGTH; bit++)
        {
            final UnsafeBuffer flipped = copy(second, CHANNEL_LENGTH);
            flipped.putByte(bit / 8, (byte)(flipped.getByte(bit / 8) ^ (1 << (bit % 8))));
            assertFalse(atB.open(flipped, 0, CHANNEL_LENGTH), "bit " + bit + " flipped");
        }
        assertFalse(atB.open(third, 0, HEARTBEAT_LENGTH), "a gap: the second is still expected");
        assertTrue(atB.open(second, 0, CHANNEL_LENGTH), "refusals move nothing on");
        assertTrue(atB.open(third, 0, HEARTBEAT_LENGTH));

        UnsafeBuffer fromB;
        do
        {
            fromB = sealed(atB, codec.channel(NOTIFY, 1, 2, 3));
        }
        while (fromB.getLong(sequenceOffset(CHANNEL_LENGTH), ORDER) < 5);
        assertEquals(5, fromB.getLong(sequenceOffset(CHANNEL_LENGTH), ORDER), "the number b expects next");
        assertFalse(atB.open(fromB, 0, CHANNEL_LENGTH), "b's own message to a, reflected, even with the right number");

        atA.reset();
        atB.reset();
        assertFalse(atB.open(fourth, 0, CHANNEL_LENGTH), "a lost peer's messages open no more");
        handshake(BridgeKey.nonce(), BridgeKey.nonce());
        assertFalse(atB.open(fourth, 0, CHANNEL_LENGTH), "the earlier handshake's key");
        final UnsafeBuffer next = sealed(atA, codec.channel(NOTIFY, 1, 2, 3));
        assertEquals(2, next.getLong(sequenceOffset(CHANNEL_LENGTH), ORDER), "numbers start again with the key");
        assertTrue(atB.open(next, 0, CHANNEL_LENGTH));
    }

    @Test
    void b6_aMessageOfferedAgainIsSealedTheSameWay()
    {
        handshake(BridgeKey.nonce(), BridgeKey.nonce());
        final int length = codec.channel(NOTIFY, 1, 2, 3);
        atA.seal(codec.buffer(), 0, length);
        final UnsafeBuffer refused = copy(codec.buffer(), length);
        atA.seal(codec.buffer(), 0, length); // the stream pushed back: no number used up
        assertEquals(refused, copy(codec.buffer(), length));
        atA.sent();
        atA.seal(codec.buffer(), 0, length);
        assertEquals(3, codec.buffer().getLong(sequenceOffset(length), ORDER));
    }

    @Test
    void b6_sealingAndOpeningAMessageAllocateNothing()
    {
        handshake(BridgeKey.nonce(), BridgeKey.nonce());
        final UnsafeBuffer message = copy(codec.buffer(), codec.channel(NOTIFY, 1, 2, 3));
        final com.sun.management.ThreadMXBean threads =
            (com.sun.management.ThreadMXBean)ManagementFactory.getThreadMXBean();
        long allocated = threads.getCurrentThreadAllocatedBytes();
        sealAndOpen(atA, atB, message, 20_000); // warmed up: compiled
        allocated = threads.getCurrentThreadAllocatedBytes();
        sealAndOpen(atA, atB, message, 100_000);
        assertEquals(0, threads.getCurrentThreadAllocatedBytes() - allocated, "bytes allocated");
    }

    private static void sealAndOpen(final SessionKeys from, final SessionKeys to, final UnsafeBuffer message,
        final int count)
    {
        for (int i = 0; i < count; i++)
        {
            from.seal(message, 0, CHANNEL_LENGTH);
            from.sent();
            if (!to.open(message, 0, CHANNEL_LENGTH))
            {
                throw new AssertionError("message " + i + " refused");
            }
        }
    }

    /**
     * a and b accept each other: a from b's answer to its hello, b from a's proof in sequence (number 1), which
     * b has opened.
     */
    private void handshake(final byte[] challengeOfA, final byte[] challengeOfB)
    {
        assertTrue(atA.accept(answer(atB, challengeOfA, challengeOfB, "b", "a"), 0));
        assertTrue(atB.accept(proveAccepted(atA, "a", "b"), 0));
    }

    /**
     * The PROOF {@code from} answers a hello with, sealed on its own.
     */
    private UnsafeBuffer answer(final SessionKeys from, final byte[] challenge, final byte[] own, final String prover,
        final String verifier)
    {
        final int length = codec.proof(challenge, own, key.proof(challenge, own, prover, verifier), prover, verifier);
        from.sealAnswer(codec.buffer(), 0);
        return copy(codec.buffer(), length);
    }

    /**
     * The PROOF of the accepted peer's challenge {@code from} sends next in its stream.
     */
    private UnsafeBuffer proveAccepted(final SessionKeys from, final String prover, final String verifier)
    {
        final byte[] challenge = from.peerChallenge();
        final byte[] own = from.acceptedChallenge();
        return sealed(from, codec.proof(challenge, own, key.proof(challenge, own, prover, verifier), prover, verifier));
    }

    /**
     * The message in the codec's buffer as it leaves {@code from}: sealed, and its number used up.
     */
    private UnsafeBuffer sealed(final SessionKeys from, final int length)
    {
        from.seal(codec.buffer(), 0, length);
        from.sent();
        return copy(codec.buffer(), length);
    }

    private static UnsafeBuffer copy(final DirectBuffer buffer, final int length)
    {
        final byte[] bytes = new byte[length];
        buffer.getBytes(0, bytes);
        return new UnsafeBuffer(bytes);
    }

    @Test
    void b1_theConfigurationRefusesWhatCannotWork()
    {
        final BridgeConfig config = BridgeConfig.hostName("a").listen("127.0.0.1", 40100).peer("b", "127.0.0.1", 40101);
        assertEquals(1, config.peers().size());
        assertThrows(IllegalArgumentException.class, () -> config.peer("b", "127.0.0.1", 40102), "a peer twice");
        assertThrows(IllegalArgumentException.class, () -> config.peer("a", "127.0.0.1", 40102), "itself");
        assertThrows(IllegalArgumentException.class, () -> BridgeConfig.hostName("a b"));
        assertThrows(IllegalArgumentException.class, () -> config.listen("127.0.0.1", 0));
        assertThrows(IllegalArgumentException.class, () -> config.domidSpan(1000), "not a power of two");
        assertThrows(IllegalArgumentException.class, () -> config.domidSpan(0x4000), "no room for the peer's range");
        BridgeConfig many = BridgeConfig.hostName("a");
        for (int i = 0; i < 14; i++)
        {
            many = many.peer("p" + i, "127.0.0.1", 40000 + i);
        }
        final BridgeConfig full = many;
        assertThrows(IllegalArgumentException.class, () -> full.peer("p14", "127.0.0.1", 40014), "ranges run out");
    }
}

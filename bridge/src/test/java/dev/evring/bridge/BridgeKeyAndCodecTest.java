package dev.evring.bridge;

import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

import static dev.evring.bridge.BridgeMessageDescriptor.*;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * B6 in the small: the key file's rules, the proof, and the checks every received message goes through.
 */
class BridgeKeyAndCodecTest
{
    @TempDir
    Path tmp;

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
    void b6_aProofHoldsOnlyForTheSameSecretNonceAndNames() throws Exception
    {
        final BridgeKey key = BridgeKey.read(BridgeKey.generate(tmp.resolve("a.key")));
        final BridgeKey other = BridgeKey.read(BridgeKey.generate(tmp.resolve("b.key")));
        final byte[] nonce = BridgeKey.nonce();
        final UnsafeBuffer proof = new UnsafeBuffer(key.proof(nonce, "a", "b"));
        assertTrue(key.verify(nonce, "a", "b", proof, 0));
        assertFalse(other.verify(nonce, "a", "b", proof, 0), "another secret");
        assertFalse(key.verify(BridgeKey.nonce(), "a", "b", proof, 0), "another challenge");
        assertFalse(key.verify(nonce, "b", "a", proof, 0), "the other direction");
        assertFalse(key.verify(nonce, "ab", "", proof, 0), "names are delimited");
    }

    @Test
    void b6_malformedMessagesAreRecognised()
    {
        final BridgeCodec codec = new BridgeCodec();
        final UnsafeBuffer buffer = codec.buffer();
        final int length = codec.channel(NOTIFY, 1, 2, 3);
        assertEquals(NOTIFY, typeOf(buffer, 0, length));
        assertEquals(-1, typeOf(buffer, 0, length - 1), "short");
        assertEquals(-1, typeOf(buffer, 0, 4), "shorter than a header");
        buffer.putByte(VERSION_OFFSET, (byte)2);
        assertEquals(-1, typeOf(buffer, 0, length), "another version");
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

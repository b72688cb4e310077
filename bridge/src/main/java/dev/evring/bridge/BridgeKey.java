package dev.evring.bridge;

import org.agrona.DirectBuffer;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Base64;
import java.util.EnumSet;
import java.util.Set;

/**
 * The secret bridges share, read from a key file that only its owner may read or write (mode 0600, or
 * 0400). A bridge proves it knows the secret with an HMAC-SHA256 over the peer's fresh challenge, its own
 * challenge to the peer and both host names; the secret itself never leaves the process. The same secret keys the messages that follow:
 * each direction's SipHash key is an HMAC-SHA256 of the secret under another label, over the receiver's
 * challenge and both names ({@link #messageKey}), so it is fresh for every challenge, differs from the other
 * direction's, and cannot be computed from a proof seen on the wire.
 */
public final class BridgeKey
{
    /** The least number of secret bytes a key file must hold. */
    public static final int MIN_SECRET_LENGTH = 16;
    private static final String ALGORITHM = "HmacSHA256";
    /** Length of a message key (SipHash's 128 bits). */
    static final int MESSAGE_KEY_LENGTH = 16;
    private static final byte[] PROOF_LABEL = "evring-bridge-proof-v3".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] MESSAGE_KEY_LABEL = "evring-bridge message key v2".getBytes(StandardCharsets.US_ASCII);
    private static final Set<PosixFilePermission> ALLOWED =
        EnumSet.of(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE);
    private static final SecureRandom RANDOM = new SecureRandom();

    private final Path file;
    private final SecretKeySpec secret;
    private final Mac mac;

    private BridgeKey(final Path file, final byte[] secret)
    {
        this.file = file;
        this.secret = new SecretKeySpec(secret, ALGORITHM);
        Arrays.fill(secret, (byte)0);
        try
        {
            this.mac = Mac.getInstance(ALGORITHM);
        }
        catch (final GeneralSecurityException ex)
        {
            throw new IllegalStateException(ALGORITHM + " is missing from this JVM", ex);
        }
    }

    /**
     * Read a key file: a regular file owned by this process's user with no permission for group or others,
     * holding at least {@value #MIN_SECRET_LENGTH} bytes (trailing white space is not part of the secret).
     *
     * @param file the key file.
     * @return the key.
     * @throws IOException if the file cannot be read, is open to group or others, or is too short.
     */
    public static BridgeKey read(final Path file) throws IOException
    {
        if (!Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS))
        {
            throw new IOException("bridge key file " + file + " is not a regular file");
        }
        final Set<PosixFilePermission> permissions = Files.getPosixFilePermissions(file, LinkOption.NOFOLLOW_LINKS);
        if (!ALLOWED.containsAll(permissions))
        {
            throw new IOException("bridge key file " + file + " has mode " + PosixFilePermissions.toString(permissions)
                + ": it must be readable by its owner only (chmod 600 " + file + ")");
        }
        final String owner = Files.getOwner(file, LinkOption.NOFOLLOW_LINKS).getName();
        final String user = System.getProperty("user.name");
        if (!owner.equals(user))
        {
            throw new IOException("bridge key file " + file + " belongs to " + owner + ", not to " + user);
        }
        final byte[] bytes = Files.readAllBytes(file);
        int length = bytes.length;
        while (length > 0 && Character.isWhitespace(bytes[length - 1]))
        {
            length--;
        }
        if (length < MIN_SECRET_LENGTH)
        {
            Arrays.fill(bytes, (byte)0);
            throw new IOException("bridge key file " + file + " holds " + length + " bytes; at least "
                + MIN_SECRET_LENGTH + " are needed (make one with BridgeKey.generate)");
        }
        final byte[] secret = Arrays.copyOf(bytes, length);
        Arrays.fill(bytes, (byte)0);
        return new BridgeKey(file, secret);
    }

    /**
     * Write a new key file (mode 0600) with 32 random bytes in base64, for every bridge of a team to share.
     *
     * @param file where; it must not exist.
     * @return the file.
     * @throws IOException if it exists or cannot be written.
     */
    public static Path generate(final Path file) throws IOException
    {
        final byte[] secret = new byte[32];
        RANDOM.nextBytes(secret);
        Files.createFile(file, PosixFilePermissions.asFileAttribute(ALLOWED));
        Files.write(file, (Base64.getEncoder().encodeToString(secret) + "\n").getBytes(StandardCharsets.US_ASCII));
        Arrays.fill(secret, (byte)0);
        return file;
    }

    /**
     * A fresh random challenge.
     *
     * @return {@link BridgeMessageDescriptor#NONCE_LENGTH} random bytes.
     */
    static byte[] nonce()
    {
        final byte[] nonce = new byte[BridgeMessageDescriptor.NONCE_LENGTH];
        RANDOM.nextBytes(nonce);
        return nonce;
    }

    /**
     * The proof that {@code prover} knows the secret, for {@code verifier}'s challenge; it vouches for the
     * prover's own challenge to the verifier too (the key of the messages the verifier will send it).
     *
     * @param nonce    the verifier's challenge.
     * @param own      the prover's challenge to the verifier.
     * @param prover   the proving host's name.
     * @param verifier the verifying host's name.
     * @return the HMAC.
     */
    byte[] proof(final byte[] nonce, final byte[] own, final String prover, final String verifier)
    {
        begin(PROOF_LABEL);
        mac.update(nonce);
        return end(own, prover, verifier);
    }

    /**
     * The SipHash key of the messages {@code sender} sends to {@code receiver} under {@code receiver}'s challenge
     * {@code nonce} ({@link MessageAuthenticator}). Never sent: each side derives it.
     *
     * @param nonce    the receiver's challenge.
     * @param sender   the sending host's name.
     * @param receiver the receiving host's name.
     * @return {@link #MESSAGE_KEY_LENGTH} bytes.
     */
    byte[] messageKey(final byte[] nonce, final String sender, final String receiver)
    {
        final byte[] hmac = hmac(MESSAGE_KEY_LABEL, nonce, sender, receiver);
        final byte[] key = Arrays.copyOf(hmac, MESSAGE_KEY_LENGTH);
        Arrays.fill(hmac, (byte)0);
        return key;
    }

    /**
     * HMAC-SHA256 of the secret over a label, a nonce and two names (the first ended by a 0 byte).
     */
    private byte[] hmac(final byte[] label, final byte[] nonce, final String first, final String second)
    {
        begin(label);
        return end(nonce, first, second);
    }

    /**
     * Begin an HMAC-SHA256 of the secret with a label.
     */
    private void begin(final byte[] label)
    {
        try
        {
            mac.init(secret);
        }
        catch (final GeneralSecurityException ex)
        {
            throw new IllegalStateException("cannot key " + ALGORITHM, ex);
        }
        mac.update(label);
    }

    /**
     * The end of an HMAC {@link #begin begun}: a nonce and two names (the first ended by a 0 byte).
     */
    private byte[] end(final byte[] nonce, final String first, final String second)
    {
        mac.update(nonce);
        mac.update(first.getBytes(StandardCharsets.US_ASCII));
        mac.update((byte)0);
        mac.update(second.getBytes(StandardCharsets.US_ASCII));
        return mac.doFinal();
    }

    /**
     * Check the proof in a PROOF message (in constant time): its HMAC over this host's challenge, the prover's
     * own challenge the message carries and both names.
     *
     * @param nonce    the challenge this host sent.
     * @param prover   the peer's name.
     * @param verifier this host's name.
     * @param buffer   holding the PROOF.
     * @param offset   where it starts.
     * @return true if the peer knows the secret, and the challenge it names is its own.
     */
    boolean verify(final byte[] nonce, final String prover, final String verifier, final DirectBuffer buffer,
        final int offset)
    {
        final byte[] received = new byte[BridgeMessageDescriptor.HMAC_LENGTH];
        buffer.getBytes(offset + BridgeMessageDescriptor.PROOF_HMAC_OFFSET, received);
        final byte[] own = BridgeCodec.nonce(buffer, offset + BridgeMessageDescriptor.PROOF_OWN_NONCE_OFFSET);
        return MessageDigest.isEqual(proof(nonce, own, prover, verifier), received);
    }

    /**
     * Names the file, never the secret.
     *
     * @return a description.
     */
    @Override
    public String toString()
    {
        return "BridgeKey{" + file + '}';
    }
}

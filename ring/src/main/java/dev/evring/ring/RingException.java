package dev.evring.ring;

import java.util.Objects;

/**
 * A ring operation that failed with a Linux error number: the unchecked member of the
 * {@link ErrnoException} family, for the ring's calls ({@code offer}, {@code read}, {@code resize},
 * {@code reset}, ...), which declare no {@link java.io.IOException} so that the data path stays free of
 * checked exceptions. {@link #errno()} reads as {@link ErrnoException#errno()} does, and
 * {@link #toErrnoException()} gives the checked form to an API that declares {@code IOException} (the
 * evtchn device does). It stays an {@link IllegalStateException}, as every ring failure was before.
 *
 * <p>The error numbers a ring reports:
 * <ul>
 *   <li>{@link Errno#EFBIG}: the ring overflowed ({@link RingOverflowException});</li>
 *   <li>{@link Errno#EIO}: the ring's shared memory is damaged: its file was truncated under the mapping,
 *   or a control word (size, indices) holds a value no ring can hold, written by another process;</li>
 *   <li>{@link Errno#ENOSPC}: the file system has no room for the pages a {@link PortRing#resize(int)}
 *   needs (the ring is unchanged);</li>
 *   <li>{@link Errno#ETIMEDOUT}: the shared producer lock stayed held for longer than the ring's
 *   {@link PortRing#producerLockTimeout(long, java.util.concurrent.TimeUnit) lock timeout};</li>
 *   <li>{@link Errno#EBUSY}: a shared word kept changing under a compare-and-set for longer than any
 *   honest contention lasts.</li>
 * </ul>
 */
public class RingException extends IllegalStateException
{
    private static final long serialVersionUID = 1L;

    private final Errno errno;

    /**
     * Create the exception.
     *
     * @param errno   the error number.
     * @param message what happened and what to do, for a person; prefixed with the errno's name.
     */
    public RingException(final Errno errno, final String message)
    {
        this(errno, message, null);
    }

    /**
     * Create the exception with a cause.
     *
     * @param errno   the error number.
     * @param message what happened and what to do, for a person; prefixed with the errno's name.
     * @param cause   the underlying failure, or null.
     */
    public RingException(final Errno errno, final String message, final Throwable cause)
    {
        super(Objects.requireNonNull(errno, "errno").name() + ": " + message, cause);
        this.errno = errno;
    }

    /**
     * The error number.
     *
     * @return the errno, as the kernel's device would report it (negated there).
     */
    public final Errno errno()
    {
        return errno;
    }

    /**
     * The same failure as a checked {@link ErrnoException}, with this exception as its cause.
     *
     * @return an exception of the same errno and message.
     */
    public ErrnoException toErrnoException()
    {
        final String prefix = errno.name() + ": ";
        final String message = getMessage();
        return new ErrnoException(
            errno, message.startsWith(prefix) ? message.substring(prefix.length()) : message, this);
    }
}

package dev.evring.ring;

import java.io.IOException;
import java.util.Objects;

/**
 * A failed device operation carrying the Linux error number the kernel's device would have returned.
 * The message starts with the errno's name and says what went wrong and what to do about it. The evtchn
 * and lguest modules throw their own subclasses.
 */
public class ErrnoException extends IOException
{
    private static final long serialVersionUID = 1L;

    private final Errno errno;

    /**
     * Create the exception.
     *
     * @param errno   the error number.
     * @param message what happened and what to do, for a person.
     */
    public ErrnoException(final Errno errno, final String message)
    {
        super(Objects.requireNonNull(errno, "errno").name() + ": " + message);
        this.errno = errno;
    }

    /**
     * Create the exception with a cause.
     *
     * @param errno   the error number.
     * @param message what happened and what to do, for a person.
     * @param cause   the underlying failure.
     */
    public ErrnoException(final Errno errno, final String message, final Throwable cause)
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
}

package dev.evring.evtchn;

import dev.evring.ring.Errno;

import java.io.IOException;
import java.util.Objects;

/**
 * A failed event-channel operation, carrying the Linux error number the kernel's device would return
 * ({@code EINVAL}, {@code ENOTCONN}, {@code EFBIG}, {@code ENODEV}, ...). The message says what went wrong
 * and what to do about it.
 */
public final class EvtchnException extends IOException
{
    private static final long serialVersionUID = 1L;

    private final Errno errno;

    /**
     * Create the exception.
     *
     * @param errno   the error number.
     * @param message what happened and what to do.
     */
    public EvtchnException(final Errno errno, final String message)
    {
        super(Objects.requireNonNull(errno, "errno").name() + ": " + message);
        this.errno = errno;
    }

    /**
     * Create the exception with a cause.
     *
     * @param errno   the error number.
     * @param message what happened and what to do.
     * @param cause   the underlying failure.
     */
    public EvtchnException(final Errno errno, final String message, final Throwable cause)
    {
        super(Objects.requireNonNull(errno, "errno").name() + ": " + message, cause);
        this.errno = errno;
    }

    /**
     * The error number.
     *
     * @return the errno, as the kernel's device would report it.
     */
    public Errno errno()
    {
        return errno;
    }
}

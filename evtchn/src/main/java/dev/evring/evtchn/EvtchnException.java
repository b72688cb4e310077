package dev.evring.evtchn;

import dev.evring.ring.Errno;
import dev.evring.ring.ErrnoException;


/**
 * A failed event-channel operation, carrying the Linux error number the kernel's device would return
 * ({@code EINVAL}, {@code ENOTCONN}, {@code EFBIG}, {@code ENODEV}, ...). The message says what went wrong
 * and what to do about it.
 */
public final class EvtchnException extends ErrnoException
{
    private static final long serialVersionUID = 1L;

    /**
     * Create the exception.
     *
     * @param errno   the error number.
     * @param message what happened and what to do.
     */
    public EvtchnException(final Errno errno, final String message)
    {
        super(errno, message);
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
        super(errno, message, cause);
    }
}

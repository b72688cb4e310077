package dev.evring.lguest;

import dev.evring.ring.Errno;
import dev.evring.ring.ErrnoException;


/**
 * A request to the lguest device failed with the error number the kernel's {@code /dev/lguest} would have
 * returned: {@link Errno#EINVAL} before initialize or for a bad argument, {@link Errno#EBUSY} for a second
 * initialize, {@link Errno#EPERM} for a run from a thread that does not own the guest, {@link Errno#ENOENT}
 * for a write-side request after the guest died, {@link Errno#EBADF} for a target that cannot take notifies.
 */
public final class LguestException extends ErrnoException
{
    private static final long serialVersionUID = 1L;

    /**
     * A failure with an error number and a message saying what was wrong.
     *
     * @param errno   the error number.
     * @param message what was wrong, for a person.
     */
    public LguestException(final Errno errno, final String message)
    {
        super(errno, message);
    }

    /**
     * A failure with an error number, a message and the exception that caused it.
     *
     * @param errno   the error number.
     * @param message what was wrong, for a person.
     * @param cause   the underlying failure.
     */
    public LguestException(final Errno errno, final String message, final Throwable cause)
    {
        super(errno, message, cause);
    }
}

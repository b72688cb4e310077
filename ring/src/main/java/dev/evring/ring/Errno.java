package dev.evring.ring;

/**
 * The Linux error numbers evring reports, with the values of {@code asm-generic/errno-base.h} and
 * {@code errno.h} on x86-64, so a number printed by evring reads the same as one from the kernel.
 * Shared by every module: a ring overflow is {@link #EFBIG}, an evtchn or lguest failure carries one.
 */
public enum Errno
{
    EPERM(1, "Operation not permitted"),
    ENOENT(2, "No such file or directory"),
    ESRCH(3, "No such process"),
    EINTR(4, "Interrupted system call"),
    EIO(5, "I/O error"),
    EBADF(9, "Bad file number"),
    EAGAIN(11, "Try again"),
    ENOMEM(12, "Out of memory"),
    EACCES(13, "Permission denied"),
    EFAULT(14, "Bad address"),
    EBUSY(16, "Device or resource busy"),
    EEXIST(17, "File exists"),
    ENODEV(19, "No such device"),
    EINVAL(22, "Invalid argument"),
    EFBIG(27, "File too large"),
    ENOSPC(28, "No space left on device"),
    EPIPE(32, "Broken pipe"),
    ENOSYS(38, "Function not implemented"),
    ECONNRESET(104, "Connection reset by peer"),
    EISCONN(106, "Transport endpoint is already connected"),
    ENOTCONN(107, "Transport endpoint is not connected"),
    ETIMEDOUT(110, "Connection timed out");

    private final int number;
    private final String description;

    Errno(final int number, final String description)
    {
        this.number = number;
        this.description = description;
    }

    /**
     * The positive error number, as in C's {@code errno}.
     *
     * @return the number, e.g. 22 for {@link #EINVAL}.
     */
    public int number()
    {
        return number;
    }

    /**
     * The kernel's short description of the error.
     *
     * @return e.g. "Invalid argument" for {@link #EINVAL}.
     */
    public String description()
    {
        return description;
    }

    /**
     * Look an error up by its number.
     *
     * @param number a positive error number.
     * @return the matching constant.
     * @throws IllegalArgumentException if evring does not use that number.
     */
    public static Errno of(final int number)
    {
        for (final Errno errno : values())
        {
            if (errno.number == number)
            {
                return errno;
            }
        }
        throw new IllegalArgumentException("errno " + number + " is not one evring reports");
    }
}

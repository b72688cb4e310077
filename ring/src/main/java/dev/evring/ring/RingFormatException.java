package dev.evring.ring;

/**
 * A file or buffer that is not a usable {@link PortRing}: wrong magic or layout version, a size that is
 * not a power of two, a truncated file, or indices that no ring could hold. Raised before anything is
 * read from the entries, so a bad file is refused rather than misread. Its errno is {@link Errno#EINVAL}
 * for contents no ring holds and {@link Errno#EIO} for a file cut short while mapped
 * ({@link PortRing#checkFile()}).
 */
public final class RingFormatException extends ErrnoException
{
    private static final long serialVersionUID = 2L;

    /**
     * Create the exception for contents that are not a ring ({@link Errno#EINVAL}).
     *
     * @param message what is wrong and where.
     */
    public RingFormatException(final String message)
    {
        super(Errno.EINVAL, message);
    }

    /**
     * Create the exception with a given errno.
     *
     * @param errno   the error number.
     * @param message what is wrong and where.
     */
    public RingFormatException(final Errno errno, final String message)
    {
        super(errno, message);
    }
}

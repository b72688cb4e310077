package dev.evring.ring;

import java.io.IOException;

/**
 * A file or buffer that is not a usable {@link PortRing}: wrong magic or layout version, a size that is
 * not a power of two, a truncated file, or indices that no ring could hold. Raised before anything is
 * read from the entries, so a bad file is refused rather than misread.
 */
public final class RingFormatException extends IOException
{
    private static final long serialVersionUID = 1L;

    /**
     * Create the exception.
     *
     * @param message what is wrong and where.
     */
    public RingFormatException(final String message)
    {
        super(message);
    }
}

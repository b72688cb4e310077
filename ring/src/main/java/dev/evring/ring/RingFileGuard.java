package dev.evring.ring;

import java.io.IOException;
import java.nio.file.Path;

import static dev.evring.ring.PortRingDescriptor.entryOffset;

/**
 * A {@link PortRing}'s cold-path guard over the file it maps (none for allocated and embedded rings): the
 * whole-file check every cold path makes before an atomic on the mapping, the translation of the JVM's
 * fault on mapped memory into {@link RingException} {@link Errno#EIO}, and the page reservation that makes a
 * full disk an {@link Errno#ENOSPC} instead of a later {@code SIGBUS} (H5). Nothing here is on a hot path.
 */
final class RingFileGuard
{
    private final SharedMappedFile shared;
    private final String name;

    RingFileGuard(final SharedMappedFile shared, final String name)
    {
        this.shared = shared;
        this.name = name;
    }

    /**
     * Fail unless the mapped file still covers the mapping (one {@code fstat}). Every cold path calls this
     * before an atomic on the mapping: HotSpot turns a fault in a plain or ordered access into an
     * InternalError, but a fault inside an interpreted compare-and-set or get-and-add kills the JVM.
     */
    void requireWhole()
    {
        if (!isWhole())
        {
            throw new RingException(Errno.EIO, name + " was truncated: " + shared.describeTruncation());
        }
    }

    /**
     * The public check: the same as {@link #requireWhole()}, as a checked {@link RingFormatException}.
     */
    void checkFile() throws IOException
    {
        if (!isWhole())
        {
            throw new RingFormatException(Errno.EIO, name + " was truncated: " + shared.describeTruncation());
        }
    }

    /**
     * Whether the file still covers the mapping; always for a ring that is not in a file.
     */
    boolean isWhole()
    {
        return shared == null || shared.isWhole();
    }

    /**
     * The ring's answer to the JVM's InternalError for a fault on mapped memory ({@code SIGBUS}: pages its
     * file lost to a truncation, or could not get on a full disk).
     */
    RingException lostPages(final InternalError fault)
    {
        return new RingException(Errno.EIO, name + " faulted on its shared memory (" + fault.getMessage()
            + "): its file was truncated under the mapping or its disk is full; stop using it", fault);
    }

    /**
     * Reserve the pages of entries {@code [from, to)} through the file system (H5), so that the copy into
     * them cannot meet a full disk as a {@code SIGBUS}; nothing to do for a ring that is not in a file.
     */
    void reserveEntries(final int from, final int to)
    {
        if (shared != null && to > from)
        {
            try
            {
                shared.reserve(entryOffset(from), (long)(to - from) * Integer.BYTES);
            }
            catch (final ErrnoException ex)
            {
                throw new RingException(ex.errno(), name + " cannot grow from " + from + " to " + to
                    + " ports and is unchanged: " + ex.getMessage(), ex);
            }
        }
    }

    /**
     * The mapped file, or null.
     */
    Path file()
    {
        return shared == null ? null : shared.file();
    }

    /**
     * Unmap the file, if there is one.
     */
    void close()
    {
        if (shared != null)
        {
            shared.close();
        }
    }
}

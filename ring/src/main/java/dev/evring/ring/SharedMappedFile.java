package dev.evring.ring;

import net.openhft.chronicle.core.OS;
import org.agrona.concurrent.AtomicBuffer;
import org.agrona.concurrent.UnsafeBuffer;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A file shared between processes and mapped read-write into this one: the one place evring creates,
 * sizes and maps such a file. Two things make it more than a mapping:
 *
 * <ul>
 *   <li><b>Pages are reserved before they are used.</b> A file is created at its full length as a sparse
 *   file, so pages nobody touches cost nothing on tmpfs; but on a full tmpfs the first touch of a page
 *   through the mapping raises {@code SIGBUS}. {@link #create(Path, long, long)} and {@link #reserve(long,
 *   long)} therefore write zeros through the file descriptor over the region about to be used: a full
 *   file system is then an {@link Errno#ENOSPC} from that call, before the mapping touches anything.</li>
 *   <li><b>Truncation can be seen.</b> Another process of the same user may cut the file while it is
 *   mapped; touching the pages beyond its new end then raises {@code SIGBUS}. The file's descriptor stays
 *   open while it is mapped, so {@link #isWhole()} asks the very file that is mapped ({@code fstat}), even
 *   after its path was unlinked or replaced. Callers check it before operations that a fault would make
 *   fatal (an atomic compare-and-set in interpreted code is one: HotSpot survives a fault only in plain
 *   and ordered accesses). The descriptor is a {@link RandomAccessFile}'s, which a thread interrupt does
 *   not close, unlike a {@link FileChannel}'s.</li>
 * </ul>
 *
 * <p>A mapping is at most {@link Integer#MAX_VALUE} bytes (one {@link AtomicBuffer}). It is made and
 * unmapped with Chronicle Core's {@code OS.map} / {@code OS.unmap}, not through a {@code MappedByteBuffer}:
 * the JDK unmaps a buffer inside a cleaner that ends the JVM on any error, and HotSpot may report a fault of
 * an earlier access to a cut file just there (see {@link #close()}). Closing unmaps the file and closes its
 * descriptor, once; the file stays for other processes. Thread-safe.
 */
public final class SharedMappedFile implements AutoCloseable
{
    private static final int ZEROS_LENGTH = 64 * 1024;
    private static final byte[] ZEROS = new byte[ZEROS_LENGTH];

    private final Path file;
    private final RandomAccessFile descriptor;
    private final long address;
    private final UnsafeBuffer mapping;
    private final long length;
    private final AtomicBoolean closed = new AtomicBoolean();

    private SharedMappedFile(final Path file, final RandomAccessFile descriptor, final long address, final long length)
    {
        this.file = file;
        this.descriptor = descriptor;
        this.address = address;
        this.mapping = new UnsafeBuffer(address, (int)length);
        this.length = length;
    }

    /**
     * Create a new file of {@code length} bytes (sparse), reserve its first {@code reserveLength} bytes
     * through the file system, and map all of it. On any failure the file is removed again.
     *
     * @param file          the file to create; it must not exist.
     * @param length        its length, 1 to {@link Integer#MAX_VALUE} bytes.
     * @param reserveLength how many bytes from the start will be touched at once, 0 to {@code length}.
     * @return the mapped file.
     * @throws ErrnoException           {@link Errno#ENOSPC} if the file system has no room for the file or
     *                                  its reserved pages, {@link Errno#ENOMEM} if the mapping fails for
     *                                  want of memory, {@link Errno#EIO} if writing the pages failed otherwise.
     * @throws IOException              if the file exists or cannot be created and mapped.
     * @throws IllegalArgumentException if a length is out of range.
     */
    public static SharedMappedFile create(final Path file, final long length, final long reserveLength)
        throws IOException
    {
        if (length < 1 || length > Integer.MAX_VALUE || reserveLength < 0 || reserveLength > length)
        {
            throw new IllegalArgumentException("cannot map " + length + " bytes reserving " + reserveLength
                + ": the length must be 1 to " + Integer.MAX_VALUE + " and cover the reserved bytes");
        }
        try
        {
            Files.newByteChannel(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE).close();
        }
        catch (final IOException ex)
        {
            throw outOfSpace(ex, "cannot create " + file);
        }
        RandomAccessFile descriptor = null;
        try
        {
            descriptor = new RandomAccessFile(file.toFile(), "rw");
            descriptor.setLength(length);
            final SharedMappedFile mapped = new SharedMappedFile(file, descriptor, map(descriptor, length), length);
            mapped.reserve(0, reserveLength);
            return mapped;
        }
        catch (final IOException ex)
        {
            closeQuietly(descriptor, ex);
            Files.deleteIfExists(file);
            throw outOfSpace(ex, "cannot create " + file);
        }
        catch (final RuntimeException ex)
        {
            closeQuietly(descriptor, ex);
            Files.deleteIfExists(file);
            throw ex;
        }
    }

    /**
     * Map an existing file, all of it, as long as it is now.
     *
     * @param file the file.
     * @return the mapped file.
     * @throws ErrnoException {@link Errno#EFBIG} if it is longer than {@link Integer#MAX_VALUE} bytes.
     * @throws IOException    if it cannot be opened or mapped.
     */
    public static SharedMappedFile open(final Path file) throws IOException
    {
        final RandomAccessFile descriptor = new RandomAccessFile(file.toFile(), "rw");
        try
        {
            final long length = descriptor.length();
            if (length > Integer.MAX_VALUE)
            {
                throw new ErrnoException(Errno.EFBIG, file + " is " + length + " bytes, more than one mapping holds");
            }
            return new SharedMappedFile(file, descriptor, map(descriptor, length), length);
        }
        catch (final IOException | RuntimeException ex)
        {
            closeQuietly(descriptor, ex);
            throw ex;
        }
    }

    private static long map(final RandomAccessFile descriptor, final long length) throws IOException
    {
        try
        {
            return OS.map(descriptor.getChannel(), FileChannel.MapMode.READ_WRITE, 0, length);
        }
        catch (final IOException ex)
        {
            throw ex.getCause() instanceof OutOfMemoryError
                ? new ErrnoException(Errno.ENOMEM, "cannot map " + length + " bytes: " + ex.getMessage(), ex)
                : ex;
        }
    }

    /**
     * The Linux error an {@link IOException} of a file operation stands for, where it is one a caller acts
     * on (a full file system): {@link Errno#ENOSPC} as an {@link ErrnoException}; any other failure as it is.
     * The JDK names the error only in the message ({@code strerror}), so the message is what is matched.
     */
    private static IOException outOfSpace(final IOException ex, final String what)
    {
        final String reason = String.valueOf(ex.getMessage());
        if (ex instanceof ErrnoException || !(reason.contains("No space left") || reason.contains("quota")))
        {
            return ex;
        }
        return new ErrnoException(Errno.ENOSPC, what + ": " + reason + " (the file system is full)", ex);
    }

    private static void closeQuietly(final RandomAccessFile descriptor, final Exception failure)
    {
        if (descriptor != null)
        {
            try
            {
                descriptor.close();
            }
            catch (final IOException ex)
            {
                failure.addSuppressed(ex);
            }
        }
    }

    /**
     * Reserve {@code count} bytes from {@code offset} through the file system, by writing zeros over
     * them, so that the mapping can touch their pages without a {@code SIGBUS} on a full disk. Only for a
     * region nobody uses yet: its contents become zero.
     *
     * @param offset the first byte, within the mapping.
     * @param count  how many bytes, within the mapping.
     * @throws ErrnoException {@link Errno#ENOSPC} if the file system has no room (some of the region may be
     *                        reserved: the caller just does not use it), {@link Errno#EIO} if the write
     *                        failed otherwise.
     */
    public synchronized void reserve(final long offset, final long count) throws ErrnoException
    {
        if (offset < 0 || count < 0 || offset + count > length)
        {
            throw new IllegalArgumentException("cannot reserve " + count + " bytes at " + offset + " of " + file
                + " (" + length + " bytes mapped)");
        }
        try
        {
            descriptor.seek(offset);
            for (long done = 0; done < count; done += ZEROS_LENGTH)
            {
                descriptor.write(ZEROS, 0, (int)Math.min(ZEROS_LENGTH, count - done));
            }
        }
        catch (final IOException ex)
        {
            final String what = "cannot reserve " + count + " bytes at " + offset + " of " + file;
            final IOException classified = outOfSpace(ex, what);
            throw classified instanceof ErrnoException errno
                ? errno
                : new ErrnoException(Errno.EIO, what + ": " + ex.getMessage(), ex);
        }
    }

    /**
     * Whether the file still covers the whole mapping: false once another process truncated it, or if its
     * length cannot be read. One {@code fstat}: for cold paths, never per message.
     *
     * @return true if every mapped page is still backed by the file.
     */
    public boolean isWhole()
    {
        try
        {
            return descriptor.length() >= length;
        }
        catch (final IOException ex)
        {
            return false;
        }
    }

    /**
     * Fail if the file no longer covers the mapping.
     *
     * @throws ErrnoException {@link Errno#EIO} naming the file and both lengths.
     */
    public void checkWhole() throws ErrnoException
    {
        if (!isWhole())
        {
            throw new ErrnoException(Errno.EIO, describeTruncation());
        }
    }

    /**
     * What {@link #checkWhole()} reports, for callers that throw their own exception.
     *
     * @return a sentence naming the file, its length now and the length mapped.
     */
    public String describeTruncation()
    {
        String now;
        try
        {
            now = descriptor.length() + " bytes";
        }
        catch (final IOException ex)
        {
            now = "an unreadable length (" + ex.getMessage() + ")";
        }
        return file + " was cut to " + now + " while " + length + " bytes of it are mapped: stop using it";
    }

    /**
     * The mapping, position 0, the file's whole length.
     *
     * @return the mapped buffer.
     */
    public AtomicBuffer mapping()
    {
        return mapping;
    }

    /**
     * The mapped length.
     *
     * @return bytes mapped.
     */
    public long length()
    {
        return length;
    }

    /**
     * The file.
     *
     * @return its path, as given when it was created or opened.
     */
    public Path file()
    {
        return file;
    }

    /**
     * Unmap the file and close its descriptor; the file stays. The mapping must not be used afterwards. A
     * second close does nothing.
     *
     * <p>HotSpot reports a fault of compiled code on a file another process cut late, as an
     * {@link InternalError} at the thread's next call into the VM, which may be one of this close's. Such a
     * report is dropped here: the mapping and the descriptor are gone either way, and readers of a file others
     * may cut have {@link #isWhole()} to find out. (The JDK's own unmap of a {@code MappedByteBuffer} runs in
     * a cleaner that ends the JVM on such a report, which is why this class does not use one.)
     */
    @Override
    public void close()
    {
        if (!closed.compareAndSet(false, true))
        {
            return;
        }
        try
        {
            OS.unmap(address, length);
        }
        catch (final IOException | InternalError late)
        {
            // a late fault report on the way back from munmap (perhaps wrapped): the pages are unmapped
        }
        try
        {
            descriptor.close();
        }
        catch (final IOException | InternalError ignored)
        {
            // closing a descriptor that only served fstat and writes that completed cannot lose data; a late
            // fault report that came on the way back is dropped as above
        }
    }

    /**
     * {@inheritDoc}
     */
    @Override
    public String toString()
    {
        return "SharedMappedFile " + file + " (" + length + " bytes)";
    }
}

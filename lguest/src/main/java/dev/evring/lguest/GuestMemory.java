package dev.evring.lguest;

import net.openhft.chronicle.core.OS;
import org.agrona.UnsafeApi;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Objects;

/**
 * Guest-physical memory: {@code pfnLimit} pages of a memory-mapped file, shared by the launcher and the
 * guest JVM, so both see the same bytes. Guest-physical address 0 is byte {@code base} of the file.
 *
 * <p>Every access is checked against the size ({@code pfnLimit} x {@link #PAGE_SIZE}), so an address beyond
 * it never touches memory. In the launcher an access outside throws {@link IndexOutOfBoundsException}; in
 * the guest it kills the guest with a reason naming the address (the kernel's {@code lgread}/{@code lgwrite}
 * checks). Sizes above 2 GiB work: the mapping is made with Chronicle Core's {@code OS.map}, which takes long
 * offsets and lengths, and accessed by long address.
 *
 * <p><b>Why not {@code SharedMappedFile}.</b> Every other shared file of evring is created and mapped by
 * {@link dev.evring.ring.SharedMappedFile}, which reserves the pages it will touch (a full disk is then an
 * ENOSPC, not a SIGBUS) and checks the file is whole. Guest memory cannot use it: it may exceed the 2 GiB
 * one of its mappings (an {@code AtomicBuffer}) holds, and it stays sparse on purpose, like a real guest's
 * RAM: reserving gigabytes of pages a guest may never touch would write them all at launch. So
 * {@link #createFile} makes a sparse file, and on a file system too full to back a page the first touch of
 * that page faults: HotSpot reports that SIGBUS as an {@code InternalError} in the thread that touched the
 * page, possibly a little after the access (see {@code PortRing}'s class comment).
 *
 * <p>The plain accessors have no ordering guarantees between threads or processes; use the volatile and
 * compare-and-set accessors (naturally aligned) or explicit fences to publish data to the other side.
 * Accessing the memory after {@link #close()} fails with {@link IllegalStateException}; closing while
 * another thread is still accessing it is not allowed.
 */
public final class GuestMemory implements AutoCloseable
{
    /** The guest page size in bytes: 4 KiB, as on x86. */
    public static final int PAGE_SIZE = 4096;

    private static final long BYTE_ARRAY_BASE = UnsafeApi.arrayBaseOffset(byte[].class);

    /**
     * What an access outside guest memory does: build the exception to throw, or never return (the guest
     * runtime kills the guest).
     */
    @FunctionalInterface
    interface AccessFault
    {
        /**
         * An access of {@code length} bytes at {@code address} does not fit in {@code size} bytes.
         *
         * @param address the guest-physical address.
         * @param length  the number of bytes accessed.
         * @param size    the size of guest memory.
         * @return the exception to throw.
         */
        RuntimeException outside(long address, long length, long size);
    }

    private final long size;
    private final long pfnLimit;
    private final AccessFault fault;
    private long address;

    private GuestMemory(final long address, final long pfnLimit, final AccessFault fault)
    {
        this.address = address;
        this.pfnLimit = pfnLimit;
        this.size = pfnLimit * PAGE_SIZE;
        this.fault = fault;
    }

    /**
     * Map {@code pfnLimit} pages of a file, starting at byte {@code base}, as guest memory whose
     * out-of-bounds accesses throw {@link IndexOutOfBoundsException}.
     *
     * @param file     the memory file; it must already be at least {@code base + pfnLimit * PAGE_SIZE} long.
     * @param base     the file offset of guest-physical address 0, a multiple of {@link #PAGE_SIZE}.
     * @param pfnLimit the number of guest pages, at least 1.
     * @return the mapped memory.
     * @throws IOException if the file is too short or cannot be mapped.
     */
    public static GuestMemory map(final Path file, final long base, final long pfnLimit) throws IOException
    {
        return map(file, base, pfnLimit,
            (address, length, size) -> new IndexOutOfBoundsException(describe(address, length, size)));
    }

    static GuestMemory map(final Path file, final long base, final long pfnLimit, final AccessFault fault)
        throws IOException
    {
        Objects.requireNonNull(file, "file");
        if (base < 0 || base % PAGE_SIZE != 0)
        {
            throw new IllegalArgumentException("base " + base + " is not a non-negative multiple of " + PAGE_SIZE);
        }
        if (pfnLimit < 1 || pfnLimit > Long.MAX_VALUE / PAGE_SIZE - base / PAGE_SIZE)
        {
            throw new IllegalArgumentException("pfnLimit " + pfnLimit + " is not a usable page count");
        }
        final long length = pfnLimit * PAGE_SIZE;
        final long fileLength = Files.size(file);
        if (fileLength < base + length)
        {
            throw new IOException("memory file " + file + " is " + fileLength + " bytes, shorter than base " + base
                + " + " + pfnLimit + " pages");
        }
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE))
        {
            return new GuestMemory(OS.map(channel, FileChannel.MapMode.READ_WRITE, base, length), pfnLimit, fault);
        }
    }

    /**
     * Create a guest memory file of {@code length} bytes, sparse (see the class comment for why it is not a
     * {@link dev.evring.ring.SharedMappedFile}).
     *
     * @param file   the file; it must not exist.
     * @param length its length in bytes, {@code base + pfnLimit * PAGE_SIZE}.
     * @throws IOException if the file exists or cannot be created or sized.
     */
    static void createFile(final Path file, final long length) throws IOException
    {
        Files.newByteChannel(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE).close();
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw"))
        {
            raf.setLength(length);
        }
    }

    /**
     * Describe an access outside guest memory, naming the address.
     *
     * @param address the guest-physical address.
     * @param length  the number of bytes accessed.
     * @param size    the size of guest memory in bytes.
     * @return the description.
     */
    static String describe(final long address, final long length, final long size)
    {
        return "access of " + length + " bytes at guest-physical address 0x" + Long.toHexString(address)
            + " is outside guest memory [0x0, 0x" + Long.toHexString(size) + ") (pfn limit "
            + (size / PAGE_SIZE) + ")";
    }

    /**
     * The size of guest memory in bytes.
     *
     * @return {@code pfnLimit * PAGE_SIZE}.
     */
    public long size()
    {
        return size;
    }

    /**
     * The number of guest pages.
     *
     * @return the page frame number limit.
     */
    public long pfnLimit()
    {
        return pfnLimit;
    }

    /**
     * Read a byte.
     *
     * @param gpa the guest-physical address.
     * @return the byte.
     */
    public byte getByte(final long gpa)
    {
        return UnsafeApi.getByte(at(gpa, 1));
    }

    /**
     * Write a byte.
     *
     * @param gpa   the guest-physical address.
     * @param value the byte.
     */
    public void putByte(final long gpa, final byte value)
    {
        UnsafeApi.putByte(at(gpa, 1), value);
    }

    /**
     * Read a 32-bit value in the platform's byte order.
     *
     * @param gpa the guest-physical address.
     * @return the value.
     */
    public int getInt(final long gpa)
    {
        return UnsafeApi.getInt(at(gpa, Integer.BYTES));
    }

    /**
     * Write a 32-bit value in the platform's byte order.
     *
     * @param gpa   the guest-physical address.
     * @param value the value.
     */
    public void putInt(final long gpa, final int value)
    {
        UnsafeApi.putInt(at(gpa, Integer.BYTES), value);
    }

    /**
     * Read a 64-bit value in the platform's byte order.
     *
     * @param gpa the guest-physical address.
     * @return the value.
     */
    public long getLong(final long gpa)
    {
        return UnsafeApi.getLong(at(gpa, Long.BYTES));
    }

    /**
     * Write a 64-bit value in the platform's byte order.
     *
     * @param gpa   the guest-physical address.
     * @param value the value.
     */
    public void putLong(final long gpa, final long value)
    {
        UnsafeApi.putLong(at(gpa, Long.BYTES), value);
    }

    /**
     * Read a 32-bit value with volatile semantics (a full barrier on either side, across processes too).
     *
     * @param gpa the guest-physical address, a multiple of 4.
     * @return the value.
     */
    public int getIntVolatile(final long gpa)
    {
        return UnsafeApi.getIntVolatile(null, aligned(gpa, Integer.BYTES));
    }

    /**
     * Write a 32-bit value with volatile semantics.
     *
     * @param gpa   the guest-physical address, a multiple of 4.
     * @param value the value.
     */
    public void putIntVolatile(final long gpa, final int value)
    {
        UnsafeApi.putIntVolatile(null, aligned(gpa, Integer.BYTES), value);
    }

    /**
     * Read a 64-bit value with volatile semantics.
     *
     * @param gpa the guest-physical address, a multiple of 8.
     * @return the value.
     */
    public long getLongVolatile(final long gpa)
    {
        return UnsafeApi.getLongVolatile(null, aligned(gpa, Long.BYTES));
    }

    /**
     * Write a 64-bit value with volatile semantics.
     *
     * @param gpa   the guest-physical address, a multiple of 8.
     * @param value the value.
     */
    public void putLongVolatile(final long gpa, final long value)
    {
        UnsafeApi.putLongVolatile(null, aligned(gpa, Long.BYTES), value);
    }

    /**
     * Atomically add to a 64-bit value.
     *
     * @param gpa   the guest-physical address, a multiple of 8.
     * @param delta what to add.
     * @return the value before the addition.
     */
    public long getAndAddLong(final long gpa, final long delta)
    {
        return UnsafeApi.getAndAddLong(null, aligned(gpa, Long.BYTES), delta);
    }

    /**
     * Atomically replace a 64-bit value if it holds what is expected.
     *
     * @param gpa      the guest-physical address, a multiple of 8.
     * @param expected the value it must hold.
     * @param value    the new value.
     * @return true if it held {@code expected} and now holds {@code value}.
     */
    public boolean compareAndSetLong(final long gpa, final long expected, final long value)
    {
        return UnsafeApi.compareAndSetLong(null, aligned(gpa, Long.BYTES), expected, value);
    }

    /**
     * Copy bytes out of guest memory.
     *
     * @param gpa    the guest-physical address of the first byte.
     * @param dst    where to copy to.
     * @param offset the first index in {@code dst}.
     * @param length the number of bytes.
     */
    public void getBytes(final long gpa, final byte[] dst, final int offset, final int length)
    {
        Objects.checkFromIndexSize(offset, length, dst.length);
        UnsafeApi.copyMemory(null, at(gpa, length), dst, BYTE_ARRAY_BASE + offset, length);
    }

    /**
     * Copy bytes into guest memory.
     *
     * @param gpa    the guest-physical address of the first byte.
     * @param src    where to copy from.
     * @param offset the first index in {@code src}.
     * @param length the number of bytes.
     */
    public void putBytes(final long gpa, final byte[] src, final int offset, final int length)
    {
        Objects.checkFromIndexSize(offset, length, src.length);
        UnsafeApi.copyMemory(src, BYTE_ARRAY_BASE + offset, null, at(gpa, length), length);
    }

    /**
     * Unmap the memory. The file stays; later accesses fail with {@link IllegalStateException}.
     */
    @Override
    public void close()
    {
        final long mapped = address;
        if (mapped != 0)
        {
            address = 0;
            try
            {
                OS.unmap(mapped, size);
            }
            catch (final IOException ex)
            {
                throw new IllegalStateException("cannot unmap guest memory at 0x" + Long.toHexString(mapped), ex);
            }
        }
    }

    /**
     * {@inheritDoc}
     */
    @Override
    public String toString()
    {
        return "GuestMemory{pages=" + pfnLimit + ", bytes=" + size + (address == 0 ? ", closed}" : "}");
    }

    private long at(final long gpa, final long length)
    {
        final long mapped = address;
        if (mapped == 0)
        {
            throw new IllegalStateException("guest memory is closed");
        }
        if (gpa < 0 || gpa > size - length)
        {
            throw fault.outside(gpa, length, size);
        }
        return mapped + gpa;
    }

    private long aligned(final long gpa, final int length)
    {
        final long where = at(gpa, length);
        if ((gpa & (length - 1)) != 0)
        {
            throw new IllegalArgumentException("atomic access of " + length + " bytes at guest-physical address 0x"
                + Long.toHexString(gpa) + " is not aligned");
        }
        return where;
    }
}

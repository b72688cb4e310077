package dev.evring.lguest;

import dev.evring.ring.SharedMappedFile;
import org.agrona.concurrent.UnsafeBuffer;

import java.io.IOException;
import java.lang.invoke.VarHandle;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The control file shared by the launcher and the guest JVM: a header page, then one page per vCPU that
 * carries its exits, its interrupt bitmap and the run / resume handshake. Every field has one writer,
 * except the interrupt bitmap (set by the launcher, cleared by the guest with compare-and-set).
 *
 * <pre>
 * header page   magic, version, cpus, launcher pid, base, pfn limit, memory-owned flag
 *               +256 state            (guest: ALIVE, DYING, DEAD)
 *               +384 closing          (launcher: close() has begun)
 *               +512 reason length, reason bytes (guest, before DEAD)
 * vCPU page n   +0   resume sequence  (launcher: the n-th run lets the vCPU go)
 *               +128 exit sequence, exit address (guest: the vCPU stopped in a notify of that run)
 *               +256 interrupt bitmap (launcher sets bits, guest takes them)
 *               +384 halted           (guest: waiting for an interrupt)
 * </pre>
 *
 * The vCPU is stopped when its exit sequence equals its resume sequence (both 0 at boot); a run adds one
 * to the resume sequence; the vCPU runs until it posts that number as its exit sequence.
 */
final class ControlBlock implements AutoCloseable
{
    static final int ALIVE = 0;
    static final int DYING = 1;
    static final int DEAD = 2;
    static final int IRQS = 32;

    private static final long MAGIC = 0x3154_5347_4c52_5645L; // "EVRLGST1" in little-endian bytes
    private static final int VERSION = 1;
    private static final int PAGE = GuestMemory.PAGE_SIZE;

    private static final int MAGIC_OFFSET = 0;
    private static final int VERSION_OFFSET = 8;
    private static final int CPUS_OFFSET = 12;
    private static final int LAUNCHER_PID_OFFSET = 16;
    private static final int BASE_OFFSET = 24;
    private static final int PFN_LIMIT_OFFSET = 32;
    private static final int MEMORY_OWNED_OFFSET = 40;
    private static final int STATE_OFFSET = 256;
    private static final int CLOSING_OFFSET = 384;
    private static final int REASON_LENGTH_OFFSET = 512;
    private static final int REASON_OFFSET = 516;
    private static final int REASON_MAX = PAGE - REASON_OFFSET;

    private static final int RESUME_OFFSET = 0;
    private static final int EXIT_SEQ_OFFSET = 128;
    private static final int EXIT_ADDR_OFFSET = 136;
    private static final int IRQS_OFFSET = 256;
    private static final int HALTED_OFFSET = 384;

    private final SharedMappedFile mapped;
    private final UnsafeBuffer buffer;
    private final int cpus;

    private ControlBlock(final SharedMappedFile mapped, final UnsafeBuffer buffer, final int cpus)
    {
        this.mapped = mapped;
        this.buffer = buffer;
        this.cpus = cpus;
    }

    /**
     * Create and format a control file.
     *
     * @param file        the file; it must not exist.
     * @param cpus        the number of vCPUs.
     * @param base        the memory file offset of guest-physical 0.
     * @param pfnLimit    the number of guest pages.
     * @param memoryOwned whether the launcher created the memory file (and so deletes it).
     * @param launcherPid the launcher's process id.
     * @return the mapped control block.
     * @throws IOException if the file exists or cannot be created ({@code ErrnoException} ENOSPC when the
     *                     file system has no room for it: its pages are reserved before they are touched).
     */
    static ControlBlock create(
        final Path file, final int cpus, final long base, final long pfnLimit, final boolean memoryOwned,
        final long launcherPid) throws IOException
    {
        final SharedMappedFile mapped = SharedMappedFile.create(file, length(cpus), length(cpus));
        final UnsafeBuffer header = new UnsafeBuffer(mapped.mapping());
        header.putInt(VERSION_OFFSET, VERSION);
        header.putInt(CPUS_OFFSET, cpus);
        header.putLong(LAUNCHER_PID_OFFSET, launcherPid);
        header.putLong(BASE_OFFSET, base);
        header.putLong(PFN_LIMIT_OFFSET, pfnLimit);
        header.putInt(MEMORY_OWNED_OFFSET, memoryOwned ? 1 : 0);
        VarHandle.storeStoreFence(); // smp_wmb: the header is complete before the magic that says it is valid
        header.putLongOpaque(MAGIC_OFFSET, MAGIC);
        return new ControlBlock(mapped, header, cpus);
    }

    /**
     * Map a control file made by {@link #create}, after checking it.
     *
     * @param file the file.
     * @return the mapped control block.
     * @throws IOException if it is not a control file of this version.
     */
    static ControlBlock open(final Path file) throws IOException
    {
        final long size = Files.size(file);
        if (size < PAGE * 2L || size > Integer.MAX_VALUE)
        {
            throw new IOException(file + " is not an lguest control file (" + size + " bytes)");
        }
        final SharedMappedFile mapped = SharedMappedFile.open(file);
        final UnsafeBuffer header = new UnsafeBuffer(mapped.mapping());
        final long magic = header.getLongOpaque(MAGIC_OFFSET);
        VarHandle.loadLoadFence(); // smp_rmb: read the header only after the magic that says it is complete
        final int cpus = header.getInt(CPUS_OFFSET);
        if (magic != MAGIC || header.getInt(VERSION_OFFSET) != VERSION || cpus < 1 || length(cpus) != size)
        {
            mapped.close();
            throw new IOException(file + " is not an lguest control file of version " + VERSION);
        }
        return new ControlBlock(mapped, header, cpus);
    }

    /**
     * The launcher process id written in a control file, or -1 if the file is not a readable control file.
     *
     * @param file the file.
     * @return the pid.
     */
    static long launcherPidOf(final Path file)
    {
        try (ControlBlock control = open(file))
        {
            return control.launcherPid();
        }
        catch (final IOException ex)
        {
            return -1;
        }
    }

    static int length(final int cpus)
    {
        return PAGE * (1 + cpus);
    }

    int cpus()
    {
        return cpus;
    }

    long launcherPid()
    {
        return buffer.getLong(LAUNCHER_PID_OFFSET);
    }

    long base()
    {
        return buffer.getLong(BASE_OFFSET);
    }

    long pfnLimit()
    {
        return buffer.getLong(PFN_LIMIT_OFFSET);
    }

    boolean memoryOwned()
    {
        return buffer.getInt(MEMORY_OWNED_OFFSET) != 0;
    }

    boolean closing()
    {
        return buffer.getIntVolatile(CLOSING_OFFSET) != 0;
    }

    void markClosing()
    {
        buffer.putIntVolatile(CLOSING_OFFSET, 1);
    }

    /**
     * Record the guest's death: the first caller wins, later ones return false.
     *
     * @param reason why the guest died; cut to what fits in the header page.
     * @return true if this call recorded the reason.
     */
    boolean die(final String reason)
    {
        if (!buffer.compareAndSetInt(STATE_OFFSET, ALIVE, DYING))
        {
            return false;
        }
        final byte[] bytes = reason.getBytes(StandardCharsets.UTF_8);
        final int length = Math.min(bytes.length, REASON_MAX);
        buffer.putBytes(REASON_OFFSET, bytes, 0, length);
        buffer.putInt(REASON_LENGTH_OFFSET, length);
        VarHandle.storeStoreFence(); // smp_wmb: the reason is visible before the DEAD state that announces it
        buffer.putIntOpaque(STATE_OFFSET, DEAD);
        return true;
    }

    /**
     * The reason the guest recorded when it died.
     *
     * @return the reason, or null while the guest has not (finished) recording one.
     */
    String deathReason()
    {
        if (buffer.getIntOpaque(STATE_OFFSET) != DEAD)
        {
            return null;
        }
        VarHandle.loadLoadFence(); // smp_rmb: read the reason only after seeing DEAD
        final int length = Math.min(Math.max(buffer.getInt(REASON_LENGTH_OFFSET), 0), REASON_MAX);
        final byte[] bytes = new byte[length];
        buffer.getBytes(REASON_OFFSET, bytes);
        return new String(bytes, StandardCharsets.UTF_8);
    }

    long resumeSequence(final int cpu)
    {
        return buffer.getLongOpaque(page(cpu) + RESUME_OFFSET);
    }

    /**
     * Let a stopped vCPU run (launcher).
     *
     * @param cpu      the vCPU.
     * @param sequence the new resume sequence, one more than the last.
     */
    void resume(final int cpu, final long sequence)
    {
        VarHandle.releaseFence(); // smp_store_release: the launcher's device work is done before the resume
        buffer.putLongOpaque(page(cpu) + RESUME_OFFSET, sequence);
    }

    /**
     * The resume sequence as the guest reads it, ordered before the guest's later reads.
     *
     * @param cpu the vCPU.
     * @return the resume sequence.
     */
    long awaitedResumeSequence(final int cpu)
    {
        final long sequence = buffer.getLongOpaque(page(cpu) + RESUME_OFFSET);
        VarHandle.acquireFence(); // smp_load_acquire: the guest touches memory only after seeing the resume
        return sequence;
    }

    /**
     * Post a notify exit (guest): the vCPU stops in the run numbered {@code sequence}.
     *
     * @param cpu      the vCPU.
     * @param sequence the resume sequence it was running under.
     * @param address  the notify address.
     */
    void postNotify(final int cpu, final long sequence, final long address)
    {
        final int page = page(cpu);
        buffer.putLong(page + EXIT_ADDR_OFFSET, address);
        VarHandle.releaseFence(); // smp_store_release: the address and the guest's accesses before the exit
        buffer.putLongOpaque(page + EXIT_SEQ_OFFSET, sequence);
    }

    long exitSequence(final int cpu)
    {
        final long sequence = buffer.getLongOpaque(page(cpu) + EXIT_SEQ_OFFSET);
        VarHandle.acquireFence(); // smp_load_acquire: the exit address and guest memory are used after it
        return sequence;
    }

    long exitAddress(final int cpu)
    {
        return buffer.getLong(page(cpu) + EXIT_ADDR_OFFSET);
    }

    /**
     * Set an interrupt's bit (launcher). The compare-and-set is a full barrier, like the kernel's
     * {@code set_bit} followed by the barrier in {@code wake_up_process}.
     *
     * @param cpu the vCPU.
     * @param irq the interrupt, below {@link #IRQS}.
     */
    void raiseIrq(final int cpu, final int irq)
    {
        final int offset = page(cpu) + IRQS_OFFSET;
        final int bit = 1 << irq;
        int bits;
        do
        {
            bits = buffer.getIntVolatile(offset);
        }
        while ((bits & bit) == 0 && !buffer.compareAndSetInt(offset, bits, bits | bit));
    }

    int pendingIrqs(final int cpu)
    {
        return buffer.getIntVolatile(page(cpu) + IRQS_OFFSET);
    }

    /**
     * Take an interrupt (guest): clear its bit if it is set.
     *
     * @param cpu the vCPU.
     * @param irq the interrupt.
     * @return true if the bit was set and this call cleared it.
     */
    boolean takeIrq(final int cpu, final int irq)
    {
        final int offset = page(cpu) + IRQS_OFFSET;
        final int bit = 1 << irq;
        int bits;
        do
        {
            bits = buffer.getIntVolatile(offset);
            if ((bits & bit) == 0)
            {
                return false;
            }
        }
        while (!buffer.compareAndSetInt(offset, bits, bits & ~bit));
        return true;
    }

    boolean halted(final int cpu)
    {
        return buffer.getIntVolatile(page(cpu) + HALTED_OFFSET) != 0;
    }

    void halted(final int cpu, final boolean halted)
    {
        buffer.putIntVolatile(page(cpu) + HALTED_OFFSET, halted ? 1 : 0);
    }

    /**
     * Unmap the control file (the file itself stays).
     */
    @Override
    public void close()
    {
        mapped.close();
    }

    private static int page(final int cpu)
    {
        return PAGE * (1 + cpu);
    }
}

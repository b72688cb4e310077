package dev.evring.lguest;

import dev.evring.ring.ChildJvm;
import dev.evring.ring.Errno;
import org.agrona.concurrent.BackoffIdleStrategy;
import org.agrona.concurrent.IdleStrategy;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The launcher's lguest device: the {@code /dev/lguest} of the Linux kernel, for a guest that is a
 * {@link GuestProgram} in a child JVM.
 *
 * <pre>{@code
 * try (Lguest lguest = Lguest.open())
 * {
 *     lguest.initialize(memoryFile, 0, pages, MyGuest.class.getName(), 1);
 *     lguest.attachEventfd(0x2000, counter);           // notifies of 0x2000 now skip run()
 *     RunResult result;
 *     while ((result = lguest.run(0)).isNotify())
 *     {
 *         serviceDevice(result.notifyAddress());        // the vCPU waits in its notify until the next run
 *     }
 *     System.out.println("guest died: " + result.deathReason());
 * }
 * }</pre>
 *
 * <p>Errors are {@link LguestException}s carrying the kernel's errno: every request before
 * {@link #initialize} is {@code EINVAL}, a second initialize {@code EBUSY}, a run from a thread other than
 * the one that initialized {@code EPERM}, an unknown vCPU or an interrupt above 31 {@code EINVAL}, a
 * write-side request ({@link #sendIrq}, {@link #attachEventfd}) after the guest died {@code ENOENT}, and any
 * request after {@link #close()} {@code EBADF}.
 *
 * <p><b>Files.</b> Guest memory is {@code memoryFile}; the control file (exits, interrupts, handshakes,
 * death reason) is {@code memoryFile + ".lguest"} next to it. A memory file that does not exist is created
 * (sparse) and deleted on close; one that exists is used as it is, its contents visible to the guest, and
 * kept. The guest JVM watches the launcher through a pipe and stops within moments when the launcher closes
 * the device or dies, deleting the files itself in the second case.
 *
 * <p><b>Eventfd routing.</b> The lookup happens in the launcher, inside {@link #run}, when the vCPU's notify
 * exit is seen: a held address is signalled and the vCPU resumed without {@code run} returning, as the
 * kernel does inside {@code run_guest}. So a target is signalled only while the vCPU is being run.
 *
 * <p><b>Threads.</b> {@code run} belongs to the initializing thread; {@code sendIrq}, {@code attachEventfd},
 * {@code memory} and {@code close} may be called from any thread, also while {@code run} waits.
 */
public final class Lguest implements AutoCloseable
{
    /** The largest number of vCPUs a guest may have. */
    public static final int MAX_CPUS = 16;
    /** The number of interrupts a vCPU has ({@code LGUEST_IRQS}). */
    public static final int IRQS = ControlBlock.IRQS;
    /** The suffix added to the memory file's name to name the control file. */
    public static final String CONTROL_SUFFIX = ".lguest";

    private static final long GUEST_STOP_WAIT_MS = 1_000;
    private static final long GUEST_KILL_WAIT_MS = 5_000;
    private static final String CLOSED_REASON = "the device was closed";

    private final List<String> guestJvmArgs;
    private final Object lifecycleLock = new Object();
    private final AtomicInteger requestsInFlight = new AtomicInteger();
    private final IdleStrategy runIdle = new BackoffIdleStrategy(200, 20, 1_000, 1_000_000);
    private volatile boolean initialized;
    private volatile boolean closed;
    private volatile String deathReason;
    private Thread owner;
    private int cpus;
    private long[] reportedExits; // per vCPU, the exit sequence run last returned (0 at boot); owner thread only
    private Path memoryFile;
    private Path controlFile;
    private boolean memoryOwned;
    private ControlBlock control;
    private GuestMemory memory;
    private EventfdMap eventfds;
    private Process guest;
    private OutputStream launcherPipe;

    private Lguest(final List<String> guestJvmArgs)
    {
        this.guestJvmArgs = List.copyOf(guestJvmArgs);
    }

    /**
     * Open a device whose guest JVM gets evring's JVM flags and nothing else.
     *
     * @return the device, not yet initialized.
     */
    public static Lguest open()
    {
        return new Lguest(List.of());
    }

    /**
     * Open a device whose guest JVM gets extra JVM arguments (heap size, GC, system properties) after
     * evring's flags.
     *
     * @param guestJvmArgs the extra arguments.
     * @return the device, not yet initialized.
     */
    public static Lguest open(final List<String> guestJvmArgs)
    {
        return new Lguest(Objects.requireNonNull(guestJvmArgs, "guestJvmArgs"));
    }

    /**
     * Set up the guest and start its JVM, like {@code LHREQ_INITIALIZE}. The guest's vCPUs wait for their
     * first {@link #run}. The calling thread becomes the only one that may run the guest.
     *
     * @param memoryFile the guest memory file (created if missing, see the class comment).
     * @param base       the offset of guest-physical address 0 in the file, a multiple of 4096.
     * @param pfnLimit   the number of 4 KiB guest pages; the guest can reach nothing beyond them.
     * @param startClass the name of the {@link GuestProgram} class the guest JVM runs.
     * @param cpus       the number of vCPUs, from 1 to {@link #MAX_CPUS}.
     * @throws LguestException {@code EBUSY} if already initialized or the files are in use by a live
     *                         launcher, {@code EINVAL} for a bad argument or a memory file too short,
     *                         {@code EIO} if the files or the guest JVM cannot be set up.
     */
    public void initialize(
        final Path memoryFile, final long base, final long pfnLimit, final String startClass, final int cpus)
        throws LguestException
    {
        enter();
        try
        {
            synchronized (lifecycleLock)
            {
                if (initialized)
                {
                    throw new LguestException(Errno.EBUSY, "the device is already initialized");
                }
                checkInitializeArguments(memoryFile, base, pfnLimit, startClass, cpus);
                setUp(memoryFile.toAbsolutePath(), base, pfnLimit, startClass, cpus);
                initialized = true;
            }
        }
        finally
        {
            exit();
        }
    }

    /**
     * Run a vCPU until something interesting happens, like a {@code read} of the device: the vCPU notifies
     * an address that no target holds (it then stays stopped in that notify until the next run of it), or
     * the guest is dead. Notifies of held addresses are signalled to their targets here, and the vCPU goes on
     * without this method returning. A halted vCPU keeps this call waiting until an interrupt wakes it.
     *
     * @param cpu the vCPU.
     * @return a {@link RunResult.Kind#NOTIFY} or {@link RunResult.Kind#DEAD} result.
     * @throws LguestException {@code EINVAL} before initialize or for an unknown vCPU, {@code EPERM} from a
     *                         thread other than the initializing one, {@code EINTR} if the thread is
     *                         interrupted (the vCPU keeps running; its interrupt status is cleared),
     *                         {@code EBADF} after close.
     */
    public RunResult run(final int cpu) throws LguestException
    {
        return run(cpu, Long.MAX_VALUE);
    }

    /**
     * {@link #run(int)} with a time limit.
     *
     * @param cpu     the vCPU.
     * @param timeout the longest wait; when it passes the result is {@link RunResult.Kind#TIMEOUT} and the
     *                vCPU keeps running: the next run waits for the same exit.
     * @param unit    the unit of {@code timeout}.
     * @return the result.
     * @throws LguestException as for {@link #run(int)}.
     */
    public RunResult run(final int cpu, final long timeout, final TimeUnit unit) throws LguestException
    {
        return run(cpu, Math.max(0, unit.toNanos(timeout)));
    }

    /**
     * Raise an interrupt on a vCPU, like {@code LHREQ_IRQ}: the guest takes it at its next interrupt check,
     * or wakes from halt to take it. Raising it again before the guest took it changes nothing.
     *
     * @param cpu the vCPU.
     * @param irq the interrupt, from 0 to 31.
     * @throws LguestException {@code EINVAL} before initialize, for an unknown vCPU or for an interrupt out
     *                         of range, {@code ENOENT} if the guest is dead, {@code EBADF} after close.
     */
    public void sendIrq(final int cpu, final int irq) throws LguestException
    {
        enter();
        try
        {
            checkInitialized("sendIrq");
            checkCpu(cpu);
            checkAlive("sendIrq");
            if (irq < 0 || irq >= IRQS)
            {
                throw new LguestException(Errno.EINVAL, "interrupt " + irq + " is not below " + IRQS);
            }
            control.raiseIrq(cpu, irq);
        }
        finally
        {
            exit();
        }
    }

    /**
     * Send the guest's notifies of an address to a target instead of returning them from {@link #run},
     * like {@code LHREQ_EVENTFD}. The map is replaced copy-on-write (see {@link EventfdMap}): a concurrent
     * {@code run} never waits for this call and never sees a half-built map. If the address is attached
     * twice, the first target keeps it.
     *
     * @param address the notify address, not 0.
     * @param target  the target; the device holds a reference to it until {@link #close()}.
     * @throws LguestException {@code EINVAL} before initialize or for address 0, {@code ENOENT} if the guest
     *                         is dead, {@code EBADF} if the target is null or refuses (the map is then
     *                         unchanged), {@code EBADF} after close.
     */
    public void attachEventfd(final long address, final NotifyTarget target) throws LguestException
    {
        enter();
        try
        {
            checkInitialized("attachEventfd");
            checkAlive("attachEventfd");
            if (address == 0)
            {
                throw new LguestException(Errno.EINVAL, "notify address 0 cannot be attached");
            }
            if (target == null)
            {
                throw new LguestException(Errno.EBADF, "no target");
            }
            target.acquire();
            eventfds.add(address, target);
        }
        finally
        {
            exit();
        }
    }

    /**
     * Guest memory as the launcher sees it: the same bytes as the guest. An access outside it throws
     * {@link IndexOutOfBoundsException}. It is unmapped by {@link #close()}.
     *
     * @return the memory.
     * @throws LguestException {@code EINVAL} before initialize, {@code EBADF} after close.
     */
    public GuestMemory memory() throws LguestException
    {
        enter();
        try
        {
            checkInitialized("memory");
            return memory;
        }
        finally
        {
            exit();
        }
    }

    /**
     * The guest JVM's process id.
     *
     * @return the pid.
     * @throws LguestException {@code EINVAL} before initialize, {@code EBADF} after close.
     */
    public long guestPid() throws LguestException
    {
        enter();
        try
        {
            checkInitialized("guestPid");
            return guest.pid();
        }
        finally
        {
            exit();
        }
    }

    /**
     * The control file, next to the memory file.
     *
     * @return its path.
     * @throws LguestException {@code EINVAL} before initialize, {@code EBADF} after close.
     */
    public Path controlFile() throws LguestException
    {
        enter();
        try
        {
            checkInitialized("controlFile");
            return controlFile;
        }
        finally
        {
            exit();
        }
    }

    /**
     * Close the device: stop the guest if it still runs (a run in another thread returns dead), release
     * every attached target, unmap memory and delete the device's files. Closing twice does nothing.
     */
    @Override
    public void close()
    {
        synchronized (lifecycleLock)
        {
            if (closed)
            {
                return;
            }
            closed = true;
        }
        if (!initialized)
        {
            return;
        }
        control.markClosing();
        stopGuest();
        awaitRequestsDone();
        for (final NotifyTarget target : eventfds.clear())
        {
            target.release();
        }
        tearDown();
    }

    /**
     * {@inheritDoc}
     */
    @Override
    public String toString()
    {
        return "Lguest{" + (closed ? "closed" : !initialized ? "uninitialized"
            : "memory=" + memoryFile + ", cpus=" + cpus + (deathReason != null ? ", dead: " + deathReason : "")) + "}";
    }

    /**
     * The number of attachments in the eventfd map.
     *
     * @return the count, 0 before initialize.
     */
    int attachedEventfds()
    {
        return initialized ? eventfds.size() : 0;
    }

    /**
     * Whether a vCPU is halted, waiting for an interrupt.
     *
     * @param cpu the vCPU, valid and initialized.
     * @return true while it waits in halt.
     */
    boolean halted(final int cpu)
    {
        return control.halted(cpu);
    }

    private RunResult run(final int cpu, final long timeoutNs) throws LguestException
    {
        enter();
        try
        {
            checkInitialized("run");
            checkCpu(cpu);
            if (Thread.currentThread() != owner)
            {
                throw new LguestException(Errno.EPERM, "only " + owner + ", which initialized the guest, may run it");
            }
            final String dead = deathReason();
            if (dead != null)
            {
                return RunResult.dead(dead);
            }
            return runUntilExit(cpu, timeoutNs);
        }
        finally
        {
            exit();
        }
    }

    private RunResult runUntilExit(final int cpu, final long timeoutNs) throws LguestException
    {
        final ControlBlock control = this.control;
        final EventfdMap eventfds = this.eventfds;
        final IdleStrategy idle = runIdle;
        final long start = System.nanoTime();
        long resumed = control.resumeSequence(cpu);
        if (control.exitSequence(cpu) == resumed && reportedExits[cpu] == resumed)
        {
            resumed++; // stopped at boot or in an exit already returned: let it go (a timed-out run's exit is not)
            control.resume(cpu, resumed);
        }
        idle.reset();
        while (true)
        {
            if (control.exitSequence(cpu) == resumed)
            {
                final long address = control.exitAddress(cpu);
                if (!eventfds.deliver(cpu, address))
                {
                    reportedExits[cpu] = resumed;
                    return RunResult.notify(address);
                }
                resumed++;
                control.resume(cpu, resumed);
                idle.reset();
                continue;
            }
            if (closed)
            {
                return RunResult.dead(CLOSED_REASON);
            }
            final String dead = deathReason();
            if (dead != null)
            {
                return RunResult.dead(dead);
            }
            if (Thread.interrupted())
            {
                throw new LguestException(Errno.EINTR, "run of vCPU " + cpu + " interrupted; the vCPU keeps running");
            }
            if (System.nanoTime() - start >= timeoutNs)
            {
                return RunResult.timedOut();
            }
            idle.idle();
        }
    }

    private String deathReason()
    {
        String reason = deathReason;
        if (reason == null)
        {
            reason = control.deathReason();
            if (reason == null && !guest.isAlive())
            {
                reason = control.deathReason(); // recorded just before the JVM halted
                if (reason == null)
                {
                    reason = exitReason(guest.exitValue());
                }
            }
            if (reason != null)
            {
                deathReason = reason;
            }
        }
        return reason;
    }

    private static String exitReason(final int status)
    {
        if (status > 128 && status < 128 + 65)
        {
            final int signal = status - 128;
            return "guest JVM killed by signal " + signal + signalName(signal) + " (exit status " + status + ")";
        }
        return "guest JVM exited with status " + status + " without a reason";
    }

    private static String signalName(final int signal)
    {
        switch (signal)
        {
            case 6:
                return " (SIGABRT)";
            case 9:
                return " (SIGKILL)";
            case 11:
                return " (SIGSEGV)";
            case 15:
                return " (SIGTERM)";
            default:
                return "";
        }
    }

    private void checkInitializeArguments(
        final Path memoryFile, final long base, final long pfnLimit, final String startClass, final int cpus)
        throws LguestException
    {
        if (memoryFile == null)
        {
            throw new LguestException(Errno.EINVAL, "no memory file");
        }
        if (base < 0 || base % GuestMemory.PAGE_SIZE != 0)
        {
            throw new LguestException(Errno.EINVAL, "base " + base + " is not a non-negative multiple of "
                + GuestMemory.PAGE_SIZE);
        }
        if (pfnLimit < 1 || pfnLimit > (Long.MAX_VALUE - base) / GuestMemory.PAGE_SIZE)
        {
            throw new LguestException(Errno.EINVAL, "pfnLimit " + pfnLimit + " is not a usable number of pages");
        }
        if (startClass == null || startClass.isBlank())
        {
            throw new LguestException(Errno.EINVAL, "no start class");
        }
        if (cpus < 1 || cpus > MAX_CPUS)
        {
            throw new LguestException(Errno.EINVAL, "cpus " + cpus + " is not from 1 to " + MAX_CPUS);
        }
    }

    private void setUp(
        final Path memoryFile, final long base, final long pfnLimit, final String startClass, final int cpus)
        throws LguestException
    {
        this.memoryFile = memoryFile;
        this.controlFile = memoryFile.resolveSibling(memoryFile.getFileName() + CONTROL_SUFFIX);
        this.cpus = cpus;
        final long length = base + pfnLimit * GuestMemory.PAGE_SIZE;
        try
        {
            claimControlFile();
            memoryOwned = !Files.exists(memoryFile);
            if (memoryOwned)
            {
                GuestMemory.createFile(memoryFile, length);
            }
            else if (Files.size(memoryFile) < length)
            {
                throw new LguestException(Errno.EINVAL, "memory file " + memoryFile + " is " + Files.size(memoryFile)
                    + " bytes, shorter than base + pfnLimit pages = " + length);
            }
            final long launcherPid = ProcessHandle.current().pid();
            control = ControlBlock.create(controlFile, cpus, base, pfnLimit, memoryOwned, launcherPid);
            memory = GuestMemory.map(memoryFile, base, pfnLimit);
            eventfds = new EventfdMap(cpus);
            reportedExits = new long[cpus];
            guest = new ProcessBuilder(ChildJvm.command(GuestRuntime.class.getName(), guestJvmArgs,
                controlFile.toString(), memoryFile.toString(), startClass))
                .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .redirectError(ProcessBuilder.Redirect.INHERIT)
                .start();
            launcherPipe = guest.getOutputStream();
            owner = Thread.currentThread();
        }
        catch (final LguestException ex)
        {
            tearDown();
            throw ex;
        }
        catch (final IOException | RuntimeException ex)
        {
            tearDown();
            throw new LguestException(Errno.EIO, "cannot set up the guest: " + ex, ex);
        }
    }

    private void claimControlFile() throws LguestException, IOException
    {
        if (Files.exists(controlFile))
        {
            final long pid = ControlBlock.launcherPidOf(controlFile);
            final boolean live = pid > 0 && ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
            if (live)
            {
                throw new LguestException(Errno.EBUSY, controlFile + " belongs to the live launcher " + pid);
            }
            Files.delete(controlFile); // left by a launcher and guest that both died
        }
    }

    private void stopGuest()
    {
        try
        {
            launcherPipe.close();
        }
        catch (final IOException ex)
        {
            System.err.println("lguest: closing the guest's pipe failed: " + ex);
        }
        if (!awaitExit(GUEST_STOP_WAIT_MS))
        {
            guest.destroyForcibly();
            if (!awaitExit(GUEST_KILL_WAIT_MS))
            {
                System.err.println("lguest: guest JVM " + guest.pid() + " did not exit after SIGKILL");
            }
        }
    }

    private boolean awaitExit(final long timeoutMs)
    {
        try
        {
            guest.onExit().get(timeoutMs, TimeUnit.MILLISECONDS);
            return true;
        }
        catch (final TimeoutException | ExecutionException ex)
        {
            return false;
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private void awaitRequestsDone()
    {
        final IdleStrategy idle = new BackoffIdleStrategy(64, 16, 1_000, 1_000_000);
        while (requestsInFlight.get() != 0)
        {
            idle.idle();
        }
    }

    private void tearDown()
    {
        if (guest != null && guest.isAlive())
        {
            guest.destroyForcibly();
            awaitExit(GUEST_KILL_WAIT_MS);
        }
        if (memory != null)
        {
            memory.close();
        }
        if (control != null)
        {
            control.close();
            deleteQuietly(controlFile);
        }
        if (memoryOwned)
        {
            deleteQuietly(memoryFile);
        }
    }

    private static void deleteQuietly(final Path file)
    {
        try
        {
            Files.deleteIfExists(file);
        }
        catch (final IOException ex)
        {
            System.err.println("lguest: cannot delete " + file + ": " + ex);
        }
    }

    private void enter() throws LguestException
    {
        requestsInFlight.incrementAndGet(); // a full barrier: counted before closed is read (pairs with close)
        if (closed)
        {
            requestsInFlight.decrementAndGet();
            throw new LguestException(Errno.EBADF, "the device is closed");
        }
    }

    private void exit()
    {
        requestsInFlight.decrementAndGet();
    }

    private void checkInitialized(final String request) throws LguestException
    {
        if (!initialized)
        {
            throw new LguestException(Errno.EINVAL, request + " before initialize");
        }
    }

    private void checkCpu(final int cpu) throws LguestException
    {
        if (cpu < 0 || cpu >= cpus)
        {
            throw new LguestException(Errno.EINVAL, "vCPU " + cpu + " does not exist (the guest has " + cpus + ")");
        }
    }

    private void checkAlive(final String request) throws LguestException
    {
        final String reason = deathReason();
        if (reason != null)
        {
            throw new LguestException(Errno.ENOENT, request + " after the guest died: " + reason);
        }
    }
}

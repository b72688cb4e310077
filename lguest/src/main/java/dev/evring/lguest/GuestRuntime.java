package dev.evring.lguest;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The guest JVM's entry point, started by {@link Lguest#initialize} (not meant to be run by hand): maps the
 * control file and guest memory, loads the guest program, and runs it on one thread per vCPU.
 *
 * <p>Death: a crash, a memory access outside guest memory, an uncaught exception in any thread, or the
 * program returning on every vCPU records a reason in the control file and halts the JVM at once. The
 * launcher is watched through this JVM's standard input, a pipe only the launcher holds: end of input means
 * the launcher closed the device or died (even by {@code kill -9}). On that the guest halts, and if the
 * launcher did not close the device in order it first deletes the device's files itself.
 *
 * <p>The guest's standard output goes to standard error, which the launcher shares.
 */
public final class GuestRuntime
{
    private final ControlBlock control;
    private final GuestMemory memory;
    private final Path controlFile;
    private final Path memoryFile;
    private final Object controlKey;
    private final Object memoryKey;

    private GuestRuntime(final Path controlFile, final Path memoryFile) throws IOException
    {
        this.controlFile = controlFile;
        this.memoryFile = memoryFile;
        this.controlKey = fileKey(controlFile);
        this.memoryKey = fileKey(memoryFile);
        this.control = ControlBlock.open(controlFile);
        this.memory = GuestMemory.map(memoryFile, control.base(), control.pfnLimit(), this::memoryFault);
    }

    /**
     * Run a guest.
     *
     * @param args the control file, the memory file and the guest program's class name.
     * @throws IOException if the files cannot be mapped (the launcher then sees the JVM exit).
     */
    public static void main(final String[] args) throws IOException
    {
        if (args.length != 3)
        {
            throw new IllegalArgumentException("usage: GuestRuntime <control file> <memory file> <program class>");
        }
        final PrintStream stderr = System.err;
        System.setOut(stderr);
        final GuestRuntime runtime = new GuestRuntime(Path.of(args[0]), Path.of(args[1]));
        runtime.start(args[2]);
    }

    GuestMemory memory()
    {
        return memory;
    }

    /**
     * Record the guest's death (the first reason wins) and halt this JVM.
     *
     * @param reason why the guest died.
     */
    void die(final String reason)
    {
        control.die(reason);
        Runtime.getRuntime().halt(0);
    }

    private void start(final String programClass)
    {
        Thread.setDefaultUncaughtExceptionHandler(
            (thread, failure) -> die("uncaught " + describe(failure) + " in guest thread " + thread.getName()));
        final Thread watcher = new Thread(this::watchLauncher, "lguest-launcher-watch");
        watcher.setDaemon(true);
        watcher.start();

        final GuestProgram program = load(programClass);
        final int cpus = control.cpus();
        final AtomicInteger running = new AtomicInteger(cpus);
        for (int cpu = 0; cpu < cpus; cpu++)
        {
            final GuestContext context = new GuestContext(this, control, cpu);
            final Thread vcpu = new Thread(() -> runVcpu(program, context, running), "vcpu-" + cpu);
            vcpu.start();
        }
    }

    private GuestProgram load(final String programClass)
    {
        try
        {
            final Class<?> type = Class.forName(programClass);
            if (!GuestProgram.class.isAssignableFrom(type))
            {
                throw new ClassCastException(programClass + " does not implement " + GuestProgram.class.getName());
            }
            return (GuestProgram)type.getDeclaredConstructor().newInstance();
        }
        catch (final ReflectiveOperationException | LinkageError | RuntimeException ex)
        {
            die("cannot start guest: " + programClass + ": " + describe(ex));
            throw new IllegalStateException("unreachable: die() halts", ex);
        }
    }

    private void runVcpu(final GuestProgram program, final GuestContext context, final AtomicInteger running)
    {
        context.awaitFirstRun();
        try
        {
            program.run(context);
        }
        catch (final Throwable failure)
        {
            die("uncaught " + describe(failure) + " on vCPU " + context.cpu());
        }
        if (running.decrementAndGet() == 0)
        {
            die("shutdown: the guest program returned on every vCPU");
        }
    }

    private RuntimeException memoryFault(final long address, final long length, final long size)
    {
        die("killed: " + GuestMemory.describe(address, length, size));
        return new IllegalStateException("unreachable: die() halts");
    }

    private void watchLauncher()
    {
        final InputStream launcher = System.in;
        try
        {
            launcher.transferTo(OutputStream.nullOutputStream()); // the launcher never writes: this waits for EOF
        }
        catch (final IOException ex)
        {
            System.err.println("lguest guest: launcher pipe failed: " + ex);
        }
        if (!control.closing())
        {
            deleteIfSame(controlFile, controlKey);
            if (control.memoryOwned())
            {
                deleteIfSame(memoryFile, memoryKey);
            }
        }
        Runtime.getRuntime().halt(0);
    }

    private static void deleteIfSame(final Path file, final Object key)
    {
        try
        {
            if (Objects.equals(fileKey(file), key))
            {
                Files.deleteIfExists(file);
            }
        }
        catch (final NoSuchFileException ex)
        {
            // already gone: nothing to clean up
        }
        catch (final IOException ex)
        {
            System.err.println("lguest guest: cannot delete " + file + ": " + ex);
        }
    }

    private static Object fileKey(final Path file) throws IOException
    {
        return Files.readAttributes(file, BasicFileAttributes.class).fileKey();
    }

    private static String describe(final Throwable failure)
    {
        final StackTraceElement[] trace = failure.getStackTrace();
        return failure + (trace.length > 0 ? " at " + trace[0] : "");
    }
}

package dev.evring.cli.lguest;

import dev.evring.lguest.CounterTarget;
import dev.evring.lguest.GuestMemory;
import dev.evring.lguest.Lguest;
import dev.evring.lguest.LguestException;
import dev.evring.lguest.RunResult;
import dev.evring.ring.Errno;
import picocli.CommandLine;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The console example end to end: a launcher starts a {@link ConsoleGuest} in a guest JVM and services its
 * console device, printing what the guest writes. Without an eventfd every kick returns from
 * {@link Lguest#run(int)} and the launcher drains the ring before resuming the vCPU; with one
 * ({@code --eventfd}) the kicks go to a {@link CounterTarget}, a service thread drains the ring and raises
 * {@link ConsoleGuest#DRAINED_IRQ}, and {@code run} returns only when the guest shuts down.
 */
public final class LguestConsoleDemo
{
    private static final long PAGES = 4;
    private static final long SERVICE_POLL_MS = 10;

    private final Path memoryFile;
    private final long lines;
    private final boolean eventfd;
    private final PrintStream out;
    private final List<String> guestJvmArgs;

    /**
     * A demo run.
     *
     * @param memoryFile   the guest memory file to create (it must not exist).
     * @param lines        how many lines the guest writes.
     * @param eventfd      whether kicks go through an eventfd target instead of returning from run.
     * @param out          where the guest's text and the summary go.
     * @param guestJvmArgs extra JVM arguments for the guest.
     */
    public LguestConsoleDemo(
        final Path memoryFile, final long lines, final boolean eventfd, final PrintStream out,
        final List<String> guestJvmArgs)
    {
        this.memoryFile = memoryFile;
        this.lines = lines;
        this.eventfd = eventfd;
        this.out = out;
        this.guestJvmArgs = List.copyOf(guestJvmArgs);
    }

    /**
     * Run the demo from the command line; see {@link LguestDemoCommand} for the options.
     *
     * @param args the options.
     */
    public static void main(final String[] args)
    {
        System.exit(new CommandLine(new LguestDemoCommand()).execute(args));
    }

    /**
     * Where the demo puts guest memory by default: {@code /dev/shm} where it exists, else the temporary
     * directory.
     *
     * @return a file name unique to this process.
     */
    public static Path defaultMemoryFile()
    {
        final Path shm = Path.of("/dev/shm");
        final boolean useShm = Files.isDirectory(shm) && Files.isWritable(shm);
        final Path dir = useShm ? shm : Path.of(System.getProperty("java.io.tmpdir"));
        return dir.resolve("evring-lguest-demo-" + ProcessHandle.current().pid() + ".mem");
    }

    /**
     * Run the guest until it shuts down, printing its console output.
     *
     * @return 0 if the guest shut down normally, 1 if it died otherwise.
     * @throws IOException          if the device or the output fails.
     * @throws InterruptedException if interrupted while stopping the service thread.
     */
    public int run() throws IOException, InterruptedException
    {
        try (Lguest lguest = Lguest.open(guestJvmArgs); CounterTarget kicks = new CounterTarget())
        {
            lguest.initialize(memoryFile, 0, PAGES, ConsoleGuest.class.getName(), 1);
            final GuestMemory memory = lguest.memory();
            memory.putLong(ConsoleGuest.LINES, lines);
            final ConsoleRing ring = new ConsoleRing(memory, ConsoleGuest.RING, ConsoleGuest.CAPACITY);
            final AtomicBoolean stop = new AtomicBoolean();
            Thread service = null;
            if (eventfd)
            {
                lguest.attachEventfd(ConsoleGuest.KICK, kicks);
                service = new Thread(() -> serviceKicks(lguest, ring, kicks, stop), "console-service");
                service.start();
            }
            long returnedKicks = 0;
            RunResult result;
            while ((result = lguest.run(0)).isNotify())
            {
                if (result.notifyAddress() != ConsoleGuest.KICK)
                {
                    out.println("unexpected notify: " + result);
                    return 1;
                }
                ring.drain(out);
                returnedKicks++;
            }
            stop.set(true);
            if (service != null)
            {
                service.join(TimeUnit.SECONDS.toMillis(10));
            }
            ring.drain(out);
            out.println("guest stopped: " + result.deathReason() + " (" + returnedKicks + " kicks returned by run, "
                + kicks.count() + " taken by the eventfd)");
            out.flush();
            return result.deathReason().startsWith("shutdown") ? 0 : 1;
        }
    }

    private void serviceKicks(
        final Lguest lguest, final ConsoleRing ring, final CounterTarget kicks, final AtomicBoolean stop)
    {
        try
        {
            while (!stop.get())
            {
                if (kicks.await(SERVICE_POLL_MS, TimeUnit.MILLISECONDS) > 0)
                {
                    ring.drain(out);
                    lguest.sendIrq(0, ConsoleGuest.DRAINED_IRQ);
                }
            }
        }
        catch (final LguestException ex)
        {
            if (ex.errno() != Errno.ENOENT)
            {
                out.println("console service failed: " + ex.getMessage());
            }
        }
        catch (final IOException ex)
        {
            out.println("console service failed: " + ex);
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
        }
    }
}

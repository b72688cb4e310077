package dev.evring.evtchn;

import dev.evring.ring.Errno;
import org.agrona.IoUtil;
import org.agrona.concurrent.UnsafeBuffer;

import java.io.IOException;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

/**
 * A remote handle's watch on its hub: every hub timeout, on the {@link HandleTimers} thread, it reads the
 * heartbeat and pid in the hub's mark file (laid out as {@link HubDirectory} draws it). A heartbeat that
 * stands still beyond the hub timeout fails the link with ETIMEDOUT, a hub process that is gone or a mark
 * file removed or cut fails it with ENODEV (E23).
 *
 * <p>The mark file is mapped read-only, and not through {@code SharedMappedFile}: a handle never writes
 * its hub's files, and the check that the file is whole asks the path, not the mapped file, so that a mark
 * file removed by a hub that closed counts as a hub gone.
 */
final class HubWatchdog
{
    private final Path directory;
    private final long hubTimeoutNs;
    private final BooleanSupplier failed;
    private final Consumer<EvtchnException> fail;
    private final long hubPid;
    private final ProcessHandle hubProcess;
    private MappedByteBuffer markMapping;
    private UnsafeBuffer mark;
    private long lastHeartbeat;
    private long lastHeartbeatChangeNs;
    private volatile ScheduledFuture<?> watch;

    private HubWatchdog(final Path directory, final long hubTimeoutNs, final BooleanSupplier failed,
        final Consumer<EvtchnException> fail, final MappedByteBuffer markMapping)
    {
        this.directory = directory;
        this.hubTimeoutNs = hubTimeoutNs;
        this.failed = failed;
        this.fail = fail;
        this.markMapping = markMapping;
        this.mark = new UnsafeBuffer(markMapping);
        this.hubPid = mark.getLongVolatile(HubDirectory.MARK_PID_OFFSET);
        this.hubProcess = ProcessHandle.of(hubPid).orElse(null); // null: a hub in another pid namespace, heartbeat only
        this.lastHeartbeat = mark.getLongVolatile(HubDirectory.MARK_HEARTBEAT_OFFSET);
        this.lastHeartbeatChangeNs = System.nanoTime();
    }

    /**
     * Map the hub's mark file and start checking its heartbeat and pid.
     *
     * @param directory    the hub directory.
     * @param hubTimeoutNs how long the heartbeat may stand still, and how often it is checked.
     * @param failed       whether the link failed already (the check then does nothing).
     * @param fail         fails the link.
     * @return the running watchdog; {@link #close()} stops it.
     * @throws EvtchnException ENODEV if the mark file cannot be mapped or is too short.
     */
    static HubWatchdog start(final Path directory, final long hubTimeoutNs, final BooleanSupplier failed,
        final Consumer<EvtchnException> fail) throws EvtchnException
    {
        final Path markFile = directory.resolve(HubDirectory.MARK_FILE);
        final MappedByteBuffer markMapping;
        try
        {
            markMapping = IoUtil.mapExistingFile(markFile.toFile(), FileChannel.MapMode.READ_ONLY, "hub mark file");
        }
        catch (final RuntimeException ex)
        {
            throw new EvtchnException(
                Errno.ENODEV, "cannot map the hub's mark file " + markFile + ": " + ex.getMessage(), ex);
        }
        if (markMapping.capacity() < HubDirectory.MARK_LENGTH)
        {
            IoUtil.unmap(markMapping);
            throw new EvtchnException(Errno.ENODEV, "the hub's mark file " + markFile + " is truncated");
        }
        final HubWatchdog watchdog = new HubWatchdog(directory, hubTimeoutNs, failed, fail, markMapping);
        watchdog.watch = HandleTimers.watch(watchdog::check, hubTimeoutNs);
        return watchdog;
    }

    /**
     * The check: the heartbeat must move within the hub timeout, and the hub's process must exist (when
     * this process can see it: a hub in another pid namespace is judged by its heartbeat). Time is
     * measured with this process's monotonic clock from the last change seen, so a wall clock that jumps
     * does not matter.
     */
    private synchronized void check()
    {
        if (failed.getAsBoolean() || mark == null)
        {
            return; // failed already, or closed: the mark file is unmapped
        }
        if (!markFileWhole())
        {
            fail.accept(new EvtchnException(Errno.ENODEV, "the mark file of the hub at " + directory + " (pid " + hubPid
                + ") was removed or truncated: the hub is gone or broken; open a new handle once a hub runs there again"));
            return;
        }
        final long heartbeat = mark.getLongVolatile(HubDirectory.MARK_HEARTBEAT_OFFSET);
        final long now = System.nanoTime();
        if (heartbeat != lastHeartbeat)
        {
            lastHeartbeat = heartbeat;
            lastHeartbeatChangeNs = now;
            return;
        }
        if (hubProcess != null && !hubProcess.isAlive())
        {
            fail.accept(new EvtchnException(Errno.ENODEV, "the hub at " + directory + " (pid " + hubPid + ") is gone; "
                + "open a new handle once a hub runs there again"));
        }
        else if (now - lastHeartbeatChangeNs > hubTimeoutNs)
        {
            fail.accept(new EvtchnException(Errno.ETIMEDOUT, "the hub at " + directory + " (pid " + hubPid + ") has not "
                + "updated its heartbeat for " + TimeUnit.NANOSECONDS.toMillis(now - lastHeartbeatChangeNs)
                + " ms (hub timeout " + TimeUnit.NANOSECONDS.toMillis(hubTimeoutNs) + " ms): it is "
                + "stopped (SIGSTOP), hung or starved of CPU; this handle is given up, open a new one"));
        }
    }

    /**
     * Whether the hub's mark file still has its whole length: reading a mapping whose file was cut short
     * would kill this thread with SIGBUS (an InternalError), and with it every later hub check (E23).
     */
    private boolean markFileWhole()
    {
        try
        {
            return Files.size(directory.resolve(HubDirectory.MARK_FILE)) >= HubDirectory.MARK_LENGTH;
        }
        catch (final IOException ex)
        {
            return false;
        }
    }

    /**
     * Stop checking and unmap the mark file.
     */
    synchronized void close()
    {
        watch.cancel(false);
        if (markMapping != null)
        {
            mark = null; // the check looks at it under the same lock
            IoUtil.unmap(markMapping);
            markMapping = null;
        }
    }
}

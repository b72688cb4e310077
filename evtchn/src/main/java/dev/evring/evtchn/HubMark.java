package dev.evring.evtchn;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * What a hub's mark file ({@code hub.mark} in its directory) says about the hub, read from another
 * process: the hub's pid, when it started and when it last beat its heartbeat (every
 * {@link EvtchnHub#HEARTBEAT_PERIOD_MS} ms). A heartbeat that stops advancing while the pid is alive is a
 * stuck hub (its handles fail with ETIMEDOUT after {@link HandleOptions#DEFAULT_HUB_TIMEOUT}); a dead pid
 * is a hub that died without removing its files (the next hub in that directory takes them over).
 *
 * @param pid              the hub's process id.
 * @param startTimeMs      when the hub started, in epoch milliseconds.
 * @param heartbeatMs      the hub's last heartbeat, in epoch milliseconds.
 */
public record HubMark(long pid, long startTimeMs, long heartbeatMs)
{
    /**
     * Read the mark file of a hub directory.
     *
     * @param hubDirectory the hub's directory.
     * @return what the mark says.
     * @throws IOException if there is no mark file, or one too short or of another version.
     */
    public static HubMark read(final Path hubDirectory) throws IOException
    {
        final Path file = hubDirectory.resolve(HubDirectory.MARK_FILE);
        final ByteBuffer mark = ByteBuffer.wrap(Files.readAllBytes(file)).order(ByteOrder.LITTLE_ENDIAN);
        if (mark.capacity() < HubDirectory.MARK_START_TIME_OFFSET + Long.BYTES)
        {
            throw new IOException(file + " is too short for a mark file (" + mark.capacity() + " bytes)");
        }
        final int version = mark.getInt(HubDirectory.MARK_VERSION_OFFSET);
        if (version != HubDirectory.MARK_VERSION)
        {
            throw new IOException(file + " has mark version " + version + ", not " + HubDirectory.MARK_VERSION);
        }
        return new HubMark(mark.getLong(HubDirectory.MARK_PID_OFFSET), mark.getLong(HubDirectory.MARK_START_TIME_OFFSET),
            mark.getLong(HubDirectory.MARK_HEARTBEAT_OFFSET));
    }

    /**
     * Whether the hub's process is alive.
     *
     * @return true if a process of that pid runs.
     */
    public boolean alive()
    {
        return ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
    }

    /**
     * How long ago the hub last beat its heartbeat.
     *
     * @param nowMs the current time, in epoch milliseconds.
     * @return the age in milliseconds.
     */
    public long heartbeatAgeMs(final long nowMs)
    {
        return nowMs - heartbeatMs;
    }
}

package dev.evring.evtchn;

import dev.evring.ring.Errno;
import org.agrona.MarkFile;
import org.agrona.SystemUtil;
import org.agrona.concurrent.SystemEpochClock;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;

/**
 * A hub's directory: mode 0700, an exclusive lock held for the hub's life (the operating system drops it
 * when the hub dies, however it dies), and an Agrona {@link MarkFile} with the hub's pid, start time and
 * a heartbeat. Starting over a live hub is refused; the files of a dead one are removed first.
 */
final class HubDirectory implements AutoCloseable
{
    static final String LOCK_FILE = "hub.lock";
    static final String MARK_FILE = "hub.mark";
    static final String SOCKET_FILE = "hub.sock";
    static final int MARK_VERSION = 1;
    static final int MARK_VERSION_OFFSET = 0;
    static final int MARK_HEARTBEAT_OFFSET = 8;
    static final int MARK_PID_OFFSET = 16;
    static final int MARK_START_TIME_OFFSET = 24;
    static final int MARK_LENGTH = 4096;
    private static final Set<PosixFilePermission> OWNER_ONLY = PosixFilePermissions.fromString("rwx------");

    private final Path directory;
    private final FileChannel lockChannel;
    private final FileLock lock;
    private final MarkFile markFile;

    private HubDirectory(final Path directory, final FileChannel lockChannel, final FileLock lock, final MarkFile markFile)
    {
        this.directory = directory;
        this.lockChannel = lockChannel;
        this.lock = lock;
        this.markFile = markFile;
    }

    static HubDirectory claim(final Path directory) throws IOException
    {
        createOwnerOnly(directory);
        final FileChannel lockChannel = FileChannel.open(
            directory.resolve(LOCK_FILE), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        FileLock lock = null;
        try
        {
            lock = lockChannel.tryLock();
        }
        catch (final OverlappingFileLockException ex)
        {
            lock = null;
        }
        if (lock == null)
        {
            lockChannel.close();
            throw new EvtchnException(Errno.EBUSY, "a live hub" + describeMark(directory) + " already runs in " + directory
                + ": stop it, or start this hub with another name or directory");
        }
        try
        {
            removeLeftovers(directory);
            final long now = System.currentTimeMillis();
            // the file-level constructor: the directory-level one deletes and recreates the whole directory
            final MarkFile markFile = new MarkFile(
                directory.resolve(MARK_FILE).toFile(), false, MARK_VERSION_OFFSET, MARK_HEARTBEAT_OFFSET, MARK_LENGTH,
                1000, SystemEpochClock.INSTANCE, HubDirectory::checkMarkVersion, message -> { });
            markFile.buffer().putLong(MARK_PID_OFFSET, SystemUtil.getPid());
            markFile.buffer().putLong(MARK_START_TIME_OFFSET, now);
            markFile.timestampRelease(now);
            markFile.signalReady(MARK_VERSION);
            return new HubDirectory(directory, lockChannel, lock, markFile);
        }
        catch (final IOException | RuntimeException ex)
        {
            lock.release();
            lockChannel.close();
            throw ex;
        }
    }

    private static void checkMarkVersion(final int version)
    {
        if (version != MARK_VERSION)
        {
            throw new IllegalStateException("mark file version " + version + " is not " + MARK_VERSION);
        }
    }

    private static void createOwnerOnly(final Path directory) throws IOException
    {
        final Path parent = directory.getParent();
        if (parent != null && !Files.isDirectory(parent))
        {
            createOwnerOnly(parent);
        }
        if (!Files.isDirectory(directory))
        {
            try
            {
                Files.createDirectory(directory, PosixFilePermissions.asFileAttribute(OWNER_ONLY));
            }
            catch (final java.nio.file.FileAlreadyExistsException ignore)
            {
                // another process created it first
            }
        }
        Files.setPosixFilePermissions(directory, OWNER_ONLY);
    }

    private static String describeMark(final Path directory)
    {
        final Path mark = directory.resolve(MARK_FILE);
        try
        {
            if (Files.size(mark) >= MARK_LENGTH)
            {
                final java.nio.ByteBuffer bytes = java.nio.ByteBuffer.wrap(Files.readAllBytes(mark))
                    .order(java.nio.ByteOrder.LITTLE_ENDIAN);
                return " (pid " + bytes.getLong(MARK_PID_OFFSET) + ")";
            }
        }
        catch (final IOException ignore)
        {
            // the description is best effort
        }
        return "";
    }

    private static void removeLeftovers(final Path directory) throws IOException
    {
        try (DirectoryStream<Path> files = Files.newDirectoryStream(directory))
        {
            for (final Path file : files)
            {
                if (!file.getFileName().toString().equals(LOCK_FILE) && !Files.isDirectory(file))
                {
                    Files.deleteIfExists(file);
                }
            }
        }
    }

    Path directory()
    {
        return directory;
    }

    void heartbeat()
    {
        markFile.timestampRelease(System.currentTimeMillis());
    }

    /**
     * Remove every file the hub made, then drop the lock.
     */
    @Override
    public void close()
    {
        markFile.close();
        try
        {
            removeLeftovers(directory);
            Files.deleteIfExists(directory.resolve(LOCK_FILE));
        }
        catch (final IOException ignore)
        {
            // a later hub removes what is left
        }
        try
        {
            lock.release();
            lockChannel.close();
        }
        catch (final IOException ignore)
        {
            // the lock goes with the channel
        }
    }
}

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
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;
import java.util.regex.Pattern;

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
    private static final Pattern HUB_FILE = Pattern.compile(
        "hub\\.(lock|mark|sock)|" + Pattern.quote(HubCounters.FILE_NAME) + "|h[0-9]+\\.(events|requests)");

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
        refuseForeignDirectory(directory);
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

    /**
     * Whether a file name is one a hub makes (lock, mark, socket, counters, handle rings): the only files
     * a hub ever deletes.
     *
     * @param name a file name, without its directory.
     * @return true for a hub's file.
     */
    static boolean isHubFile(final String name)
    {
        return HUB_FILE.matcher(name).matches();
    }

    /**
     * Refuse, before changing anything, a path that is not a directory or a directory that holds files
     * a hub did not make: a hub removes its leftovers and sets mode 0700, which must never touch a
     * user's files.
     */
    private static void refuseForeignDirectory(final Path directory) throws IOException
    {
        if (Files.exists(directory, LinkOption.NOFOLLOW_LINKS) && !Files.isDirectory(directory, LinkOption.NOFOLLOW_LINKS))
        {
            throw new EvtchnException(Errno.EINVAL, directory + " is not a directory: give the hub a directory of "
                + "its own (it is created if missing)");
        }
        if (!Files.isDirectory(directory, LinkOption.NOFOLLOW_LINKS))
        {
            return;
        }
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(directory))
        {
            for (final Path entry : entries)
            {
                if (!isHubFile(entry.getFileName().toString()) || Files.isDirectory(entry, LinkOption.NOFOLLOW_LINKS))
                {
                    throw new EvtchnException(Errno.EINVAL, directory + " holds " + entry.getFileName()
                        + ", which is not a hub's file: give the hub an empty directory of its own; nothing was changed");
                }
            }
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
                final String name = file.getFileName().toString();
                if (!name.equals(LOCK_FILE) && isHubFile(name) && !Files.isDirectory(file, LinkOption.NOFOLLOW_LINKS))
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

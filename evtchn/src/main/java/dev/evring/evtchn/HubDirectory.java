package dev.evring.evtchn;

import dev.evring.ring.Errno;
import dev.evring.ring.ErrnoException;
import dev.evring.ring.SharedMappedFile;
import org.agrona.MarkFile;
import org.agrona.SystemUtil;
import org.agrona.concurrent.UnsafeBuffer;

import com.sun.security.auth.module.UnixSystem;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipal;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * A hub's directory: mode 0700, an exclusive lock held for the hub's life (the operating system drops it
 * when the hub dies, however it dies), and an Agrona {@link MarkFile} with the hub's pid, start time and
 * a heartbeat. Starting over a live hub is refused; the files of a dead one are removed first.
 *
 * <p>The mark file ({@value #MARK_FILE}, {@value #MARK_LENGTH} bytes, little-endian; {@link HubMark} reads it
 * from other processes):
 *
 * <pre>
 *   0 +---------------------------------------------+
 *     | version (4): MARK_VERSION once the hub is up |  written last (MarkFile.signalReady)
 *   8 +---------------------------------------------+
 *     | heartbeat (8): epoch ms, every 100 ms        |  EvtchnHub.HEARTBEAT_PERIOD_MS
 *  16 +---------------------------------------------+
 *     | pid (8): the hub's process                   |
 *  24 +---------------------------------------------+
 *     | start time (8): epoch ms                     |
 *  32 +---------------------------------------------+
 *     | unused, zero                                 |
 * 4096 +--------------------------------------------+  MARK_LENGTH
 * </pre>
 *
 * <p><b>Other users (H4).</b> The directory and its parent are checked the way careful daemons check
 * theirs: the directory must be owned by the hub's uid and closed to writes from group and others, and
 * never a symbolic link; the parent must be the hub user's alone too, or root's and closed or sticky
 * (like {@code /tmp}). Missing parents are made with mode 0700. Nobody else can then rename the
 * directory, replace its socket or plant links in it. A handle checks the same before it connects, and
 * then checks the socket's peer uid ({@link SocketLink}).
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
    private static final int ROOT_UID = 0;
    private static final int GROUP_OTHER_WRITE = 0022;
    private static final int OTHER_WRITE = 0002;
    private static final int STICKY = 01000;
    private static final int PERMISSION_BITS = 07777;
    private static final Set<PosixFilePermission> OWNER_ONLY = PosixFilePermissions.fromString("rwx------");
    private static final Pattern HUB_FILE = Pattern.compile(String.join("|", Pattern.quote(LOCK_FILE),
        Pattern.quote(MARK_FILE), Pattern.quote(SOCKET_FILE), Pattern.quote(HubCountersDescriptor.FILE_NAME),
        Pattern.quote(HubHandle.RING_FILE_PREFIX) + "[0-9]+(" + Pattern.quote(HubHandle.EVENTS_SUFFIX) + "|"
            + Pattern.quote(HubHandle.REQUESTS_SUFFIX) + ")"));

    private final Path directory;
    private final FileChannel lockChannel;
    private final FileLock lock;
    private final SharedMappedFile markMapping;
    private final MarkFile markFile;

    private HubDirectory(
        final Path directory, final FileChannel lockChannel, final FileLock lock, final SharedMappedFile markMapping)
    {
        this.directory = directory;
        this.lockChannel = lockChannel;
        this.lock = lock;
        this.markMapping = markMapping;
        // over the buffer of a file mapped whole: MarkFile's own constructors would map it again, or (the
        // directory-level one) delete and recreate the whole directory with a sparse mark file
        this.markFile = new MarkFile(new UnsafeBuffer(markMapping.mapping()), MARK_VERSION_OFFSET, MARK_HEARTBEAT_OFFSET);
    }

    /**
     * Claim a directory for a hub (H4, H5): create it (and missing parents) with mode 0700, refuse it
     * unless it and its parent are safe from other users, refuse it if a live hub holds it, remove a dead
     * hub's files, and write the mark file. A claim that fails leaves nothing it made behind.
     *
     * @param directory the hub directory.
     * @return the claimed directory; {@link #close()} removes the hub's files and drops the lock.
     * @throws EvtchnException EACCES for a directory or parent another user owns or may write to (or a
     *                         symbolic link), EINVAL for a path that is not a directory or holds files a hub
     *                         did not make, EBUSY if a live hub holds it, ENOSPC if its files do not fit.
     */
    static HubDirectory claim(final Path directory) throws EvtchnException
    {
        final List<Path> created = new ArrayList<>();
        try
        {
            refuseNonDirectory(directory);
            createOwnerOnly(directory.getParent(), created);
            checkParent(directory);
            createOwnerOnly(directory, created);
            checkOwnDirectory(directory);
            refuseForeignDirectory(directory);
            Files.setPosixFilePermissions(directory, OWNER_ONLY);
            return lock(directory);
        }
        catch (final IOException ex)
        {
            removeCreated(created);
            throw failure("cannot claim " + directory + " as a hub directory", ex);
        }
        catch (final RuntimeException ex)
        {
            removeCreated(created);
            throw ex;
        }
    }

    /**
     * Take the directory's lock, remove a dead hub's files and write the mark file; on failure remove
     * what was made and drop the lock.
     */
    private static HubDirectory lock(final Path directory) throws IOException
    {
        final FileChannel lockChannel = FileChannel.open(directory.resolve(LOCK_FILE),
            StandardOpenOption.CREATE, StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS);
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
            // every page written for real: a full disk is ENOSPC here, not a SIGBUS at the first heartbeat
            final SharedMappedFile markMapping = SharedMappedFile.create(directory.resolve(MARK_FILE), MARK_LENGTH, MARK_LENGTH);
            final HubDirectory claimed = new HubDirectory(directory, lockChannel, lock, markMapping);
            claimed.writeMark(System.currentTimeMillis());
            return claimed;
        }
        catch (final IOException | RuntimeException ex)
        {
            removeLeftovers(directory);
            Files.deleteIfExists(directory.resolve(LOCK_FILE));
            lock.release();
            lockChannel.close();
            throw ex;
        }
    }

    /**
     * Write the hub's pid and start time, beat the first heartbeat, and only then the version that says
     * the mark is complete.
     */
    private void writeMark(final long now)
    {
        markFile.buffer().putLong(MARK_PID_OFFSET, SystemUtil.getPid());
        markFile.buffer().putLong(MARK_START_TIME_OFFSET, now);
        markFile.timestampRelease(now);
        markFile.signalReady(MARK_VERSION);
    }

    /**
     * An I/O failure on the hub's files as an {@link EvtchnException} carrying the errno it stands for.
     *
     * @param what what was being done.
     * @param ex   the failure.
     * @return the exception to throw (the same one if it is an EvtchnException already).
     */
    static EvtchnException failure(final String what, final IOException ex)
    {
        if (ex instanceof EvtchnException)
        {
            return (EvtchnException)ex;
        }
        if (ex instanceof ErrnoException)
        {
            final Errno errno = ((ErrnoException)ex).errno();
            return new EvtchnException(errno, what + ": " + ex.getMessage().substring(errno.name().length() + 2), ex);
        }
        final String reason = ex instanceof FileSystemException && ((FileSystemException)ex).getReason() != null
            ? ((FileSystemException)ex).getReason() : String.valueOf(ex.getMessage());
        final Errno errno;
        if (ex instanceof AccessDeniedException || reason.contains("Permission denied")
            || reason.contains("Read-only file system"))
        {
            errno = Errno.EACCES;
        }
        else if (reason.contains("No space left on device") || reason.contains("Disk quota exceeded"))
        {
            errno = Errno.ENOSPC;
        }
        else if (ex instanceof NoSuchFileException)
        {
            errno = Errno.ENOENT;
        }
        else
        {
            errno = Errno.EIO;
        }
        return new EvtchnException(errno, what + ": " + (ex instanceof AccessDeniedException ? "permission denied" : reason), ex);
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
     * Refuse, before changing anything, a path that exists and is a symbolic link or no directory.
     */
    private static void refuseNonDirectory(final Path directory) throws EvtchnException
    {
        if (Files.isSymbolicLink(directory))
        {
            throw refused(directory, "is a symbolic link: a hub never follows a link in place of its directory, which "
                + "whoever could write there may have planted");
        }
        if (Files.exists(directory, LinkOption.NOFOLLOW_LINKS) && !Files.isDirectory(directory, LinkOption.NOFOLLOW_LINKS))
        {
            throw new EvtchnException(Errno.EINVAL, directory + " is not a directory: give the hub a directory of "
                + "its own (it is created if missing)");
        }
    }

    /**
     * Refuse, before changing anything, a directory that holds files a hub did not make: a hub removes its
     * leftovers and sets mode 0700, which must never touch a user's files.
     */
    private static void refuseForeignDirectory(final Path directory) throws IOException
    {
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

    /**
     * Check a hub's directory as it is (a link is not followed): a directory owned by this process's user
     * that neither group nor others may write to. Whoever may write to a hub's directory can replace its
     * socket and rings (H4).
     *
     * @param directory the hub directory.
     * @throws EvtchnException EACCES naming the path and what is wrong, ENODEV if it does not exist.
     */
    static void checkOwnDirectory(final Path directory) throws EvtchnException
    {
        final Map<String, Object> attributes = attributesOf(directory, LinkOption.NOFOLLOW_LINKS);
        if ((Boolean)attributes.get("isSymbolicLink"))
        {
            throw refused(directory, "is a symbolic link, not a hub's directory");
        }
        checkOwnerAndMode(directory, attributes, false);
    }

    /**
     * Check the parent of a hub's directory where it really is (links followed): owned by this process's
     * user and closed to writes from group and others, or owned by root and either closed to them or
     * sticky (like {@code /tmp} and {@code /dev/shm}, where nobody may rename or remove another user's
     * entries). Whoever else may write to the parent can move the hub's directory aside and put their own
     * in its place (H4).
     *
     * @param directory the hub directory.
     * @throws EvtchnException EACCES naming the parent and what is wrong, ENODEV if it does not exist.
     */
    static void checkParent(final Path directory) throws EvtchnException
    {
        final Path parent = directory.toAbsolutePath().getParent();
        if (parent == null)
        {
            return; // the root directory is root's own
        }
        final Path real;
        try
        {
            real = parent.toRealPath();
        }
        catch (final IOException ex)
        {
            throw unreachable(parent, ex);
        }
        checkOwnerAndMode(real, attributesOf(real), true);
    }

    private static Map<String, Object> attributesOf(final Path path, final LinkOption... options) throws EvtchnException
    {
        try
        {
            return Files.readAttributes(path, "unix:isSymbolicLink,uid,owner,mode", options);
        }
        catch (final IOException ex)
        {
            throw unreachable(path, ex);
        }
    }

    /**
     * A path that cannot be looked at: ENODEV if it does not exist (there is no hub), else the errno of the
     * failure (EACCES when this user may not search a directory on the way).
     */
    private static EvtchnException unreachable(final Path path, final IOException ex)
    {
        if (ex instanceof NoSuchFileException)
        {
            return new EvtchnException(Errno.ENODEV, "no hub at " + path + " (it does not exist): start one with "
                + "`evring hub --dir` or EvtchnHub.start", ex);
        }
        return failure("cannot reach " + path, ex);
    }

    private static void checkOwnerAndMode(final Path path, final Map<String, Object> attributes, final boolean parent)
        throws EvtchnException
    {
        final int uid = (Integer)attributes.get("uid");
        final int mode = (Integer)attributes.get("mode");
        final int self = processUid();
        final boolean systemOwned = parent && uid == ROOT_UID;
        if (uid != self && !systemOwned)
        {
            throw refused(path, "is owned by " + attributes.get("owner") + " (uid " + uid + "), not by this process's "
                + "user (uid " + self + ")");
        }
        if ((mode & GROUP_OTHER_WRITE) != 0 && !(systemOwned && (mode & STICKY) != 0))
        {
            throw refused(path, "is writable by " + ((mode & OTHER_WRITE) != 0 ? "others" : "its group") + " (mode "
                + Integer.toOctalString(mode & PERMISSION_BITS) + ")");
        }
    }

    private static EvtchnException refused(final Path path, final String what)
    {
        return new EvtchnException(Errno.EACCES, path + " " + what + ": a hub's directory and its parent must be "
            + "its user's alone (fix or remove it, or choose another directory); nothing was changed");
    }

    /**
     * The uid this process runs as: the only owner a hub's directory may have, and the only user a handle
     * trusts to serve a hub socket.
     *
     * @return the uid.
     */
    static int processUid()
    {
        return (int)new UnixSystem().getUid();
    }

    /**
     * This process's user, as {@code SO_PEERCRED} names the peer of a UNIX-domain socket.
     *
     * @return the user principal of {@link #processUid()}.
     * @throws IOException if the user cannot be looked up.
     */
    static UserPrincipal processUser() throws IOException
    {
        return FileSystems.getDefault().getUserPrincipalLookupService()
            .lookupPrincipalByName(Integer.toString(processUid()));
    }

    /**
     * Create a directory with mode 0700 if it is missing, its missing parents first, and record each one
     * made.
     */
    private static void createOwnerOnly(final Path directory, final List<Path> created) throws IOException
    {
        if (directory == null || Files.exists(directory, LinkOption.NOFOLLOW_LINKS))
        {
            return;
        }
        createOwnerOnly(directory.getParent(), created);
        try
        {
            Files.createDirectory(directory, PosixFilePermissions.asFileAttribute(OWNER_ONLY));
            created.add(directory);
        }
        catch (final FileAlreadyExistsException ignore)
        {
            // another process made it first: the checks that follow judge it
        }
    }

    /**
     * Remove the directories a failed claim made, newest first, while they are empty.
     */
    private static void removeCreated(final List<Path> created)
    {
        for (int i = created.size() - 1; i >= 0; i--)
        {
            try
            {
                Files.deleteIfExists(created.get(i));
            }
            catch (final IOException ignore)
            {
                return; // not empty: somebody uses it now
            }
        }
    }

    private static String describeMark(final Path directory)
    {
        try
        {
            return " (pid " + HubMark.read(directory).pid() + ")";
        }
        catch (final IOException ignore)
        {
            return ""; // the description is best effort
        }
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
        markMapping.close();
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

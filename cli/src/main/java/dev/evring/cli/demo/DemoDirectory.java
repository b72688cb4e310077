package dev.evring.cli.demo;

import dev.evring.evtchn.HubConfig;
import dev.evring.evtchn.HubFiles;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The demo's hub directory: a fresh one of its own by default ({@code /dev/shm/evring-$USER/demo-<pid>}, or
 * under {@code java.io.tmpdir} without {@code /dev/shm}), or the one {@code --dir} names, which must be new,
 * empty, or left by a hub (a dead one's files are cleared by the hub). A directory holding anything else is
 * refused: a hub clears its directory, and the demo must never delete a user's files. Afterwards the demo
 * removes the directory if it made it; directories that killed demos left behind are removed by the next
 * demo.
 */
final class DemoDirectory
{
    /** The least free space the demo starts with (its files are a few sparse rings and counters). */
    static final long MIN_FREE_BYTES = 8L << 20;

    /** The suffix of the second host's hub directory with {@code --hosts 2}, beside the first's. */
    static final String SECOND_HOST = "-b";

    private static final String DEMO_PREFIX = "demo-";
    private static final Pattern DEMO_DIRECTORY =
        Pattern.compile(Pattern.quote(DEMO_PREFIX) + "([0-9]+)(?:" + Pattern.quote(SECOND_HOST) + ")?");

    private final Path path;
    private final boolean created;
    private final boolean stale;
    private final List<Path> cleared;

    private DemoDirectory(final Path path, final boolean created, final boolean stale, final List<Path> cleared)
    {
        this.path = path;
        this.created = created;
        this.stale = stale;
        this.cleared = cleared;
    }

    /**
     * Pick and check the directory.
     *
     * @param requested the {@code --dir} option, or null for a fresh directory.
     * @return the directory, which may not exist yet (the hub makes it with mode 0700).
     * @throws DemoFailure with a one-line reason and what to do.
     */
    static DemoDirectory choose(final Path requested) throws DemoFailure
    {
        if (requested == null)
        {
            final Path fresh = HubConfig.defaultDirectory(DEMO_PREFIX + ProcessHandle.current().pid());
            final List<Path> cleared = removeDeadDemos(fresh.getParent());
            checkSpace(fresh);
            return new DemoDirectory(fresh, true, false, cleared);
        }
        final Path dir = requested.toAbsolutePath().normalize();
        if (Files.exists(dir, LinkOption.NOFOLLOW_LINKS) && !Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS))
        {
            throw new DemoFailure(DemoFailure.USAGE, "--dir " + dir + " is " + (Files.isSymbolicLink(dir) ? "a symbolic link" : "a file")
                + ", not a directory: give a new or empty directory");
        }
        if (!Files.isDirectory(dir))
        {
            final Path parent = dir.getParent();
            if (parent == null || !Files.isDirectory(parent))
            {
                throw new DemoFailure(DemoFailure.USAGE, "--dir " + dir + ": its parent " + parent
                    + " is not a directory; create it first or give another --dir");
            }
            if (!Files.isWritable(parent))
            {
                throw new DemoFailure(DemoFailure.USAGE, "--dir " + dir + ": cannot create it in " + parent
                    + " (permission denied); give a --dir you can write");
            }
            checkSpace(dir);
            return new DemoDirectory(dir, true, false, List.of());
        }
        if (!Files.isWritable(dir))
        {
            throw new DemoFailure(DemoFailure.USAGE, "--dir " + dir + " is not writable; give a --dir you own");
        }
        final List<String> foreign = new ArrayList<>();
        boolean hubFiles = false;
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir))
        {
            for (final Path entry : entries)
            {
                final String name = entry.getFileName().toString();
                if (HubFiles.isHubFile(name) && !Files.isDirectory(entry, LinkOption.NOFOLLOW_LINKS))
                {
                    hubFiles = true;
                }
                else
                {
                    foreign.add(name);
                }
            }
        }
        catch (final IOException ex)
        {
            throw new DemoFailure(DemoFailure.USAGE, "--dir " + dir + " cannot be listed (" + ex.getMessage() + "); give another --dir");
        }
        if (!foreign.isEmpty())
        {
            throw new DemoFailure(DemoFailure.USAGE, "--dir " + dir + " holds files that are not a hub's (" + describe(foreign)
                + "); give a new or empty directory, since a hub clears its directory");
        }
        checkSpace(dir);
        return new DemoDirectory(dir, false, hubFiles, List.of());
    }

    /**
     * Remove the directories of demos that were killed before they could clean up ({@code demo-<pid>} next
     * to this one, whose process is gone, whose hub lock nobody holds, and which hold only a hub's files).
     *
     * @return the directories removed.
     */
    static List<Path> removeDeadDemos(final Path base)
    {
        final List<Path> removed = new ArrayList<>();
        if (base == null || !Files.isDirectory(base))
        {
            return removed;
        }
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(base))
        {
            for (final Path entry : entries)
            {
                final Matcher matcher = DEMO_DIRECTORY.matcher(entry.getFileName().toString());
                if (matcher.matches() && Files.isDirectory(entry, LinkOption.NOFOLLOW_LINKS)
                    && !isAlive(matcher.group(1)) && removeDeadHub(entry))
                {
                    removed.add(entry);
                }
            }
        }
        catch (final IOException ex)
        {
            // clearing old demos is a courtesy; this run needs none of it
        }
        return removed;
    }

    private static boolean isAlive(final String pid)
    {
        try
        {
            return ProcessHandle.of(Long.parseLong(pid)).map(ProcessHandle::isAlive).orElse(false);
        }
        catch (final NumberFormatException ex)
        {
            return true; // not a pid this JVM can check: leave it
        }
    }

    private static boolean removeDeadHub(final Path dir) throws IOException
    {
        final List<Path> files = new ArrayList<>();
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir))
        {
            for (final Path entry : entries)
            {
                if (!HubFiles.isHubFile(entry.getFileName().toString()) || Files.isDirectory(entry, LinkOption.NOFOLLOW_LINKS))
                {
                    return false;
                }
                files.add(entry);
            }
        }
        final Path lockFile = dir.resolve(HubFiles.LOCK_FILE);
        if (Files.exists(lockFile))
        {
            try (FileChannel channel = FileChannel.open(lockFile, StandardOpenOption.WRITE);
                FileLock lock = channel.tryLock())
            {
                if (lock == null)
                {
                    return false;
                }
                for (final Path file : files)
                {
                    Files.deleteIfExists(file);
                }
            }
            catch (final OverlappingFileLockException ex)
            {
                return false; // a hub of this JVM holds it
            }
        }
        else
        {
            for (final Path file : files)
            {
                Files.deleteIfExists(file);
            }
        }
        Files.deleteIfExists(dir);
        return true;
    }

    private static String describe(final List<String> names)
    {
        return names.size() <= 3 ? String.join(", ", names) : String.join(", ", names.subList(0, 3)) + " and " + (names.size() - 3) + " more";
    }

    /**
     * Refuse to start on a file system with too little room: the hub's rings are sparse files, and a full
     * tmpfs would only show when a page is first touched.
     */
    private static void checkSpace(final Path dir) throws DemoFailure
    {
        Path existing = dir;
        while (existing != null && !Files.exists(existing))
        {
            existing = existing.getParent();
        }
        if (existing == null)
        {
            return;
        }
        try
        {
            final long free = Files.getFileStore(existing).getUsableSpace();
            if (free < MIN_FREE_BYTES)
            {
                throw new DemoFailure(DemoFailure.FAILED, "only " + (free >> 10) + " KiB free on the file system of " + existing
                    + " (the demo needs " + (MIN_FREE_BYTES >> 20) + " MiB): free some space there (e.g. old files in /dev/shm) "
                    + "or give --dir on another file system");
            }
        }
        catch (final IOException ex)
        {
            throw new DemoFailure(DemoFailure.FAILED, "cannot tell the free space for " + existing + " (" + ex.getMessage()
                + "); give --dir on another file system");
        }
    }

    /**
     * The directories of killed demos that were removed before this one started.
     */
    List<Path> cleared()
    {
        return cleared;
    }

    Path path()
    {
        return path;
    }

    /**
     * Whether the directory held a hub's files before the demo (a dead hub's, or a live hub's: then the hub
     * refuses to start).
     */
    boolean stale()
    {
        return stale;
    }

    /**
     * Whether the demo made the directory (and removes it at the end).
     */
    boolean created()
    {
        return created;
    }

    /**
     * Remove the directory if the demo made it and it is empty (the hub removed its files when it closed).
     *
     * @return the names of the files left in it, empty when everything is gone.
     */
    List<String> cleanUp()
    {
        final List<String> left = leftovers();
        if (created && left.isEmpty())
        {
            try
            {
                Files.deleteIfExists(path);
            }
            catch (final IOException ex)
            {
                left.add("(the directory itself: " + ex.getMessage() + ')');
            }
        }
        return left;
    }

    /**
     * Whether the directory itself is gone.
     */
    boolean removed()
    {
        return !Files.exists(path, LinkOption.NOFOLLOW_LINKS);
    }

    private List<String> leftovers()
    {
        final List<String> left = new ArrayList<>();
        if (!Files.isDirectory(path))
        {
            return left;
        }
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(path))
        {
            for (final Path entry : entries)
            {
                left.add(entry.getFileName().toString());
            }
        }
        catch (final IOException ex)
        {
            left.add("(cannot list " + path + ": " + ex.getMessage() + ')');
        }
        return left;
    }
}

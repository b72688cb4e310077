package dev.evring.bench.harness;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * The scratch directories a benchmark's files live in (a run's shared control file, report and rings; a
 * JMH benchmark's hub): made under {@code /dev/shm} where it is a writable directory, else under
 * {@code java.io.tmpdir}, and removed with everything in them afterwards.
 */
public final class RunDirectories
{
    private RunDirectories()
    {
    }

    /**
     * Where scratch directories go by default: {@code /dev/shm} if it is a writable directory, else
     * {@code java.io.tmpdir}.
     *
     * @return the directory.
     */
    public static Path defaultBase()
    {
        final Path shm = Path.of("/dev/shm");
        return Files.isDirectory(shm) && Files.isWritable(shm) ? shm : Path.of(System.getProperty("java.io.tmpdir"));
    }

    /**
     * Make a fresh scratch directory under the default base.
     *
     * @param prefix the start of its name, which says what left it behind should it ever be left.
     * @return the new directory.
     * @throws IOException if it cannot be made.
     */
    public static Path create(final String prefix) throws IOException
    {
        return Files.createTempDirectory(defaultBase(), prefix);
    }

    /**
     * Remove a scratch directory and everything in it, as far as possible: a leftover in {@code /dev/shm}
     * is harmless and named after its prefix.
     *
     * @param directory the directory, or null for none.
     */
    public static void deleteQuietly(final Path directory)
    {
        if (directory == null)
        {
            return;
        }
        try (Stream<Path> paths = Files.walk(directory))
        {
            paths.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
        }
        catch (final IOException ignored)
        {
            // what could not be removed stays behind, under its telling name
        }
    }
}

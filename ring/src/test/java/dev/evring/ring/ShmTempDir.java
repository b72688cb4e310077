package dev.evring.ring;

import org.junit.jupiter.api.extension.AnnotatedElementContext;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.io.TempDirFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Temporary directories for ring files on {@code /dev/shm} (tmpfs, where rings live in production), or
 * in {@code java.io.tmpdir} where there is none. JUnit deletes them after the test.
 */
final class ShmTempDir implements TempDirFactory
{
    private static final Path SHM = Path.of("/dev/shm");

    @Override
    public Path createTempDirectory(final AnnotatedElementContext element, final ExtensionContext context)
        throws IOException
    {
        return Files.isDirectory(SHM) && Files.isWritable(SHM)
            ? Files.createTempDirectory(SHM, "evring-ring-test-")
            : Files.createTempDirectory("evring-ring-test-");
    }
}

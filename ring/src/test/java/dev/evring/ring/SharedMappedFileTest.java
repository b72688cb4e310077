package dev.evring.ring;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The shared-file helper on its own: a created file has its full length and is mapped whole, an existing
 * file is never overwritten, a truncation by anyone is seen through the descriptor even after the path is
 * gone, and bad ranges are refused. The full disk is in {@link PortRingFullDiskTest}.
 */
final class SharedMappedFileTest
{
    @TempDir(factory = ShmTempDir.class)
    Path dir;

    @Test
    void h1_aCutIsSeenThroughTheMappedFileEvenAfterItsPathWasUnlinked() throws Exception
    {
        final Path file = dir.resolve("shared");
        try (SharedMappedFile shared = SharedMappedFile.create(file, 3 * 4096, 4096))
        {
            assertEquals(3 * 4096, Files.size(file));
            assertEquals(3 * 4096, shared.length());
            assertEquals(3 * 4096, shared.mapping().capacity());
            assertTrue(shared.isWhole());
            shared.mapping().putInt(8192, 42);
            try (SharedMappedFile other = SharedMappedFile.open(file))
            {
                assertEquals(42, other.mapping().getInt(8192), "one file, two mappings");
            }
            try (FileChannel channel = FileChannel.open(file, StandardOpenOption.WRITE))
            {
                Files.delete(file); // the descriptor still names the mapped file
                channel.truncate(4096);
            }
            assertFalse(shared.isWhole());
            final ErrnoException ex = assertThrows(ErrnoException.class, shared::checkWhole);
            assertEquals(Errno.EIO, ex.errno());
            assertTrue(ex.getMessage().contains("4096 bytes") && ex.getMessage().contains(file.toString()), ex.getMessage());
        }
    }

    /**
     * A fault on a cut file that HotSpot reports late (at the thread's next call into the VM) must never
     * surface inside the JDK's unmapper, whose cleaner ends the JVM with status 1 on any error: a hub closes
     * the rings of a client that cut them. 10 children each close 300 cut files they read from compiled code,
     * with another thread mapping and unmapping beside them; with the unmap on the closing thread, about one
     * child in four died.
     */
    @Test
    void h1_aLateFaultReportAtCloseNeverEndsTheJvm() throws Exception
    {
        for (int run = 0; run < 10; run++)
        {
            final Process child = ChildJvm.processBuilder(LateFaultCloseProcess.class, dir.resolve("late" + run).toString())
                .redirectErrorStream(true).start();
            final String out = new String(child.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(child.waitFor(60, TimeUnit.SECONDS), "child " + run + " hung: " + out);
            assertEquals(0, child.exitValue(), "child " + run + ": " + out);
            assertTrue(out.startsWith("CLOSED 300 cut files"), out);
        }
    }

    @Test
    void h5_createNeverOverwritesAFileAndRefusesBadRanges() throws Exception
    {
        final Path file = dir.resolve("theirs");
        Files.write(file, new byte[] {1, 2, 3});
        assertThrows(FileAlreadyExistsException.class, () -> SharedMappedFile.create(file, 4096, 0).close());
        assertArrayEquals(new byte[] {1, 2, 3}, Files.readAllBytes(file), "untouched");
        final Path fresh = dir.resolve("fresh");
        assertThrows(IllegalArgumentException.class, () -> SharedMappedFile.create(fresh, 4096, 4097).close());
        assertThrows(IllegalArgumentException.class, () -> SharedMappedFile.create(fresh, 0, 0).close());
        assertFalse(Files.exists(fresh), "nothing created for a refused range");
        try (SharedMappedFile shared = SharedMappedFile.create(fresh, 4096, 4096))
        {
            assertThrows(IllegalArgumentException.class, () -> shared.reserve(4000, 200));
            shared.mapping().putLong(0, -1L);
            shared.reserve(2048, 2048); // a region nobody uses becomes zero, the rest stays
            assertEquals(-1L, shared.mapping().getLong(0));
        }
    }
}

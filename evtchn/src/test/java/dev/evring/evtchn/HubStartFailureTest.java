package dev.evring.evtchn;

import dev.evring.ring.ChildJvm;
import dev.evring.ring.Errno;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * H5 at start: a hub that cannot start (a full file system, an unusable directory) fails with one clear
 * {@link EvtchnException}, and {@code EvtchnHubMain} says so in one line without a stack trace and exits
 * non-zero; either way nothing is left behind (no lock, mark, counters or socket). The full file system
 * is a small tmpfs mounted for the test (it needs root; skipped where mounting is not allowed).
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
final class HubStartFailureTest
{
    private static final long EXIT_WAIT_S = 30;

    @TempDir
    Path dir;

    @Test
    void h5_hubOnAFullFileSystemFailsWithEnospcInOneLineAndLeavesNothing() throws Exception
    {
        final Path mount = smallTmpfs("64k");
        try
        {
            fill(mount.resolve("filler"));
            final Path hubDir = mount.resolve("hub");

            final EvtchnException refused = assertThrows(EvtchnException.class, () -> EvtchnHub.start(HubConfig.directory(hubDir)).close());
            assertEquals(Errno.ENOSPC, refused.errno(), refused.getMessage());
            assertNothingLeft(hubDir);

            final String line = hubMainFails(hubDir);
            assertTrue(line.contains("ENOSPC"), line);
            assertNothingLeft(hubDir);
        }
        finally
        {
            unmount(mount);
        }
    }

    @Test
    void h5_hubWhoseCountersDoNotFitFailsWithEnospcAndRemovesWhatItMade() throws Exception
    {
        final Path mount = smallTmpfs("8k"); // room for the mark file, not for the counters
        try
        {
            final Path hubDir = mount.resolve("hub");

            final EvtchnException refused = assertThrows(EvtchnException.class, () -> EvtchnHub.start(HubConfig.directory(hubDir)).close());

            assertEquals(Errno.ENOSPC, refused.errno(), refused.getMessage());
            assertTrue(refused.getMessage().contains(HubCounters.FILE_NAME), refused.getMessage());
            assertNothingLeft(hubDir);
        }
        finally
        {
            unmount(mount);
        }
    }

    @Test
    void h5_hubInAnUnusableDirectoryFailsInOneLineAndLeavesNothing() throws Exception
    {
        final Path open = Files.createDirectory(dir.resolve("open"));
        Files.setPosixFilePermissions(open, PosixFilePermissions.fromString("rwxrwxrwx"));
        final Path hubDir = open.resolve("hub");

        final String line = hubMainFails(hubDir);

        assertTrue(line.contains("EACCES") && line.contains("writable by others"), line);
        assertNothingLeft(hubDir);
    }

    /**
     * Run {@code EvtchnHubMain --dir} in a child JVM that must fail: exit status 1 and one line on stderr
     * (no stack trace), naming the hub's failure.
     *
     * @return the line.
     */
    private String hubMainFails(final Path hubDir) throws Exception
    {
        final Path out = dir.resolve("hub.out");
        final Path err = dir.resolve("hub.err");
        final Process hub = ChildJvm.processBuilder(EvtchnHubMain.class, "--dir", hubDir.toString())
            .redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        try
        {
            assertTrue(hub.waitFor(EXIT_WAIT_S, TimeUnit.SECONDS), "the hub gave up");
        }
        finally
        {
            hub.destroyForcibly(); // a hub that started after all must not outlive the test
        }
        final List<String> said = Files.readAllLines(err).stream().filter(line -> line.startsWith("evtchn hub:")).toList();
        final String all = Files.readString(err);
        assertEquals(1, hub.exitValue(), all);
        assertEquals(1, said.size(), all);
        assertFalse(all.contains("\tat ") || all.contains("Exception in thread"), "no stack trace: " + all);
        assertFalse(Files.readString(out).contains("ready"), "it never said it was ready");
        return said.get(0);
    }

    /**
     * A tmpfs of the given size, mounted on a new directory for this test (unmount with
     * {@link #unmount}); the test is skipped where mounting is not allowed.
     */
    private Path smallTmpfs(final String size) throws Exception
    {
        final Path mount = Files.createDirectory(dir.resolve("tmpfs"));
        final Process process = new ProcessBuilder("mount", "-t", "tmpfs", "-o", "size=" + size + ",mode=0700", "tmpfs",
            mount.toString()).redirectErrorStream(true).start();
        final boolean ended = process.waitFor(30, TimeUnit.SECONDS);
        final String said = new String(process.getInputStream().readAllBytes());
        assumeTrue(ended && process.exitValue() == 0, "cannot mount a small tmpfs here (needs root): " + said);
        return mount;
    }

    private static void unmount(final Path mount) throws Exception
    {
        // lazy: detached even while a failed hub of this JVM still maps a file there
        final Process process = new ProcessBuilder("umount", "-l", mount.toString()).inheritIO().start();
        assertTrue(process.waitFor(30, TimeUnit.SECONDS) && process.exitValue() == 0, "unmounted " + mount);
    }

    /**
     * Write zeros into a file until the file system is full.
     */
    private static void fill(final Path file) throws IOException
    {
        final byte[] block = new byte[4096];
        try (OutputStream stream = Files.newOutputStream(file, StandardOpenOption.CREATE_NEW))
        {
            while (true)
            {
                stream.write(block);
                stream.flush();
            }
        }
        catch (final IOException ex)
        {
            assertTrue(String.valueOf(ex.getMessage()).contains("No space left"), "filled: " + ex);
        }
    }

    /**
     * The hub left no file: its directory is gone or empty.
     */
    private static void assertNothingLeft(final Path hubDir) throws IOException
    {
        if (Files.isDirectory(hubDir))
        {
            try (Stream<Path> left = Files.list(hubDir))
            {
                assertEquals(List.of(), left.toList(), "the hub left files behind");
            }
        }
    }
}

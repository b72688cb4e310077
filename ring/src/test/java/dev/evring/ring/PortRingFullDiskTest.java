package dev.evring.ring;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * H5 on a real, small tmpfs mounted for the test (skipped, saying why, where mounting is not allowed):
 * a ring file is sparse, so on a full tmpfs its pages once failed only when first touched, with
 * {@code SIGBUS}. Creation and resize now reserve the pages through the file system first: a full disk
 * is {@link Errno#ENOSPC} from that call, nothing is left behind, and a ring that could not grow is
 * unchanged.
 */
@ExtendWith(RingLeakCheck.class)
@Timeout(value = 120, unit = TimeUnit.SECONDS)
final class PortRingFullDiskTest
{
    private static final int MAX = 1 << 16; // 256 KiB of entries, sparse
    private static final int BLOCK = 4096;

    @TempDir
    Path base;

    private Path disk;
    private boolean mounted;

    @BeforeEach
    void mountSmallTmpfs() throws Exception
    {
        disk = Files.createDirectory(base.resolve("tmpfs"));
        final String output = run("mount", "-t", "tmpfs", "-o", "size=1m,mode=0700", "tmpfs", disk.toString());
        mounted = output == null;
        assumeTrue(mounted, "cannot mount a small tmpfs here (root needed), H5 on a full disk not tested: " + output);
    }

    @AfterEach
    void unmount() throws Exception
    {
        if (mounted && run("umount", disk.toString()) != null)
        {
            run("umount", "-l", disk.toString());
        }
    }

    @Test
    void h5_createOnAFullDiskIsEnospcAndLeavesNoFile() throws Exception
    {
        fillDisk();
        final Path file = disk.resolve("ring");
        final ErrnoException ex = assertThrows(ErrnoException.class,
            () -> PortRing.create(file, 64, MAX, ReaderWaiting.DOORBELL).close());
        assertEquals(Errno.ENOSPC, ex.errno(), ex.getMessage());
        assertTrue(ex.getMessage().contains(file.toString()), ex.getMessage());
        assertFalse(Files.exists(file), "no file left behind");
    }

    @Test
    void h5_aResizeOnAFullDiskIsEnospcAndTheRingIsUnchanged() throws Exception
    {
        final Path file = disk.resolve("ring");
        try (PortRing producer = PortRing.create(file, 64, MAX, ReaderWaiting.DOORBELL);
            PortRing reader = PortRing.open(file))
        {
            producer.claimExclusiveProducer();
            for (int port = 0; port < 100; port++)
            {
                if (port == 64)
                {
                    producer.resize(128); // room on the disk still
                }
                assertTrue(producer.offer(port));
            }
            final Path filler = fillDisk();

            final RingException ex = assertThrows(RingException.class, () -> producer.resize(MAX));
            assertEquals(Errno.ENOSPC, ex.errno(), ex.getMessage());
            assertEquals(128, producer.capacity(), "unchanged");
            assertEquals(128, reader.capacity(), "unchanged for the reader too");
            assertEquals(Errno.ENOSPC, ex.toErrnoException().errno(), "the checked form for a device call");
            for (int port = 100; port < 128; port++)
            {
                assertTrue(producer.offer(port), "the reserved room still takes ports");
            }
            final int[] dst = new int[128];
            assertEquals(128, reader.read(dst, 0, dst.length));
            for (int i = 0; i < dst.length; i++)
            {
                assertEquals(i, dst[i], "every port in order");
            }

            Files.delete(filler);
            producer.resize(MAX);
            assertEquals(MAX, reader.capacity(), "room again: the resize goes through");
            assertTrue(producer.offer(128));
            assertEquals(128, reader.readOne());
        }
    }

    /**
     * Write a file until the disk refuses another block.
     */
    private Path fillDisk() throws IOException
    {
        final Path filler = disk.resolve("filler");
        final byte[] block = new byte[BLOCK];
        try (OutputStream out = Files.newOutputStream(filler))
        {
            for (int written = 0; written < 1 << 30; written += BLOCK)
            {
                out.write(block);
                out.flush();
            }
        }
        catch (final IOException ex)
        {
            assertTrue(String.valueOf(ex.getMessage()).contains("No space left"), ex.toString());
            return filler;
        }
        throw new AssertionError("a 1 MiB tmpfs took 1 GiB");
    }

    /**
     * Run a command; null if it succeeded, else what it said.
     */
    private static String run(final String... command) throws Exception
    {
        final Process process;
        try
        {
            process = new ProcessBuilder(command).redirectErrorStream(true).start();
        }
        catch (final IOException ex)
        {
            return ex.getMessage();
        }
        final String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        if (!process.waitFor(30, TimeUnit.SECONDS))
        {
            process.destroyForcibly();
            return command[0] + " did not finish";
        }
        return process.exitValue() == 0 ? null : command[0] + " exited " + process.exitValue() + ": " + output;
    }
}

package dev.evring.ring;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static dev.evring.ring.PortRingDescriptor.PRODUCER_LOCK_OFFSET;
import static dev.evring.ring.PortRingDescriptor.SIZE_OFFSET;
import static dev.evring.ring.PortRingDescriptor.requiredLength;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * H1, H3 and R10 with real processes: another process cuts or writes a ring file while a ring maps it.
 * The cold paths run in this JVM, which the old compare-and-sets on a cut file killed with {@code SIGBUS};
 * the hot paths run in a child JVM (this process cuts its files), because HotSpot may report a fault in
 * compiled code late, outside the ring, and the test JVM must not carry such a report into other tests.
 */
@ExtendWith(RingLeakCheck.class)
@Timeout(value = 180, unit = TimeUnit.SECONDS)
final class PortRingTruncatedUnderUseTest
{
    private static final int MAX = 1 << 14;

    @TempDir(factory = ShmTempDir.class)
    Path dir;

    @Test
    void h1_coldPathsOnAFileCutByAnotherProcessFailWithEioAndTheJvmLives() throws Exception
    {
        for (final long cut : new long[] {0, 4096, requiredLength(MAX) - 1})
        {
            final Path file = dir.resolve("cut-" + cut);
            try (PortRing hub = PortRing.create(file, 64, MAX, ReaderWaiting.DOORBELL);
                PortRing client = PortRing.open(file))
            {
                hub.claimExclusiveProducer();
                assertTrue(hub.offer(1));
                assertTrue(hub.offer(2));
                vandal("truncate", file.toString(), Long.toString(cut));

                final String when = "cut to " + cut;
                assertEio(when, () -> hub.resize(128));
                assertEio(when, hub::reset);
                assertEio(when, () -> hub.replaceUnread(1, 0));
                assertEio(when, client::reset);
                assertEio(when, client::claimExclusiveProducer);
                assertEquals(64, hub.capacity(), "the hub's own size: " + when);
                final RingFormatException checked = assertThrows(RingFormatException.class, hub::checkFile, when);
                assertEquals(Errno.EIO, checked.errno(), checked.getMessage());
                assertEio(when, hub::releaseExclusiveProducer);
                assertFalse(hub.isExclusiveProducer(), "the role is given up on this side all the same: " + when);
            } // close skips its atomic on the cut file and unmaps
        }
    }

    @Test
    void h1_h3_sizeZeroAndALockHeldForeverWrittenByAnotherProcessNeitherFreezeNorSteerTheProducer() throws Exception
    {
        final Path file = dir.resolve("garbled");
        try (PortRing hub = PortRing.create(file, 64, MAX, ReaderWaiting.DOORBELL))
        {
            hub.claimExclusiveProducer();
            hub.producerLockTimeout(300, TimeUnit.MILLISECONDS);
            assertTrue(hub.offer(7));
            vandal("poke", file.toString(), Integer.toString(SIZE_OFFSET), "0");
            vandal("poke", file.toString(), Integer.toString(PRODUCER_LOCK_OFFSET), "1");

            final long start = System.nanoTime();
            final RingException timedOut = assertThrows(RingException.class, () -> hub.resize(128));
            assertEquals(Errno.ETIMEDOUT, timedOut.errno(), timedOut.getMessage());
            assertTrue(System.nanoTime() - start < TimeUnit.SECONDS.toNanos(30), "bounded");

            vandal("poke", file.toString(), Integer.toString(PRODUCER_LOCK_OFFSET), "0");
            int capacity = hub.capacity(); // the hub's ensureRoom doubled a shared 0 forever
            while (capacity < 256)
            {
                hub.resize(capacity << 1);
                capacity = hub.capacity();
            }
            assertEquals(256, capacity);
            try (PortRing client = PortRing.open(file))
            {
                assertEquals(256, client.capacity(), "the hub's resizes published its own size over the zero");
                assertEquals(7, client.readOne(), "the port offered before the damage is still there");
            }
        }
    }

    @Test
    void h1_hotPathsThroughPagesCutByAnotherProcessEndInEioOrTheJvmsLateReportAndTheChildLives() throws Exception
    {
        final Process child = ChildJvm.processBuilder(TruncatedHotPathProcess.class, dir.toString())
            .directory(dir.toFile())
            .start();
        try (BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8));
            OutputStream in = child.getOutputStream())
        {
            assertEquals("ready", out.readLine(), "the child created its rings");
            for (final String op : TruncatedHotPathProcess.OPS)
            {
                try (FileChannel channel = FileChannel.open(dir.resolve(op), StandardOpenOption.WRITE))
                {
                    channel.truncate(4096); // the header survives; entries from slot 832 on are gone
                }
            }
            try (FileChannel channel = FileChannel.open(dir.resolve(TruncatedHotPathProcess.FORMATTED),
                StandardOpenOption.WRITE))
            {
                channel.truncate(0); // the header too: the exclusive producer's word is gone
            }
            in.write("go\n".getBytes(StandardCharsets.UTF_8));
            in.flush();
            final List<String> lines = out.lines().collect(Collectors.toList());
            assertTrue(child.waitFor(120, TimeUnit.SECONDS), "the child did not finish");
            assertEquals(0, child.exitValue(), "the child JVM died: " + lines);
            for (final String op : TruncatedHotPathProcess.OPS)
            {
                final String line = lines.stream().filter(l -> l.startsWith(op + " ")).findFirst().orElseThrow();
                assertTrue(line.contains("dev.evring.ring.RingException: EIO") || line.contains("java.lang.InternalError"),
                    "a clear error ended " + op + ": " + line);
            }
            assertTrue(lines.stream().anyMatch(line -> line.startsWith("close-formatted ")), lines.toString());
            assertTrue(lines.contains("alive"), lines.toString());
            try (Stream<Path> files = Files.list(dir))
            {
                assertFalse(files.anyMatch(file -> file.getFileName().toString().startsWith("hs_err")), "no crash log");
            }
        }
        finally
        {
            child.destroyForcibly();
        }
    }

    private void vandal(final String... args) throws Exception
    {
        final Process child = ChildJvm.processBuilder(FileVandalProcess.class, args).start();
        try
        {
            final String output = new String(child.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(child.waitFor(60, TimeUnit.SECONDS), "the vandal did not finish");
            assertEquals(0, child.exitValue(), output);
            assertEquals("done", output.strip());
        }
        finally
        {
            child.destroyForcibly();
        }
    }

    private static void assertEio(final String when, final Executable call)
    {
        final RingException ex = assertThrows(RingException.class, call, when);
        assertEquals(Errno.EIO, ex.errno(), when + ": " + ex.getMessage());
        assertTrue(ex.getMessage().contains("truncated"), ex.getMessage());
    }
}

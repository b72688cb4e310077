package dev.evring.ring;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * R10 for a file truncated while mapped, in a child JVM so that a crash could not take the test JVM
 * down: touching the vanished pages raises an {@link InternalError} in the toucher (the JVM's handling
 * of {@code SIGBUS} in unsafe accesses), the process lives on, and {@link PortRing#checkFile()} names
 * the truncation.
 */
@ExtendWith(RingLeakCheck.class)
final class PortRingTruncationTest
{
    @TempDir(factory = ShmTempDir.class)
    Path dir;

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void r10_truncatedWhileMappedIsAnErrorNotACrash() throws Exception
    {
        final Process child = ChildJvm.processBuilder(TruncatedRingProcess.class, dir.resolve("ring").toString())
            .directory(dir.toFile())
            .start();
        try
        {
            final String output;
            try (InputStream out = child.getInputStream())
            {
                output = new String(out.readAllBytes(), StandardCharsets.UTF_8);
            }
            assertTrue(child.waitFor(60, TimeUnit.SECONDS), "the probe did not exit");
            assertEquals(0, child.exitValue(), "the probe JVM died: " + output);
            // the ring rethrows the fault as EIO; in compiled code HotSpot may report it late, outside the ring
            assertTrue(output.contains("error dev.evring.ring.RingException: EIO")
                || output.contains("error java.lang.InternalError"), output);
            final int offered = Integer.parseInt(output.lines()
                .filter(line -> line.startsWith("offered ")).findFirst().orElseThrow().substring(8));
            // slots 0..831 are on the surviving page; the error is asynchronous, so it surfaces a few offers
            // after the first faulting one, but well before the 4096 the probe would otherwise make
            assertTrue(offered >= 832 && offered < 4096, "offered " + offered);
            assertTrue(output.contains("checkFile dev.evring.ring.RingFormatException"), output);
            assertTrue(output.contains("truncated"), output);
            assertTrue(output.contains("alive"), output);
            try (Stream<Path> files = Files.list(dir))
            {
                assertFalse(files.anyMatch(file -> file.getFileName().toString().startsWith("hs_err")),
                    "no JVM crash log");
            }
        }
        finally
        {
            child.destroyForcibly();
        }
    }
}

package dev.evring.ring;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * R10 and H1 by fuzzing: 2,000 corrupted ring files (random words, control words such as a size of 0,
 * {@code Integer.MIN_VALUE}, -1 or a non-power of two, impossible prod and cons, locks held by live pids,
 * truncations) opened and used with every operation, in a child JVM ({@link RingFuzzProcess}) so that a
 * crash is seen as one: no crash, no hang, only the documented exceptions.
 */
final class PortRingFuzzTest
{
    private static final int CASES = 2000;

    @TempDir(factory = ShmTempDir.class)
    Path dir;

    @Test
    @Timeout(value = 240, unit = TimeUnit.SECONDS)
    void r10_h1_twoThousandCorruptedRingsNeverCrashNorHangAndFailOnlyAsDocumented() throws Exception
    {
        final long seed = System.nanoTime();
        final Process child = ChildJvm.processBuilder(
            RingFuzzProcess.class, dir.toString(), Integer.toString(CASES), Long.toString(seed))
            .directory(dir.toFile())
            .start();
        try
        {
            final String output = new String(child.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(child.waitFor(180, TimeUnit.SECONDS), "the fuzz hung (seed " + seed + ")");
            assertEquals(0, child.exitValue(), "the fuzz JVM died (seed " + seed + "): " + output);
            final List<String> lines = output.lines().toList();
            assertTrue(lines.contains("cases " + CASES), output);
            assertTrue(lines.contains("undocumented 0"), "seed " + seed + ": " + output);
            assertTrue(lines.contains("alive"), output);
            assertTrue(lines.stream().anyMatch(line -> line.startsWith("outcome offer_RingException_EIO")), output);
            assertTrue(lines.stream().anyMatch(line -> line.startsWith("outcome resize_RingException_ETIMEDOUT")), output);
            assertTrue(lines.stream().anyMatch(line -> line.startsWith("outcome open_RingFormatException")), output);
            try (Stream<Path> files = Files.list(dir))
            {
                assertFalse(files.anyMatch(file -> file.getFileName().toString().startsWith("hs_err")),
                    "no JVM crash log (seed " + seed + ")");
            }
            System.out.println("fuzz seed " + seed + ":\n" + output);
        }
        finally
        {
            child.destroyForcibly();
        }
    }
}

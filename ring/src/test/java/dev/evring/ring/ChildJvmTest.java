package dev.evring.ring;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A child started through {@link ChildJvm} really runs with evring's JVM flags, the extra JVM arguments
 * and the program arguments it was given, and can use a ring.
 */
@ExtendWith(RingLeakCheck.class)
@Timeout(value = 120, unit = TimeUnit.SECONDS)
final class ChildJvmTest
{
    @Test
    void flagsComeFromJvmOptions()
    {
        final List<String> flags = ChildJvm.jvmFlags();
        assertTrue(flags.contains("--add-opens=java.base/jdk.internal.misc=ALL-UNNAMED"), flags.toString());
        assertTrue(flags.contains("-Dchronicle.analytics.disable=true"), flags.toString());
        assertTrue(flags.stream().noneMatch(flag -> flag.isBlank() || flag.startsWith("#")), flags.toString());
    }

    @Test
    void commandPassesFlagsJvmArgumentsAndProgramArguments() throws Exception
    {
        final List<String> command = ChildJvm.command(
            JvmArgumentsPrinter.class.getName(), List.of("-Xmx96m", "-Devring.childjvm.marker=42"), "a b", "c");
        final List<String> lines = run(new ProcessBuilder(command));
        for (final String flag : ChildJvm.jvmFlags())
        {
            assertTrue(lines.contains("jvm " + flag), "the child got " + flag + ": " + lines);
        }
        assertTrue(lines.contains("jvm -Xmx96m"), lines.toString());
        assertTrue(lines.contains("jvm -Devring.childjvm.marker=42"), lines.toString());
        assertTrue(lines.contains("arg a b"), lines.toString());
        assertTrue(lines.contains("arg c"), lines.toString());
        assertTrue(lines.contains("ring 5"), lines.toString());
    }

    @Test
    void processBuilderPassesFlags() throws Exception
    {
        final List<String> lines = run(ChildJvm.processBuilder(JvmArgumentsPrinter.class, "x"));
        for (final String flag : ChildJvm.jvmFlags())
        {
            assertTrue(lines.contains("jvm " + flag), "the child got " + flag + ": " + lines);
        }
        assertTrue(lines.contains("arg x"), lines.toString());
        assertTrue(lines.contains("ring 5"), lines.toString());
    }

    private static List<String> run(final ProcessBuilder builder) throws IOException, InterruptedException
    {
        final Process child = builder.redirectError(ProcessBuilder.Redirect.INHERIT).start();
        try
        {
            final String output;
            try (InputStream out = child.getInputStream())
            {
                output = new String(out.readAllBytes(), StandardCharsets.UTF_8);
            }
            assertTrue(child.waitFor(60, TimeUnit.SECONDS), "the child did not exit");
            assertEquals(0, child.exitValue(), "the child failed: " + output);
            final List<String> lines = Arrays.asList(output.split("\n"));
            assertFalse(lines.isEmpty());
            return lines;
        }
        finally
        {
            child.destroyForcibly();
        }
    }
}

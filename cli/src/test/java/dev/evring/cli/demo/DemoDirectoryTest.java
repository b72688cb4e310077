package dev.evring.cli.demo;

import dev.evring.evtchn.EvtchnHub;
import dev.evring.evtchn.HubConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The demo's directory rules: directories left by killed demos are removed, and nothing else is: not a live
 * demo's, not one a live hub holds, not one with a user's file in it.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
final class DemoDirectoryTest
{
    private static final List<String> HUB_FILES = List.of("hub.lock", "hub.mark", "hub.sock", "counters.dat", "h1.events", "h12.requests");

    @TempDir
    Path base;

    @Test
    void directoriesOfKilledDemosAreRemovedAndNothingElse() throws Exception
    {
        final long deadPid = deadPid();
        final Path killed = demoDirectory("demo-" + deadPid, HUB_FILES);
        final Path living = demoDirectory("demo-" + ProcessHandle.current().pid(), HUB_FILES);
        final Path withUserFile = demoDirectory("demo-" + deadPid + "0", List.of("hub.mark", "notes.txt"));
        final Path notADemo = demoDirectory("hub-" + deadPid, HUB_FILES);
        final Path busy = base.resolve("demo-" + deadPid + "1");

        try (EvtchnHub hub = EvtchnHub.start(HubConfig.directory(busy)))
        {
            assertEquals(List.of(killed), DemoDirectory.removeDeadDemos(base));

            assertFalse(Files.exists(killed));
            assertEquals(HUB_FILES.size(), count(living));
            assertEquals(2, count(withUserFile));
            assertEquals(HUB_FILES.size(), count(notADemo));
            assertTrue(Files.exists(hub.directory().resolve("hub.sock")), "a live hub's directory was cleared");
        }
        assertEquals(List.of(), DemoDirectory.removeDeadDemos(base.resolve("missing")));
    }

    @Test
    void theSecondHostOfAKilledTwoHostDemoIsRemovedToo() throws Exception
    {
        final long deadPid = deadPid();
        final Path killedB = demoDirectory("demo-" + deadPid + DemoDirectory.SECOND_HOST, HUB_FILES);
        final Path livingB = demoDirectory("demo-" + ProcessHandle.current().pid() + DemoDirectory.SECOND_HOST, HUB_FILES);
        final Path otherSuffix = demoDirectory("demo-" + deadPid + "-c", HUB_FILES);

        assertEquals(List.of(killedB), DemoDirectory.removeDeadDemos(base));

        assertFalse(Files.exists(killedB));
        assertEquals(HUB_FILES.size(), count(livingB));
        assertEquals(HUB_FILES.size(), count(otherSuffix));
    }

    @Test
    void aFreshDirectoryIsMadeAndRemovedByTheDemo() throws Exception
    {
        final DemoDirectory chosen = DemoDirectory.choose(null);

        assertTrue(chosen.created());
        assertFalse(chosen.stale());
        assertEquals("demo-" + ProcessHandle.current().pid(), chosen.path().getFileName().toString());
        Files.createDirectories(chosen.path());
        assertEquals(List.of(), chosen.cleanUp());
        assertTrue(chosen.removed());
    }

    @Test
    void aDirectoryThatExistedIsEmptiedButKept() throws Exception
    {
        final Path dir = Files.createDirectory(base.resolve("mine"));
        final DemoDirectory chosen = DemoDirectory.choose(dir);

        assertFalse(chosen.created());
        assertFalse(chosen.stale());
        assertEquals(List.of(), chosen.cleanUp());
        assertTrue(Files.isDirectory(dir));
        Files.writeString(dir.resolve("late.txt"), "x");
        assertEquals(List.of("late.txt"), chosen.cleanUp(), "a file left behind is reported, not deleted");
    }

    private Path demoDirectory(final String name, final List<String> files) throws IOException
    {
        final Path dir = Files.createDirectory(base.resolve(name));
        for (final String file : files)
        {
            Files.write(dir.resolve(file), new byte[] {7});
        }
        return dir;
    }

    private static long count(final Path dir) throws IOException
    {
        try (var entries = Files.list(dir))
        {
            return entries.count();
        }
    }

    /**
     * The pid of a process that has ended.
     */
    private static long deadPid() throws Exception
    {
        final Process process = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-version")
            .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        assertTrue(process.waitFor(30, TimeUnit.SECONDS));
        assertFalse(ProcessHandle.of(process.pid()).map(ProcessHandle::isAlive).orElse(false));
        return process.pid();
    }
}

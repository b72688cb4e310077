package dev.evring.evtchn;

import dev.evring.ring.Errno;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A hub deletes only files it made and changes nothing in a directory that is not its own: a user who
 * points {@code evring hub --dir} at the wrong place loses nothing.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
final class HubDirectoryTest
{
    @TempDir
    Path dir;

    @Test
    void directoryHoldingSomeoneElsesFilesIsRefusedAndLeftAsItWas() throws Exception
    {
        final Path thesis = Files.writeString(dir.resolve("thesis.tex"), "chapter 1");
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));

        final EvtchnException refused = assertThrows(EvtchnException.class,
            () -> EvtchnHub.start(HubConfig.directory(dir)).close());

        assertEquals(Errno.EINVAL, refused.errno());
        assertTrue(refused.getMessage().contains("thesis.tex"), refused.getMessage());
        assertEquals("chapter 1", Files.readString(thesis));
        assertEquals("rwxr-xr-x", PosixFilePermissions.toString(Files.getPosixFilePermissions(dir)));
        assertFalse(Files.exists(dir.resolve(HubDirectory.LOCK_FILE)), "no hub file was made");
    }

    @Test
    void pathThatIsAFileIsRefusedWithoutTouchingIt() throws Exception
    {
        final Path file = Files.writeString(dir.resolve("notes"), "keep");
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r--r--"));

        final EvtchnException refused = assertThrows(EvtchnException.class,
            () -> EvtchnHub.start(HubConfig.directory(file)).close());

        assertEquals(Errno.EINVAL, refused.errno());
        assertTrue(refused.getMessage().contains("not a directory"), refused.getMessage());
        assertEquals("keep", Files.readString(file));
        assertEquals("rw-r--r--", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
    }

    @Test
    void leftoversOfADeadHubAreRemovedAndTheHubStarts() throws Exception
    {
        final Path hubDir = dir.resolve("hub");
        Files.createDirectory(hubDir);
        Files.writeString(hubDir.resolve("h7.events"), "stale");
        Files.writeString(hubDir.resolve(HubDirectory.SOCKET_FILE), "stale");

        try (EvtchnHub hub = EvtchnHub.start(HubConfig.directory(hubDir)))
        {
            assertFalse(Files.exists(hubDir.resolve("h7.events")), "a dead hub's ring is removed");
            assertEquals(hubDir, hub.directory());
        }
        try (var left = Files.list(hubDir))
        {
            assertEquals(0, left.count(), "a closed hub leaves nothing behind");
        }
    }
}

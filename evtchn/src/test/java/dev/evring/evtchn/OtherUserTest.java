package dev.evring.evtchn;

import dev.evring.ring.ChildJvm;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.File;
import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * E24 for real: a JVM running as another uid (through {@code setpriv}, which needs root) that talks to the
 * hub's socket directly, skipping the checks a handle makes before it connects, is refused by the hub's
 * {@code SO_PEERCRED} check even when the directory and socket permissions would let it in.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class OtherUserTest
{
    private static final String NOBODY = "65534";

    @Test
    void e24_processOfAnotherUidIsRefusedWithEacces() throws Exception
    {
        final Path setpriv = Path.of("/usr/bin/setpriv");
        assumeTrue("root".equals(System.getProperty("user.name")) && Files.isExecutable(setpriv),
            "needs root and setpriv to start a JVM as another user");
        final Path shared = Files.createTempDirectory("evring-e24-");
        try
        {
            Files.setPosixFilePermissions(shared, PosixFilePermissions.fromString("rwxr-xr-x"));
            final String classPath = copyClassPath(shared.resolve("cp"));
            final Path hubDir = shared.resolve("hub");
            try (EvtchnHub hub = EvtchnHub.start(HubConfig.directory(hubDir)))
            {
                assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(hubDir)));
                // open the doors the directory mode keeps shut, so that only SO_PEERCRED stands in the way
                Files.setPosixFilePermissions(hubDir, PosixFilePermissions.fromString("rwx--x--x"));
                Files.setPosixFilePermissions(hubDir.resolve(HubDirectory.SOCKET_FILE),
                    PosixFilePermissions.fromString("rwxrwxrwx"));
                final List<String> command = new ArrayList<>(List.of(
                    setpriv.toString(), "--reuid=" + NOBODY, "--regid=" + NOBODY, "--clear-groups"));
                final List<String> java = new ArrayList<>(ChildJvm.command(
                    StrangerMain.class.getName(), List.of("-Duser.home=" + shared), hubDir.toString()));
                java.set(java.indexOf("-cp") + 1, classPath);
                command.addAll(java);
                final long errors = hub.counter(HubCounter.ERRORS);
                try (Child stranger = Child.start(new ProcessBuilder(command)))
                {
                    final String refused = stranger.expect("REFUSED", 60_000);
                    assertEquals("EACCES", refused);
                    assertTrue(stranger.process.waitFor(30, TimeUnit.SECONDS));
                }
                assertEquals(errors + 1, hub.counter(HubCounter.ERRORS));
                assertEquals(0, hub.handleCount(), "the stranger never got a handle");
                try (Evtchn own = Evtchn.open(hubDir))
                {
                    assertTrue(own.bindUnboundPort(0) > 0, "the hub's own user is still served");
                }
            }
        }
        finally
        {
            deleteTree(shared);
        }
    }

    /**
     * Copy this JVM's class path where another user can read it (the build's repository may be private).
     */
    static String copyClassPath(final Path target) throws IOException
    {
        Files.createDirectories(target);
        final List<String> entries = new ArrayList<>();
        int n = 0;
        for (final String entry : ChildJvm.classPath().split(File.pathSeparator))
        {
            final Path source = Path.of(entry);
            if (!Files.exists(source))
            {
                continue;
            }
            final Path copy = target.resolve((n++) + "-" + source.getFileName());
            if (Files.isDirectory(source))
            {
                copyTree(source, copy);
            }
            else
            {
                Files.copy(source, copy, StandardCopyOption.REPLACE_EXISTING);
            }
            entries.add(copy.toString());
        }
        try (Stream<Path> all = Files.walk(target))
        {
            for (final Path path : (Iterable<Path>)all::iterator)
            {
                Files.setPosixFilePermissions(path, PosixFilePermissions.fromString(
                    Files.isDirectory(path) ? "rwxr-xr-x" : "rw-r--r--"));
            }
        }
        return String.join(File.pathSeparator, entries);
    }

    private static void copyTree(final Path source, final Path target) throws IOException
    {
        Files.walkFileTree(source, new SimpleFileVisitor<>()
        {
            @Override
            public FileVisitResult preVisitDirectory(final Path dir, final BasicFileAttributes attrs) throws IOException
            {
                Files.createDirectories(target.resolve(source.relativize(dir).toString()));
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFile(final Path file, final BasicFileAttributes attrs) throws IOException
            {
                Files.copy(file, target.resolve(source.relativize(file).toString()), StandardCopyOption.REPLACE_EXISTING);
                return FileVisitResult.CONTINUE;
            }
        });
    }

    static void deleteTree(final Path root) throws IOException
    {
        try (Stream<Path> all = Files.walk(root))
        {
            for (final Path path : (Iterable<Path>)all.sorted(Comparator.reverseOrder())::iterator)
            {
                Files.deleteIfExists(path);
            }
        }
    }
}

package dev.evring.evtchn;

import dev.evring.ring.ChildJvm;
import dev.evring.ring.Errno;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipal;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * H4, attack 5 of issue 13: another user squats the hub's directory or its parent, or puts its own socket
 * in the hub's place. The hub refuses to start in a directory (or under a parent) that another user owns
 * or may write to, or that is a symbolic link; a handle refuses the same directories, an unreachable one
 * with EACCES, and a socket served by another uid (SO_PEERCRED), before it sends anything. The other
 * user is {@code nobody}, played by real processes started with {@code setpriv} (the tests need root).
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
final class SquattingTest
{
    private static final String NOBODY_UID = "65534";
    private static final Path SETPRIV = Path.of("/usr/bin/setpriv");
    private static final Path PERL = Path.of("/usr/bin/perl");
    /** A UNIX socket server: prints LISTENING, takes one connection, and prints how many bytes it got. */
    private static final String IMPOSTOR = "use IO::Socket::UNIX; $| = 1; "
        + "my $s = IO::Socket::UNIX->new(Type => SOCK_STREAM(), Local => $ARGV[0], Listen => 5) or die \"listen: $!\"; "
        + "print \"LISTENING\\n\"; my $c = $s->accept() or die \"accept: $!\"; my ($n, $buf) = (0, ''); "
        + "while (my $r = sysread($c, $buf, 4096)) { $n += $r } print \"GOT $n\\n\";";

    @TempDir
    Path dir;

    @BeforeEach
    void needRootAndSetpriv() throws IOException
    {
        assumeTrue("root".equals(System.getProperty("user.name")) && Files.isExecutable(SETPRIV) && Files.isExecutable(PERL),
            "needs root, setpriv and perl to play another user");
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x")); // nobody may pass through
    }

    @Test
    void h4_hubRefusesAParentDirectoryThatAnotherUserMadeFirst() throws Exception
    {
        final Path shm = sticky(dir.resolve("shm")); // stands for /dev/shm
        final Path squatted = shm.resolve("evring-root");
        runAsNobody("mkdir", "-m", "777", squatted.toString());
        final Path hubDir = squatted.resolve("default");

        final EvtchnException refused = assertThrows(EvtchnException.class, () -> EvtchnHub.start(HubConfig.directory(hubDir)).close());

        assertEquals(Errno.EACCES, refused.errno());
        assertTrue(refused.getMessage().contains(squatted + " is owned by nobody"), refused.getMessage());
        assertFalse(Files.exists(hubDir, LinkOption.NOFOLLOW_LINKS), "nothing was made in the squatted parent");
    }

    @Test
    void h4_hubRefusesADirectoryThatAnotherUserMadeWithMode777() throws Exception
    {
        final Path hubDir = sticky(dir.resolve("shm")).resolve("hub");
        runAsNobody("mkdir", "-m", "777", hubDir.toString());

        final EvtchnException refused = assertThrows(EvtchnException.class, () -> EvtchnHub.start(HubConfig.directory(hubDir)).close());

        assertEquals(Errno.EACCES, refused.errno());
        assertTrue(refused.getMessage().contains(hubDir + " is owned by nobody"), refused.getMessage());
        assertEquals("rwxrwxrwx", PosixFilePermissions.toString(Files.getPosixFilePermissions(hubDir)), "left as it was");
        assertEmpty(hubDir);
        final EvtchnException handle = assertThrows(EvtchnException.class, () -> Evtchn.open(hubDir).close());
        assertEquals(Errno.EACCES, handle.errno(), "a handle refuses it too: " + handle.getMessage());
    }

    @Test
    void h4_hubRefusesADirectoryOfItsOwnUserThatOthersMayWrite() throws Exception
    {
        final Path hubDir = Files.createDirectory(dir.resolve("hub"));
        Files.setPosixFilePermissions(hubDir, PosixFilePermissions.fromString("rwxrwx---"));

        final EvtchnException refused = assertThrows(EvtchnException.class, () -> EvtchnHub.start(HubConfig.directory(hubDir)).close());

        assertEquals(Errno.EACCES, refused.errno());
        assertTrue(refused.getMessage().contains(hubDir + " is writable by its group (mode 770)"), refused.getMessage());
        assertEmpty(hubDir);
    }

    @Test
    void h4_hubRefusesAParentWritableByOthersAndAcceptsAStickyOneOfRoot() throws Exception
    {
        final Path open = Files.createDirectory(dir.resolve("open"));
        Files.setPosixFilePermissions(open, PosixFilePermissions.fromString("rwxrwxrwx"));

        final EvtchnException refused = assertThrows(EvtchnException.class,
            () -> EvtchnHub.start(HubConfig.directory(open.resolve("hub"))).close());

        assertEquals(Errno.EACCES, refused.errno());
        assertTrue(refused.getMessage().contains(open + " is writable by others (mode 777)"), refused.getMessage());
        assertEmpty(open);

        final Path tmp = sticky(dir.resolve("tmp")); // like /tmp: nobody may rename or remove another user's entries
        try (EvtchnHub hub = EvtchnHub.start(HubConfig.directory(tmp.resolve("hub"))))
        {
            assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(hub.directory())));
        }
    }

    @Test
    void h4_missingParentsAreMadeOwnerOnly() throws Exception
    {
        final Path hubDir = dir.resolve("a").resolve("b").resolve("hub");

        try (EvtchnHub hub = EvtchnHub.start(HubConfig.directory(hubDir)))
        {
            for (final Path made : List.of(dir.resolve("a"), dir.resolve("a/b"), hubDir))
            {
                assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(made)), made.toString());
            }
        }
    }

    @Test
    void h4_hubAndHandleNeverFollowASymbolicLinkInPlaceOfTheDirectory() throws Exception
    {
        final Path target = Files.createDirectory(dir.resolve("target"));
        Files.setPosixFilePermissions(target, PosixFilePermissions.fromString("rwx------"));
        final Path hubDir = Files.createSymbolicLink(dir.resolve("hub"), target);

        final EvtchnException refused = assertThrows(EvtchnException.class, () -> EvtchnHub.start(HubConfig.directory(hubDir)).close());

        assertEquals(Errno.EACCES, refused.errno());
        assertTrue(refused.getMessage().contains(hubDir + " is a symbolic link"), refused.getMessage());
        assertEmpty(target);

        try (EvtchnHub hub = EvtchnHub.start(HubConfig.directory(target)))
        {
            final EvtchnException handle = assertThrows(EvtchnException.class, () -> Evtchn.open(hubDir).close());
            assertEquals(Errno.EACCES, handle.errno(), handle.getMessage());
            assertTrue(handle.getMessage().contains("symbolic link"), handle.getMessage());
        }
    }

    @Test
    void h4_handleRefusesAHubDirectoryMovedAsideAndReplacedByAnImpostor() throws Exception
    {
        final Path parent = Files.createDirectory(dir.resolve("evring-root"));
        Files.setPosixFilePermissions(parent, PosixFilePermissions.fromString("rwx------"));
        final Path hubDir = parent.resolve("default");
        final Path aside = parent.resolve("aside");
        try (EvtchnHub hub = EvtchnHub.start(HubConfig.directory(hubDir)))
        {
            Evtchn.open(hubDir).close();
            // the parent falls into the other user's hands (made by it first, as before H4 nothing checked)
            Files.setOwner(parent, nobody());
            Files.setPosixFilePermissions(parent, PosixFilePermissions.fromString("rwxrwxrwx"));
            try (Child impostor = Child.start(new ProcessBuilder(nobodyCommand("sh", "-c",
                "mv \"$1\" \"$2\" && mkdir -m 777 \"$1\" && exec \"$3\" -e \"$4\" \"$1/hub.sock\"",
                "sh", hubDir.toString(), aside.toString(), PERL.toString(), IMPOSTOR))))
            {
                impostor.expect("LISTENING", 30_000);

                final EvtchnException refused = assertThrows(EvtchnException.class, () -> Evtchn.open(hubDir).close());

                assertEquals(Errno.EACCES, refused.errno());
                assertTrue(refused.getMessage().contains("owned by nobody"), refused.getMessage());
                impostor.kill();
            }
            finally
            {
                restore(hubDir, aside, parent);
            }
            try (Evtchn again = Evtchn.open(hubDir))
            {
                assertTrue(again.bindUnboundPort(0) > 0, "the real hub, back in its place, still serves");
            }
        }
    }

    @Test
    void h4_handleRefusesASocketServedByAnotherUidBeforeSendingAnything() throws Exception
    {
        final Path hubDir = Files.createDirectory(dir.resolve("hub"));
        Files.setPosixFilePermissions(hubDir, PosixFilePermissions.fromString("rwx------"));
        final Path drop = Files.createDirectory(dir.resolve("drop"));
        Files.setPosixFilePermissions(drop, PosixFilePermissions.fromString("rwxrwxrwx"));
        final Path socket = drop.resolve("impostor.sock");
        try (Child impostor = Child.start(new ProcessBuilder(nobodyCommand(PERL.toString(), "-e", IMPOSTOR, socket.toString()))))
        {
            impostor.expect("LISTENING", 30_000);
            // a socket file that looks like the hub's, in a directory of the right user: only the peer uid tells
            Files.move(socket, hubDir.resolve(HubDirectory.SOCKET_FILE), StandardCopyOption.ATOMIC_MOVE);
            Files.setOwner(hubDir.resolve(HubDirectory.SOCKET_FILE), Files.getOwner(hubDir));

            final EvtchnException refused = assertThrows(EvtchnException.class, () -> Evtchn.open(hubDir).close());

            assertEquals(Errno.EACCES, refused.errno());
            assertTrue(refused.getMessage().contains("served by user nobody"), refused.getMessage());
            assertEquals("0", impostor.expect("GOT", 30_000), "the impostor got not one byte");
        }
    }

    @Test
    void h4_handleOfAUserWhoCannotReachTheDirectoryGetsEaccesNotEnodev() throws Exception
    {
        final Path shared = Files.createDirectory(dir.resolve("shared"));
        final String classPath = OtherUserTest.copyClassPath(shared.resolve("cp"));
        final Path closed = Files.createDirectory(dir.resolve("closed"));
        Files.setPosixFilePermissions(closed, PosixFilePermissions.fromString("rwx------"));
        try (EvtchnHub hub = EvtchnHub.start(HubConfig.directory(closed.resolve("hub"))))
        {
            final List<String> java = new ArrayList<>(ChildJvm.command(
                PeerMain.class.getName(), List.of("-Duser.home=" + shared), hub.directory().toString()));
            java.set(java.indexOf("-cp") + 1, classPath);
            try (Child stranger = Child.start(new ProcessBuilder(nobodyCommand(java.toArray(new String[0])))))
            {
                final String failed = stranger.expect("FAILED", 60_000);
                assertTrue(failed.startsWith("EACCES"), failed);
                assertTrue(failed.contains("permission denied"), failed);
                assertTrue(stranger.process.waitFor(30, TimeUnit.SECONDS));
            }
        }
    }

    /**
     * Put the real hub's directory back where it was (the other user's files go), and give the parent back.
     */
    private static void restore(final Path hubDir, final Path aside, final Path parent) throws IOException
    {
        if (Files.exists(aside))
        {
            OtherUserTest.deleteTree(hubDir);
            Files.move(aside, hubDir, StandardCopyOption.ATOMIC_MOVE);
        }
        Files.setOwner(parent, Files.getOwner(hubDir));
        Files.setPosixFilePermissions(parent, PosixFilePermissions.fromString("rwx------"));
    }

    private static Path sticky(final Path directory) throws IOException
    {
        Files.createDirectory(directory);
        Files.setAttribute(directory, "unix:mode", 01777);
        return directory;
    }

    private static UserPrincipal nobody() throws IOException
    {
        return FileSystems.getDefault().getUserPrincipalLookupService().lookupPrincipalByName(NOBODY_UID);
    }

    private static void assertEmpty(final Path directory) throws IOException
    {
        try (Stream<Path> entries = Files.list(directory))
        {
            assertEquals(List.of(), entries.toList(), "nothing was made in " + directory);
        }
    }

    /**
     * A command line that runs as {@code nobody}.
     */
    private static List<String> nobodyCommand(final String... command)
    {
        final List<String> line = new ArrayList<>(List.of(
            SETPRIV.toString(), "--reuid=" + NOBODY_UID, "--regid=" + NOBODY_UID, "--clear-groups"));
        line.addAll(List.of(command));
        return line;
    }

    /**
     * Run a command as {@code nobody} to its end; it must succeed.
     */
    private static void runAsNobody(final String... command) throws Exception
    {
        final Process process = new ProcessBuilder(nobodyCommand(command)).inheritIO().start();
        assertTrue(process.waitFor(30, TimeUnit.SECONDS), "the command as nobody ended");
        assertEquals(0, process.exitValue(), "the command as nobody succeeded: " + List.of(command));
    }
}

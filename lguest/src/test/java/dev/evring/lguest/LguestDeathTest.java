package dev.evring.lguest;

import dev.evring.ring.ChildJvm;
import dev.evring.ring.Errno;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static dev.evring.lguest.LguestAssertions.assertErrno;
import static dev.evring.lguest.LguestAssertions.awaitTrue;
import static dev.evring.lguest.LguestAssertions.hasExited;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * L9 (close, and a launcher that dies, stop the guest and remove everything) and L10 (every way a guest dies
 * is reported with a reason).
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class LguestDeathTest
{
    private static final Duration STOP_LIMIT = Duration.ofSeconds(2);

    @TempDir
    Path dir;

    @Test
    void l9_closeStopsARunningGuestReleasesTargetsUnmapsAndDeletesFiles() throws Exception
    {
        final Path memoryFile = dir.resolve("guest.mem");
        final Path controlFile = dir.resolve("guest.mem" + Lguest.CONTROL_SUFFIX);
        final CounterTarget counter = new CounterTarget();
        final Lguest lguest = Guests.start(dir, Guests.Spin.class, 1);
        final ProcessHandle guest = ProcessHandle.of(lguest.guestPid()).orElseThrow();
        final GuestMemory memory = lguest.memory();
        lguest.attachEventfd(0x1000, counter);
        lguest.attachEventfd(0x2000, counter);
        assertEquals(2, counter.attachments());
        assertEquals(RunResult.Kind.TIMEOUT, lguest.run(0, 50, TimeUnit.MILLISECONDS).kind());
        awaitTrue(() -> memory.getLongVolatile(Guests.PROGRESS) > 0, Duration.ofSeconds(10), "the guest spins");
        assertTrue(Files.exists(memoryFile) && Files.exists(controlFile));

        final long start = System.nanoTime();
        lguest.close();
        assertFalse(guest.isAlive(), "the guest JVM is gone when close returns");
        final long took = System.nanoTime() - start;
        assertTrue(took < STOP_LIMIT.toNanos(), "close took " + took + " ns");
        assertEquals(0, counter.attachments(), "every attachment was released");
        assertFalse(Files.exists(memoryFile), "memory file deleted");
        assertFalse(Files.exists(controlFile), "control file deleted");
        assertThrows(IllegalStateException.class, () -> memory.getLong(0), "memory unmapped");
        assertErrno(Errno.EBADF, () -> lguest.run(0));
    }

    @Test
    void l9_closeFromAnotherThreadEndsARunThatWaits() throws Exception
    {
        final Lguest lguest = Guests.start(dir, Guests.Spin.class, 1);
        final ProcessHandle guest = ProcessHandle.of(lguest.guestPid()).orElseThrow();
        final CompletableFuture<Void> closer = new CompletableFuture<>();
        final Thread closing = new Thread(() ->
        {
            awaitTrue(() -> runningGuest(lguest), Duration.ofSeconds(30), "the guest runs");
            lguest.close();
            closer.complete(null);
        });
        closing.start();
        final RunResult result = lguest.run(0);
        assertEquals("the device was closed", result.deathReason());
        closer.get(30, TimeUnit.SECONDS);
        assertFalse(guest.isAlive());
        assertFalse(Files.exists(dir.resolve("guest.mem")));
    }

    @Test
    void l9_launcherKilledWithSigkillStopsItsGuestAndItsFilesGo() throws Exception
    {
        final Path memoryFile = dir.resolve("orphan.mem");
        final Path controlFile = dir.resolve("orphan.mem" + Lguest.CONTROL_SUFFIX);
        final Process launcher = ChildJvm.processBuilder(KilledLauncher.class, memoryFile.toString()).start();
        try
        {
            final BufferedReader out = new BufferedReader(
                new InputStreamReader(launcher.getInputStream(), StandardCharsets.UTF_8));
            final String pidLine = CompletableFuture.supplyAsync(() ->
            {
                try
                {
                    return out.readLine();
                }
                catch (final java.io.IOException ex)
                {
                    throw new java.io.UncheckedIOException(ex);
                }
            }).get(60, TimeUnit.SECONDS);
            assertNotNull(pidLine, "the launcher printed its guest's pid");
            final long guest = Long.parseLong(pidLine.strip());
            assertFalse(hasExited(guest));
            assertTrue(Files.exists(memoryFile) && Files.exists(controlFile));

            launcher.destroyForcibly(); // SIGKILL: no shutdown hook, no close()
            assertTrue(launcher.waitFor(30, TimeUnit.SECONDS));
            assertEquals(137, launcher.exitValue(), "killed by SIGKILL");
            awaitTrue(() -> hasExited(guest), STOP_LIMIT, "the orphaned guest exits");
            awaitTrue(() -> !Files.exists(memoryFile) && !Files.exists(controlFile), STOP_LIMIT,
                "the orphaned guest deleted the files");
        }
        finally
        {
            launcher.destroyForcibly();
        }
    }

    @Test
    void l10_crashIsReportedWithTheGuestsReason() throws Exception
    {
        try (Lguest lguest = Guests.start(dir, Guests.Crash.class, 1))
        {
            assertEquals("guest says goodbye", lguest.run(0).deathReason());
        }
    }

    @Test
    void l10_uncaughtExceptionIsReportedWithTheException() throws Exception
    {
        try (Lguest lguest = Guests.start(dir, Guests.Throwing.class, 1))
        {
            final String reason = lguest.run(0).deathReason();
            assertTrue(reason.contains("java.lang.IllegalStateException: bad state 42"), reason);
            assertTrue(reason.contains("vCPU 0"), reason);
        }
    }

    @Test
    void l10_systemExitIsReportedWithTheStatus() throws Exception
    {
        try (Lguest lguest = Guests.start(dir, Guests.Exit.class, 1))
        {
            final String reason = lguest.run(0).deathReason();
            assertTrue(reason.contains("exited with status 3"), reason);
            assertErrno(Errno.ENOENT, () -> lguest.sendIrq(0, 0));
        }
    }

    @Test
    void l10_guestKilledWithSigkillIsReportedWithTheSignal() throws Exception
    {
        try (Lguest lguest = Guests.start(dir, Guests.Spin.class, 1))
        {
            assertEquals(RunResult.Kind.TIMEOUT, lguest.run(0, 50, TimeUnit.MILLISECONDS).kind());
            assertTrue(ProcessHandle.of(lguest.guestPid()).orElseThrow().destroyForcibly());
            final RunResult result = lguest.run(0);
            assertTrue(result.isDead(), result::toString);
            assertTrue(result.deathReason().contains("SIGKILL"), result.deathReason());
        }
    }

    @Test
    void l10_aStartClassThatIsNoGuestProgramIsReported() throws Exception
    {
        try (Lguest lguest = Lguest.open(Guests.FAST_GUEST_JVM))
        {
            lguest.initialize(dir.resolve("a.mem"), 0, 4, "java.lang.String", 1);
            final String reason = lguest.run(0).deathReason();
            assertTrue(reason.startsWith("cannot start guest: java.lang.String"), reason);
        }
        try (Lguest lguest = Lguest.open(Guests.FAST_GUEST_JVM))
        {
            lguest.initialize(dir.resolve("b.mem"), 0, 4, "no.such.Program", 1);
            final String reason = lguest.run(0).deathReason();
            assertTrue(reason.contains("ClassNotFoundException"), reason);
        }
    }

    private static boolean runningGuest(final Lguest lguest)
    {
        try
        {
            return lguest.memory().getLongVolatile(Guests.PROGRESS) > 0;
        }
        catch (final LguestException ex)
        {
            throw new AssertionError(ex);
        }
    }
}

package dev.evring.lguest;

import dev.evring.ring.Errno;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static dev.evring.lguest.LguestAssertions.assertErrno;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The device's request checks: L1 (initialize first, once), L3 (vCPU numbers and the owning thread), L5
 * (death reason, ENOENT after death) and the argument checks of initialize and sendIrq.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class LguestDeviceTest
{
    @TempDir
    Path dir;

    @Test
    void l1_requestBeforeInitializeIsEinval() throws Exception
    {
        try (Lguest lguest = Lguest.open(); CounterTarget counter = new CounterTarget())
        {
            assertErrno(Errno.EINVAL, () -> lguest.run(0));
            assertErrno(Errno.EINVAL, () -> lguest.run(0, 1, TimeUnit.MILLISECONDS));
            assertErrno(Errno.EINVAL, () -> lguest.sendIrq(0, 1));
            assertErrno(Errno.EINVAL, () -> lguest.attachEventfd(0x1000, counter));
            assertErrno(Errno.EINVAL, lguest::memory);
            assertErrno(Errno.EINVAL, lguest::guestPid);
            assertEquals(0, counter.attachments(), "a refused attach took no reference");
        }
    }

    @Test
    void l1_secondInitializeIsEbusy() throws Exception
    {
        try (Lguest lguest = Guests.start(dir, Guests.Spin.class, 1))
        {
            final long pid = lguest.guestPid();
            final String start = Guests.Spin.class.getName();
            assertErrno(Errno.EBUSY, () -> lguest.initialize(dir.resolve("other.mem"), 0, 4, start, 1));
            assertFalse(Files.exists(dir.resolve("other.mem")), "the refused initialize created nothing");
            assertEquals(pid, lguest.guestPid(), "the first guest is still the one");
            assertTrue(lguest.run(0, 50, TimeUnit.MILLISECONDS).kind() == RunResult.Kind.TIMEOUT, "still runs");
        }
    }

    @Test
    void aMemoryFileInUseByALiveLauncherIsEbusyAndAStaleControlFileIsReplaced() throws Exception
    {
        final Path memory = dir.resolve("guest.mem");
        final Path control = dir.resolve("guest.mem" + Lguest.CONTROL_SUFFIX);
        try (Lguest first = Guests.start(memory, 4, Guests.Spin.class, 1); Lguest second = Lguest.open())
        {
            assertErrno(Errno.EBUSY, () -> second.initialize(memory, 0, 4, Guests.Spin.class.getName(), 1));
            assertEquals(RunResult.Kind.TIMEOUT, first.run(0, 20, TimeUnit.MILLISECONDS).kind(), "untouched");
        }
        assertFalse(Files.exists(control));

        final Process finished = new ProcessBuilder("true").start();
        assertTrue(finished.waitFor(30, TimeUnit.SECONDS));
        ControlBlock.create(control, 1, 0, 4, true, finished.pid()).close(); // left by a launcher that died
        try (Lguest lguest = Guests.start(memory, 4, Guests.NotifyLoop.class, 1))
        {
            lguest.memory().putLong(Guests.OTHER_ADDRESS, 0x99);
            assertEquals(0x99, lguest.run(0).notifyAddress());
        }
        assertFalse(Files.exists(control));
    }

    @Test
    void initializeWithBadArgumentsIsEinvalAndLeavesTheDeviceUsable() throws Exception
    {
        final Path memory = dir.resolve("guest.mem");
        final String start = Guests.NotifyLoop.class.getName();
        try (Lguest lguest = Lguest.open(Guests.FAST_GUEST_JVM))
        {
            assertErrno(Errno.EINVAL, () -> lguest.initialize(null, 0, 4, start, 1));
            assertErrno(Errno.EINVAL, () -> lguest.initialize(memory, -4096, 4, start, 1));
            assertErrno(Errno.EINVAL, () -> lguest.initialize(memory, 100, 4, start, 1));
            assertErrno(Errno.EINVAL, () -> lguest.initialize(memory, 0, 0, start, 1));
            assertErrno(Errno.EINVAL, () -> lguest.initialize(memory, 0, Long.MAX_VALUE / 2, start, 1));
            assertErrno(Errno.EINVAL, () -> lguest.initialize(memory, 0, 4, " ", 1));
            assertErrno(Errno.EINVAL, () -> lguest.initialize(memory, 0, 4, start, 0));
            assertErrno(Errno.EINVAL, () -> lguest.initialize(memory, 0, 4, start, Lguest.MAX_CPUS + 1));
            final Path shortFile = dir.resolve("short.mem");
            Files.write(shortFile, new byte[4096]);
            assertErrno(Errno.EINVAL, () -> lguest.initialize(shortFile, 0, 2, start, 1));
            assertTrue(Files.exists(shortFile), "a memory file the caller made is never deleted");
            assertFalse(Files.exists(memory), "nothing was created by refused requests");

            lguest.initialize(memory, 0, 4, start, 1);
            lguest.memory().putLong(Guests.COUNT, 0);
            lguest.memory().putLong(Guests.OTHER_ADDRESS, 0x77);
            assertEquals(0x77, lguest.run(0).notifyAddress());
        }
        assertFalse(Files.exists(memory), "the memory file the device created is deleted on close");
    }

    @Test
    void l3_unknownCpuIsEinval() throws Exception
    {
        try (Lguest lguest = Guests.start(dir, Guests.Spin.class, 2))
        {
            assertErrno(Errno.EINVAL, () -> lguest.run(2));
            assertErrno(Errno.EINVAL, () -> lguest.run(-1));
            assertErrno(Errno.EINVAL, () -> lguest.sendIrq(2, 0));
            assertErrno(Errno.EINVAL, () -> lguest.sendIrq(-1, 0));
            assertEquals(RunResult.Kind.TIMEOUT, lguest.run(1, 20, TimeUnit.MILLISECONDS).kind(), "cpu 1 exists");
        }
    }

    @Test
    void l3_runFromAnotherThreadIsEperm() throws Exception
    {
        try (Lguest lguest = Guests.start(dir, Guests.NotifyLoop.class, 1))
        {
            lguest.memory().putLong(Guests.COUNT, 1);
            lguest.memory().putLong(Guests.ADDRESS, 0x1000);
            lguest.memory().putLong(Guests.OTHER_ADDRESS, 0x2000);
            final LguestException fromOther = CompletableFuture.supplyAsync(() ->
            {
                try
                {
                    lguest.run(0);
                    return null;
                }
                catch (final LguestException ex)
                {
                    return ex;
                }
            }).get(30, TimeUnit.SECONDS);
            assertEquals(Errno.EPERM, fromOther.errno(), fromOther.getMessage());
            assertEquals(0, lguest.memory().getLongVolatile(Guests.PROGRESS), "the refused run started nothing");
            assertEquals(0x1000, lguest.run(0).notifyAddress(), "the owner still runs it");
        }
    }

    @Test
    void l5_deadGuestReturnsItsReasonAndWritesAreEnoent() throws Exception
    {
        try (Lguest lguest = Guests.start(dir, Guests.Crash.class, 1); CounterTarget counter = new CounterTarget())
        {
            final RunResult result = lguest.run(0);
            assertTrue(result.isDead(), result::toString);
            assertEquals("guest says goodbye", result.deathReason());
            assertEquals("guest says goodbye", lguest.run(0).deathReason(), "every later run says the same");
            assertErrno(Errno.ENOENT, () -> lguest.sendIrq(0, 1));
            assertErrno(Errno.ENOENT, () -> lguest.attachEventfd(0x1000, counter));
            assertEquals(0, counter.attachments());
            assertErrno(Errno.EINVAL, () -> lguest.run(1));
        }
    }

    @Test
    void l6_irqAbove31IsEinval() throws Exception
    {
        try (Lguest lguest = Guests.start(dir, Guests.Spin.class, 1))
        {
            assertErrno(Errno.EINVAL, () -> lguest.sendIrq(0, 32));
            assertErrno(Errno.EINVAL, () -> lguest.sendIrq(0, -1));
            lguest.sendIrq(0, 31);
        }
    }

    @Test
    void requestsAfterCloseAreEbadf() throws Exception
    {
        final Lguest lguest = Lguest.open();
        lguest.close();
        lguest.close();
        assertErrno(Errno.EBADF, () -> lguest.run(0));
        assertErrno(Errno.EBADF, () -> lguest.initialize(dir.resolve("m"), 0, 1, "x", 1));
        assertErrno(Errno.EBADF, () -> lguest.sendIrq(0, 0));
        assertErrno(Errno.EBADF, lguest::memory);
    }
}

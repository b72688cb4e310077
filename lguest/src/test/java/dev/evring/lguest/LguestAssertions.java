package dev.evring.lguest;

import dev.evring.ring.Errno;
import org.junit.jupiter.api.function.Executable;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.function.BooleanSupplier;
import java.util.concurrent.locks.LockSupport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Assertions the lguest tests share: an errno, and a condition reached before a deadline.
 */
final class LguestAssertions
{
    private LguestAssertions()
    {
    }

    static LguestException assertErrno(final Errno expected, final Executable request)
    {
        final LguestException ex = assertThrows(LguestException.class, request);
        assertEquals(expected, ex.errno(), ex.getMessage());
        return ex;
    }

    /**
     * Whether a process has exited. A process whose parent died is reaped by the machine's init, which in
     * some containers does it only every few seconds: until then it is a zombie, which has exited but which
     * {@link ProcessHandle#isAlive()} still counts as alive.
     */
    static boolean hasExited(final long pid)
    {
        final Path stat = Path.of("/proc", Long.toString(pid), "stat");
        try
        {
            final String line = Files.readString(stat);
            return line.substring(line.lastIndexOf(')') + 1).strip().startsWith("Z");
        }
        catch (final IOException ex)
        {
            return ProcessHandle.of(pid).map(handle -> !handle.isAlive()).orElse(true);
        }
    }

    static long awaitTrue(final BooleanSupplier condition, final Duration limit, final String what)
    {
        final long start = System.nanoTime();
        final long deadline = start + limit.toNanos();
        while (!condition.getAsBoolean())
        {
            if (System.nanoTime() - deadline > 0)
            {
                fail("not within " + limit + ": " + what);
            }
            LockSupport.parkNanos(1_000_000);
        }
        return System.nanoTime() - start;
    }
}

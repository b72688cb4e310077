package dev.evring.lguest;

import dev.evring.ring.Errno;
import org.junit.jupiter.api.function.Executable;

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

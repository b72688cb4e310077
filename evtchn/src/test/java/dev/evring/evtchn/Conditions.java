package dev.evring.evtchn;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

import static org.junit.jupiter.api.Assertions.fail;

/**
 * Waiting on real conditions with a deadline (never a bare sleep).
 */
final class Conditions
{
    static final long DEFAULT_TIMEOUT_MS = 10_000;

    private Conditions()
    {
    }

    interface Check
    {
        boolean holds() throws Exception;
    }

    static void await(final String what, final Check condition) throws Exception
    {
        await(what, DEFAULT_TIMEOUT_MS, condition);
    }

    static void await(final String what, final long timeoutMs, final Check condition) throws Exception
    {
        final long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
        while (!condition.holds())
        {
            if (System.nanoTime() - deadline > 0)
            {
                fail("timed out after " + timeoutMs + " ms waiting for: " + what);
            }
            LockSupport.parkNanos(TimeUnit.MICROSECONDS.toNanos(200));
        }
    }
}

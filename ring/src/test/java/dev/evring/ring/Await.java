package dev.evring.ring;

import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.fail;

/**
 * Waiting on a real condition with a deadline, never on a fixed sleep.
 */
final class Await
{
    private Await()
    {
    }

    /**
     * Spin (yielding the core, which this 2-core machine shares) until the condition holds.
     *
     * @param condition what to wait for.
     * @param timeout   the longest wait.
     * @param unit      its unit.
     * @param what      describes the condition for the failure message, evaluated only on failure.
     * @throws InterruptedException if the test thread is interrupted (a JUnit timeout).
     */
    static void until(
        final BooleanSupplier condition, final long timeout, final TimeUnit unit, final Supplier<String> what)
        throws InterruptedException
    {
        final long deadline = System.nanoTime() + unit.toNanos(timeout);
        while (!condition.getAsBoolean())
        {
            if (Thread.interrupted())
            {
                throw new InterruptedException("interrupted while waiting for " + what.get());
            }
            if (System.nanoTime() - deadline >= 0)
            {
                fail("timed out after " + timeout + " " + unit + " waiting for " + what.get());
            }
            Thread.yield();
        }
    }
}

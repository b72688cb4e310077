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

    /**
     * Whether a thread is asleep waiting for an event: parked on a local doorbell (a handle of the hub's own
     * process, or a second sleeper of a remote handle), or blocked in the wait for its doorbell socket.
     *
     * @param thread the thread.
     * @return true if it is blocked in one of those waits now.
     */
    static boolean asleep(final Thread thread)
    {
        final Thread.State state = thread.getState();
        if (state == Thread.State.TIMED_WAITING || state == Thread.State.WAITING)
        {
            return true;
        }
        final StackTraceElement[] stack = thread.getStackTrace();
        boolean onBellSocket = false;
        for (final StackTraceElement frame : stack)
        {
            onBellSocket |= frame.getClassName().equals(BellSocket.class.getName())
                && frame.getMethodName().equals("sleepOnSocket");
        }
        return state == Thread.State.RUNNABLE && onBellSocket && stack.length > 0 && stack[0].isNativeMethod();
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

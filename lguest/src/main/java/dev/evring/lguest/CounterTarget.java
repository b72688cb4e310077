package dev.evring.lguest;

import dev.evring.ring.Errno;
import dev.evring.ring.LocalDoorbell;

import java.lang.invoke.VarHandle;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * An eventfd in the launcher process: each {@link #signal()} adds one to a counter; {@link #await} blocks
 * until the counter is not zero, then takes and returns its whole value, like a {@code read} of an eventfd.
 * A signaller never blocks and rings a doorbell only when a waiter sleeps.
 */
public final class CounterTarget implements NotifyTarget, AutoCloseable
{
    private final AtomicLong value = new AtomicLong();
    private final AtomicLong total = new AtomicLong();
    private final AtomicInteger sleepers = new AtomicInteger();
    private final AtomicInteger attachments = new AtomicInteger();
    private final LocalDoorbell doorbell = new LocalDoorbell();
    private volatile boolean closed;

    /**
     * {@inheritDoc}
     */
    @Override
    public void acquire() throws LguestException
    {
        if (closed)
        {
            throw new LguestException(Errno.EBADF, "counter target is closed");
        }
        attachments.incrementAndGet();
    }

    /**
     * Add one to the counter and wake a waiter.
     *
     * @return always true.
     */
    @Override
    public boolean signal()
    {
        value.incrementAndGet();
        total.incrementAndGet();
        VarHandle.fullFence(); // smp_mb__after_atomic: the count is visible before the sleeper check (pairs with await)
        if (sleepers.get() > 0)
        {
            doorbell.ring();
        }
        return true;
    }

    /**
     * {@inheritDoc}
     */
    @Override
    public void release()
    {
        attachments.decrementAndGet();
    }

    /**
     * Wait until the counter is not zero, then take its value and reset it to zero.
     *
     * @param timeout the longest wait.
     * @param unit    the unit of {@code timeout}.
     * @return the value taken, or 0 if the wait timed out.
     * @throws InterruptedException if the waiting thread is interrupted.
     */
    public long await(final long timeout, final TimeUnit unit) throws InterruptedException
    {
        final long deadline = System.nanoTime() + unit.toNanos(timeout);
        while (true)
        {
            final long taken = value.getAndSet(0);
            if (taken != 0)
            {
                return taken;
            }
            final long remaining = deadline - System.nanoTime();
            if (remaining <= 0)
            {
                return 0;
            }
            final long mark = doorbell.mark(); // before the re-check: a ring after it ends the sleep (prepare_to_wait)
            sleepers.incrementAndGet();
            try
            {
                VarHandle.fullFence(); // smp_mb: announce the sleeper before re-checking (pairs with signal)
                if (value.get() == 0)
                {
                    doorbell.await(mark, remaining);
                }
            }
            finally
            {
                sleepers.decrementAndGet();
            }
        }
    }

    /**
     * The number of signals since this target was made (never reset by {@link #await}).
     *
     * @return the total.
     */
    public long count()
    {
        return total.get();
    }

    /**
     * The number of devices this target is attached to and that have not released it yet.
     *
     * @return the attachments held.
     */
    public int attachments()
    {
        return attachments.get();
    }

    /**
     * Close the target: it can no longer be attached. Attachments already made keep working until their
     * device closes.
     */
    @Override
    public void close()
    {
        closed = true;
    }

    /**
     * {@inheritDoc}
     */
    @Override
    public String toString()
    {
        return "CounterTarget{count=" + total.get() + ", pending=" + value.get() + ", attachments="
            + attachments.get() + (closed ? ", closed}" : "}");
    }
}

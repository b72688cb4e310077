package dev.evring.ring;

import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A doorbell for a producer and readers in one process, any number of readers asleep at once. A ring
 * counts itself and wakes every reader blocked at that moment (a non-exclusive wake-up, as the kernel's
 * {@code wake_up_interruptible} on a wait queue); a reader waits until the count moves past the
 * {@link #mark()} it took before its last look at its ring, so a ring that comes between that look and the
 * sleep ends the sleep at once and none is lost, however many readers sleep and however they interleave.
 * Each wakes to look at its ring again; one that finds nothing sleeps again, as after any spurious
 * wake-up.
 *
 * <p>A doorbell that left one permit per reader blocked at the ring could lose a wake-up with three or
 * more readers: a reader that had announced itself but not yet blocked got no permit, or took one meant
 * for a blocked reader, and a burst rings only once (the ring goes from empty to non-empty once), so a
 * reader could stay asleep beside ports nobody else was going to read.
 */
public final class LocalDoorbell implements Doorbell, DoorbellWaiter
{
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition rung = lock.newCondition();
    private volatile long rings; // written under the lock only

    /**
     * {@inheritDoc}
     *
     * <p>Takes the doorbell's lock for a moment (a waiter holds it only while it checks the count).
     */
    @Override
    public void ring()
    {
        lock.lock();
        try
        {
            rings = rings + 1; // under the lock the waiters re-check it under: no waiter checks, then misses the signal
            rung.signalAll();
        }
        finally
        {
            lock.unlock();
        }
    }

    /**
     * {@inheritDoc}
     */
    @Override
    public long mark()
    {
        return rings; // volatile read: ordered before the caller's look at its ring, as prepare_to_wait before the check
    }

    /**
     * {@inheritDoc}
     */
    @Override
    public boolean await(final long mark, final long timeoutNs) throws InterruptedException
    {
        if (rings != mark)
        {
            return true;
        }
        long remaining = timeoutNs;
        lock.lockInterruptibly();
        try
        {
            while (rings == mark) // re-checked under the ringer's lock: a ring comes before this check or signals after it
            {
                if (remaining <= 0)
                {
                    return false;
                }
                remaining = rung.awaitNanos(remaining);
            }
            return true;
        }
        finally
        {
            lock.unlock();
        }
    }
}

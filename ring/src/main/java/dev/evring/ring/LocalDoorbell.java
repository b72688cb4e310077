package dev.evring.ring;

import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * A doorbell for a producer and readers in one process. A ring leaves a permit for every thread blocked
 * at that moment (at least one, so a ring just before a wait is not lost); rings that arrive while
 * permits are pending collapse into them, so a storm of rings wakes each sleeper once. A waiter that
 * takes a left-over permit merely re-checks its ring, as after any spurious wake-up.
 */
public final class LocalDoorbell implements Doorbell, DoorbellWaiter
{
    private final Semaphore permit = new Semaphore(0);

    /**
     * {@inheritDoc}
     */
    @Override
    public void ring()
    {
        if (permit.availablePermits() == 0)
        {
            permit.release(Math.max(1, permit.getQueueLength()));
        }
    }

    /**
     * {@inheritDoc}
     */
    @Override
    public boolean await(final long timeoutNs) throws InterruptedException
    {
        return permit.tryAcquire(Math.max(0L, timeoutNs), TimeUnit.NANOSECONDS);
    }
}

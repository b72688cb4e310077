package dev.evring.evtchn;

import dev.evring.ring.DoorbellWaiter;

import java.util.function.Supplier;

/**
 * A doorbell waiter that asks before each sleep whether the wait may go on: a closed handle or a failed
 * link ends it with a {@link LinkFailedException} instead of a sleep. The mark is the wrapped waiter's.
 */
final class GuardedWaiter implements DoorbellWaiter
{
    private final DoorbellWaiter waiter;
    private final Supplier<EvtchnException> failure;

    /**
     * Guard a waiter.
     *
     * @param waiter  the waiter that sleeps.
     * @param failure why the wait may not go on, or null while it may.
     */
    GuardedWaiter(final DoorbellWaiter waiter, final Supplier<EvtchnException> failure)
    {
        this.waiter = waiter;
        this.failure = failure;
    }

    /**
     * {@inheritDoc}
     */
    @Override
    public long mark()
    {
        return waiter.mark();
    }

    /**
     * {@inheritDoc}
     *
     * @throws LinkFailedException if the handle is closed or its link failed.
     */
    @Override
    public boolean await(final long mark, final long timeoutNs) throws InterruptedException
    {
        final EvtchnException cause = failure.get();
        if (cause != null)
        {
            throw new LinkFailedException(cause);
        }
        return waiter.await(mark, timeoutNs);
    }
}

package dev.evring.evtchn;

import org.agrona.concurrent.IdleStrategy;

/**
 * The idle strategy a thread waiting on an in-process handle of an invoker hub
 * ({@link RequestPolling#INVOKER}) gives its event ring's wait: each idle first runs the hub's request
 * polling once, then idles on the work it did, so a waiting domain-0 thread applies the requests whose
 * answer it waits for until it sleeps.
 */
final class HubDrivingIdleStrategy implements IdleStrategy
{
    private final IdleStrategy delegate;
    private final HubLink link;

    HubDrivingIdleStrategy(final IdleStrategy delegate, final HubLink link)
    {
        this.delegate = delegate;
        this.link = link;
    }

    /**
     * Poll the hub's requests, then idle on the work done here and by the caller.
     *
     * @param workCount the caller's work in this cycle.
     */
    @Override
    public void idle(final int workCount)
    {
        delegate.idle(workCount + link.pollHub());
    }

    /**
     * Poll the hub's requests, then idle on the work done.
     */
    @Override
    public void idle()
    {
        delegate.idle(link.pollHub());
    }

    /**
     * Reset the wrapped strategy.
     */
    @Override
    public void reset()
    {
        delegate.reset();
    }

    /**
     * {@inheritDoc}
     */
    @Override
    public String alias()
    {
        return "hub-driving-" + delegate.alias();
    }
}

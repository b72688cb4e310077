package dev.evring.evtchn;

/**
 * Who applies the unmask and notify words that remote handles post into their request rings (the
 * threading choice Aeron makes with {@code ThreadingMode} and {@code AgentInvoker}).
 */
public enum RequestPolling
{
    /**
     * The hub starts a thread of its own ({@code evtchn-hub-requests}) that polls every request ring and
     * idles with {@link HubConfig#idleStrategy(java.util.function.Supplier)}. Nothing else is needed; it
     * costs one more thread, spinning when the strategy spins.
     */
    POLLER_THREAD,
    /**
     * The hub starts no request thread: the embedding program runs the duty cycle with
     * {@link EvtchnHub#pollRequests()} from a thread of its own, and the hub's in-process handles run it
     * while they wait ({@link Evtchn#pending()} on an empty ring, the polling part of
     * {@link Evtchn#awaitPending}, and once before it sleeps). A handle asleep on its doorbell (or a selector
     * on {@link Evtchn#selectable()}) runs nothing, so while no thread polls,
     * remote handles' unmasks and notifies wait in their rings: keep some thread calling
     * {@code pollRequests} or a local handle polling. The accept, session and timer threads, the
     * heartbeat and client death detection work as in {@link #POLLER_THREAD}.
     */
    INVOKER
}

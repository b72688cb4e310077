package dev.evring.evtchn;

/**
 * The counters a hub keeps in its {@code counters.dat} file (an Agrona {@code CountersManager} layout),
 * readable from any process with {@link StatCommand} or {@link HubCounters#map(java.nio.file.Path)}.
 * The first three are gauges, the rest only grow.
 */
public enum HubCounter
{
    /** Handles attached now (remote and in-process). */
    HANDLES("handles attached"),
    /** Domains alive now, domain 0 included. */
    DOMAINS("domains alive"),
    /** Ports held by handles now. */
    PORTS_BOUND("ports bound"),
    /** Events raised on ports (notifies, virqs, timer ticks, new interdomain channels). */
    RAISED("events raised"),
    /** Ports pushed into a handle's event ring. */
    DELIVERED("ports delivered"),
    /** Events that found their port masked and were folded into its pending bit. */
    COALESCED("coalesced while masked"),
    /** Deliveries that found the event ring full (the handle is now overflowed). */
    OVERFLOWS("ring overflows"),
    /** Control requests and request-ring words handled. */
    REQUESTS("requests handled"),
    /** Doorbells rung for sleeping handles. */
    WAKEUPS("wake-ups sent"),
    /** Refused requests, bad frames, refused peers, clients cut off for breaking their own files. */
    ERRORS("errors"),
    /** Failed accepts on the hub socket (EMFILE, ENFILE, ...), each retried after a back-off. */
    ACCEPT_FAILURES("accept failures");

    private final String label;

    HubCounter(final String label)
    {
        this.label = label;
    }

    /**
     * The label written into the counters file.
     *
     * @return a short human-readable label.
     */
    public String label()
    {
        return label;
    }
}

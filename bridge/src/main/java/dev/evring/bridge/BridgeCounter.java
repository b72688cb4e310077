package dev.evring.bridge;

/**
 * The counters a bridge keeps in its hub's counters file ({@code counters.dat}, shown by {@code evring
 * stat} with the hub's own). The first one is a gauge; the rest only grow.
 */
public enum BridgeCounter
{
    /** Peers whose bridge proved the secret and is alive now. */
    PEERS_UP("bridge: peers up"),
    /** Peers lost (dead, hung or cut off, or restarted) after they were up. */
    PEERS_LOST("bridge: peers lost"),
    /** Cross-host channels put back to unbound because their peer was lost. */
    CHANNELS_LOST("bridge: channels unbound by a lost peer"),
    /** NOTIFY messages sent. */
    NOTIFIES_SENT("bridge: notifies sent"),
    /** NOTIFY messages received (fired or dropped by the hub). */
    NOTIFIES_RECEIVED("bridge: notifies received"),
    /** Notifies folded into a NOTIFY of the same port not yet sent. */
    NOTIFIES_COALESCED("bridge: notifies coalesced"),
    /** Channels connected across hosts (each hub counts its own end). */
    BINDS("bridge: binds across hosts"),
    /**
     * Hellos from unknown hosts and proofs that failed; and, while a peer is up, hellos and proofs in its name
     * from any image but its proven one (a stranger, a replay, or the peer restarted before its old stream
     * fell silent), which are not answered.
     */
    REFUSED_PEERS("bridge: refused peers"),
    /** Messages refused: malformed, out of range, or from a peer that has not proved itself. */
    MALFORMED("bridge: malformed messages"),
    /**
     * Messages refused on a proven peer's stream: a tag that fails, a sequence number out of order (a replay or
     * a gap), a malformed message, or a proof whose seal fails. Each loses the peer, which proves itself again.
     */
    FORGED("bridge: unauthenticated messages"),
    /** Offers that found the peer's stream back pressured or not connected (retried, never dropped). */
    BACK_PRESSURE("bridge: back-pressure events");

    private final String label;

    BridgeCounter(final String label)
    {
        this.label = label;
    }

    /**
     * The label in the counters file.
     *
     * @return a short human-readable label.
     */
    public String label()
    {
        return label;
    }
}

package dev.evring.bench.harness;

/**
 * The two peers of a benchmark pair. The initiator (peer A, first core) starts every exchange and takes
 * the measurements; the responder (peer B, second core) echoes or consumes.
 */
public enum PeerRole
{
    /** Peer A: sends pings or produces the stream, records the histogram or the rate. */
    INITIATOR,

    /** Peer B: echoes pings or consumes the stream. */
    RESPONDER;

    /**
     * The other peer.
     *
     * @return the partner role.
     */
    PeerRole partner()
    {
        return this == INITIATOR ? RESPONDER : INITIATOR;
    }
}

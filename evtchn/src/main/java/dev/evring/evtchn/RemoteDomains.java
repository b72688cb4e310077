package dev.evring.evtchn;

/**
 * The domains of hubs on other hosts, as a hub sees them: what the hub asks of the bridge that carries
 * them ({@code dev.evring.bridge.EvtchnBridge} implements it and attaches it with
 * {@link RemoteDomainHost#attachRemoteDomains(RemoteDomains)}).
 *
 * <p>Each peer hub's domains are mapped onto a reserved range of local domids; a port whose remote domain
 * is in such a range has its other end on another host. The hub keeps its port table as for local
 * channels ({@link PortKind#UNBOUND} naming a remote domid, {@link PortKind#INTERDOMAIN} with the remote
 * domid and the remote hub's port number) and calls this interface where a local channel would touch the
 * other end directly.
 *
 * <p>Threading: {@link #notify} and {@link #closed} are called under the hub's lock and must never block
 * (the bridge queues them for its own duty cycle); {@link #bindInterdomain} is called without the lock and
 * waits for the remote hub's answer.
 */
public interface RemoteDomains
{
    /**
     * Whether a domid stands for a domain of a remote hub.
     *
     * @param domid a domid below {@link EvtchnHub#DOMID_FIRST_RESERVED}.
     * @return true if it lies in a peer's reserved range.
     */
    boolean isRemote(int domid);

    /**
     * The hub gives its own domains domids below this limit, so that every local domain has a name on
     * the peers and no local domid falls into a peer's range; every peer's range lies at or above it.
     *
     * @return the first domid the hub must not give a local domain.
     */
    int localDomidLimit();

    /**
     * Ask the remote hub that owns {@code remotePort} to validate and connect it to a new local port (E3
     * across hosts): the remote port must be unbound for {@code domid}'s domain. Blocks for the answer, at
     * most the bridge's peer timeout.
     *
     * @param domid       the local domain that binds.
     * @param port        the new local port, allocated but not yet connected.
     * @param remoteDomid the local domid that stands for the remote domain.
     * @param remotePort  the port on the remote hub.
     * @throws EvtchnException {@link dev.evring.ring.Errno#EINVAL} if the remote port is not unbound for
     *                         this domain, {@link dev.evring.ring.Errno#ESRCH} if the remote domain does
     *                         not exist, {@link dev.evring.ring.Errno#ENOTCONN} if the peer is not up,
     *                         {@link dev.evring.ring.Errno#ETIMEDOUT} without an answer in time.
     */
    void bindInterdomain(int domid, int port, int remoteDomid, int remotePort) throws EvtchnException;

    /**
     * A notify on a local port whose other end is remote: fire that end. Called under the hub's lock;
     * never blocks.
     *
     * @param port        the local port notified.
     * @param domid       the local domain that owns it.
     * @param remoteDomid the local domid that stands for the remote domain.
     * @param remotePort  the port on the remote hub.
     */
    void notify(int port, int domid, int remoteDomid, int remotePort);

    /**
     * A local port whose other end is remote was closed (unbind, close, death of its handle or domain):
     * the remote end goes back to unbound (E17, E22). Called under the hub's lock; never blocks.
     *
     * @param port        the local port, now free.
     * @param domid       the local domain that owned it.
     * @param remoteDomid the local domid that stands for the remote domain.
     * @param remotePort  the port on the remote hub.
     */
    void closed(int port, int domid, int remoteDomid, int remotePort);

    /**
     * The hub is closing: its counters file is about to be unmapped. The bridge stops touching the hub's
     * counters and its duty cycle before this returns. Called without the hub's lock.
     */
    void hubClosed();
}

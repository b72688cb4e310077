package dev.evring.evtchn;

/**
 * A hub that can carry channels to domains of other hosts: the one hook a bridge needs ({@link EvtchnHub}
 * implements it).
 */
public interface RemoteDomainHost
{
    /**
     * Attach the remote domains a bridge carries. From then on the hub asks {@code domains} about domids
     * in the peers' ranges, and the bridge calls the returned {@link RemotePorts} for what arrives.
     *
     * @param domains the bridge's remote domains.
     * @return the hub's side, for the bridge.
     * @throws EvtchnException {@link dev.evring.ring.Errno#EBUSY} if a bridge is attached already,
     *                         {@link dev.evring.ring.Errno#EEXIST} if a local domain already holds a domid
     *                         in a peer's range, {@link dev.evring.ring.Errno#ENODEV} if the hub is closed.
     */
    RemotePorts attachRemoteDomains(RemoteDomains domains) throws EvtchnException;
}

package dev.evring.evtchn;

import dev.evring.ring.Errno;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.status.AtomicCounter;

import java.nio.file.Path;

/**
 * The hub's side of a bridge: each call is one short hold of the hub's lock.
 */
final class HubRemotePorts implements RemotePorts
{
    private final HubConductor hub;
    private final RemoteDomains bridge;

    HubRemotePorts(final HubConductor hub, final RemoteDomains bridge)
    {
        this.hub = hub;
        this.bridge = bridge;
    }

    @Override
    public Path directory()
    {
        return hub.directory();
    }

    @Override
    public AtomicCounter newCounter(final String label)
    {
        return hub.newCounter(label);
    }

    @Override
    public AtomicCounter newCounter(final int typeId, final DirectBuffer key, final String label)
    {
        return hub.newCounter(typeId, key, label);
    }

    @Override
    public Errno connect(final int domid, final int port, final int remoteDomid, final int remotePort)
    {
        return hub.connectRemote(domid, port, remoteDomid, remotePort);
    }

    @Override
    public boolean fire(final int port, final int remoteDomid, final int remotePort)
    {
        return hub.fireFromRemote(port, remoteDomid, remotePort);
    }

    @Override
    public boolean disconnect(final int port, final int remoteDomid, final int remotePort)
    {
        return hub.disconnectRemote(port, remoteDomid, remotePort);
    }

    @Override
    public int disconnectAll(final int fromDomid, final int toDomid)
    {
        return hub.disconnectRemoteRange(fromDomid, toDomid);
    }

    @Override
    public void detach()
    {
        hub.detachRemote(bridge);
    }
}

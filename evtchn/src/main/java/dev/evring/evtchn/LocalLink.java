package dev.evring.evtchn;

import dev.evring.ring.DoorbellWaiter;
import dev.evring.ring.Errno;
import dev.evring.ring.PortRing;

/**
 * An in-process handle's link: requests are direct calls on the hub, under its lock; the event ring
 * lives in this process's memory and the hub rings a local doorbell. The handle of an invoker hub runs
 * the hub's request polling while it waits.
 */
final class LocalLink implements HubLink
{
    private final HubConductor hub;
    private final HubHandle handle;
    private final DoorbellWaiter waiter;
    private final boolean drivesHub;

    LocalLink(final HubConductor hub, final HubHandle handle)
    {
        this.hub = hub;
        this.handle = handle;
        this.drivesHub = hub.config().requestPolling() == RequestPolling.INVOKER;
        this.waiter = new GuardedWaiter(handle.localDoorbell, this::failure);
    }

    @Override
    public int domid()
    {
        return handle.domid();
    }

    @Override
    public int maxPorts()
    {
        return hub.config().maxPorts();
    }

    @Override
    public int control(final int op, final int a, final int b) throws EvtchnException
    {
        return hub.control(handle, op, a, b);
    }

    @Override
    public void post(final int ringOp, final int port) throws EvtchnException
    {
        hub.post(handle, Protocol.ringWord(ringOp, port));
    }

    @Override
    public PortRing events()
    {
        return handle.events;
    }

    @Override
    public DoorbellWaiter waiter()
    {
        return waiter;
    }

    @Override
    public EvtchnException failure()
    {
        return handle.released
            ? new EvtchnException(Errno.ENODEV, "the hub at " + hub.directory() + " was closed; open a new handle "
                + "once a hub runs again")
            : null;
    }

    @Override
    public int pollHub()
    {
        return drivesHub ? hub.poller().dutyCycle() : 0;
    }

    @Override
    public void wake()
    {
        handle.localDoorbell.ring();
    }

    @Override
    public void close()
    {
        hub.release(handle);
    }
}

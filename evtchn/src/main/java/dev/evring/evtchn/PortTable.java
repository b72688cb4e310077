package dev.evring.evtchn;

import dev.evring.ring.Errno;
import dev.evring.ring.PortRing;
import dev.evring.ring.RingException;
import org.agrona.collections.Int2ObjectHashMap;
import org.agrona.concurrent.status.AtomicCounter;

import java.util.Arrays;
import java.util.BitSet;

/**
 * The hub's port table and domains: what the hypervisor's event-channel code and the kernel's
 * {@code evtchn.c} keep between them, with one small function per operation (bind, unbind, notify,
 * unmask, restrict, fire, deliver, close a port). Every method runs under the hub's lock
 * ({@link HubConductor}), which orders binds, unbinds, deliveries and unmasks (the kernel's
 * {@code bind_mutex} and {@code ring_prod_lock} in one).
 *
 * <p>Nothing here reads a client's mapping except through its {@link EventRings event ring}, whose
 * capacity the hub keeps on its own side: a port is pushed with {@link PortRing#offer(int)} by the ring's
 * exclusive producer, which masks the slot with the size the hub set. A ring that fails (its client
 * truncated it) is {@link DamagedHandles reported} and the operation goes on for everybody else.
 */
final class PortTable
{
    private final int maxPorts;
    private final EventRings rings;
    private final PortKind[] kind;
    private final int[] portDomain;
    private final int[] remoteDomain;
    private final int[] remotePort;
    private final Virq[] portVirq;
    private final HubHandle[] holder;
    private final boolean[] staticBinding;
    private final boolean[] enabled;
    private final boolean[] pending;
    private final BitSet allocated;
    private final DamagedHandles damaged;
    private final Int2ObjectHashMap<Domain> domains = new Int2ObjectHashMap<>();
    private final int[] globalVirqDomain = new int[Virq.COUNT];
    private final AtomicCounter boundCounter;
    private final AtomicCounter raisedCounter;
    private final AtomicCounter deliveredCounter;
    private final AtomicCounter coalescedCounter;
    private final AtomicCounter overflowsCounter;
    private int lowestFree = 1;
    private RemoteDomains remote;

    PortTable(final int maxPorts, final EventRings rings, final DamagedHandles damaged, final HubCounters counters)
    {
        this.maxPorts = maxPorts;
        this.rings = rings;
        this.damaged = damaged;
        this.kind = new PortKind[maxPorts];
        Arrays.fill(kind, PortKind.FREE);
        this.portDomain = new int[maxPorts];
        this.remoteDomain = new int[maxPorts];
        this.remotePort = new int[maxPorts];
        this.portVirq = new Virq[maxPorts];
        this.holder = new HubHandle[maxPorts];
        this.staticBinding = new boolean[maxPorts];
        this.enabled = new boolean[maxPorts];
        this.pending = new boolean[maxPorts];
        this.allocated = new BitSet(maxPorts);
        allocated.set(0);
        Arrays.fill(globalVirqDomain, -1);
        this.boundCounter = counters.counter(HubCounter.PORTS_BOUND);
        this.raisedCounter = counters.counter(HubCounter.RAISED);
        this.deliveredCounter = counters.counter(HubCounter.DELIVERED);
        this.coalescedCounter = counters.counter(HubCounter.COALESCED);
        this.overflowsCounter = counters.counter(HubCounter.OVERFLOWS);
    }

    // ----------------------------------------------------------------------------------------------
    // domains
    // ----------------------------------------------------------------------------------------------

    Domain domain(final int domid)
    {
        return domains.get(domid);
    }

    boolean hasDomain(final int domid)
    {
        return domains.containsKey(domid);
    }

    void addDomain(final Domain domain)
    {
        domains.put(domain.domid, domain);
    }

    /**
     * End a domain whose last handle went: its ports close, static ones included.
     */
    void endDomain(final Domain domain)
    {
        for (final int port : domain.ports.toArray(new Integer[0]))
        {
            closePort(port);
        }
        domains.remove(domain.domid);
    }

    // ----------------------------------------------------------------------------------------------
    // the hub's own operations
    // ----------------------------------------------------------------------------------------------

    /**
     * Fire the port a domain bound for a virq (a global virq: whichever domain bound it).
     *
     * @return false if nobody bound the virq there.
     */
    boolean raiseVirq(final int domid, final Virq virq)
    {
        final int number = virq.number();
        final Domain target = virq.isGlobal()
            ? domains.get(globalVirqDomain[number])
            : domains.get(domid == EvtchnHub.DOMID_SELF ? EvtchnHub.HUB_DOMID : domid);
        if (target == null || target.virqPorts[number] == 0)
        {
            return false;
        }
        fire(target.virqPorts[number]);
        return true;
    }

    /**
     * Fire every domain's timer virq (one tick of {@link Virq#TIMER}).
     */
    void tickTimers()
    {
        for (final Domain domain : domains.values())
        {
            final int port = domain.virqPorts[Virq.TIMER.number()];
            if (port != 0)
            {
                fire(port);
            }
        }
    }

    int allocUnboundPort(final int domid, final int remoteDomid) throws EvtchnException
    {
        final Domain domain = domains.get(domid);
        if (domain == null)
        {
            throw ErrorText.exception(Protocol.OP_BIND_UNBOUND_PORT, Errno.ESRCH, domid, 0);
        }
        final int remote = remoteDomid == EvtchnHub.DOMID_SELF ? domid : remoteDomid;
        if (remote < 0 || remote >= EvtchnHub.DOMID_FIRST_RESERVED)
        {
            throw ErrorText.exception(Protocol.OP_BIND_UNBOUND_PORT, Errno.EINVAL, remoteDomid, 0);
        }
        final int port = allocatePort(domain);
        kind[port] = PortKind.UNBOUND;
        remoteDomain[port] = remote;
        return port;
    }

    PortStatus status(final int port)
    {
        final HubHandle owner = holder[port];
        final PortKind k = kind[port];
        return new PortStatus(
            port, k, k == PortKind.FREE ? -1 : portDomain[port],
            k == PortKind.UNBOUND || k == PortKind.INTERDOMAIN ? remoteDomain[port] : -1,
            k == PortKind.INTERDOMAIN ? remotePort[port] : 0, k == PortKind.VIRQ ? portVirq[port] : null,
            owner == null ? -1 : owner.domid(), staticBinding[port], enabled[port], pending[port]);
    }

    int allocatedPorts()
    {
        return allocated.cardinality() - 1;
    }

    // ----------------------------------------------------------------------------------------------
    // a handle's requests (the kernel's ioctls)
    // ----------------------------------------------------------------------------------------------

    int bindUnboundPort(final HubHandle handle, final int remoteDomid) throws EvtchnException
    {
        final int op = Protocol.OP_BIND_UNBOUND_PORT;
        if (handle.restrictDomid != HubHandle.UNRESTRICTED)
        {
            throw ErrorText.exception(op, Errno.EACCES, remoteDomid, 0);
        }
        final int remote = remoteDomid == EvtchnHub.DOMID_SELF ? handle.domid() : remoteDomid;
        if (remote < 0 || remote >= EvtchnHub.DOMID_FIRST_RESERVED)
        {
            throw ErrorText.exception(op, Errno.EINVAL, remoteDomid, 0);
        }
        final int port = allocatePort(handle.domain);
        kind[port] = PortKind.UNBOUND;
        remoteDomain[port] = remote;
        attach(handle, port, false);
        return port;
    }

    int bindInterdomain(final HubHandle handle, final int remoteDomid, final int rport) throws EvtchnException
    {
        final int op = Protocol.OP_BIND_INTERDOMAIN;
        if (handle.restrictDomid != HubHandle.UNRESTRICTED && handle.restrictDomid != remoteDomid)
        {
            throw ErrorText.exception(op, Errno.EACCES, remoteDomid, rport);
        }
        final int rdom = remoteDomid == EvtchnHub.DOMID_SELF ? handle.domid() : remoteDomid;
        if (!domains.containsKey(rdom))
        {
            throw ErrorText.exception(op, Errno.ESRCH, remoteDomid, rport);
        }
        if (rport <= 0 || rport >= maxPorts || kind[rport] != PortKind.UNBOUND || portDomain[rport] != rdom
            || remoteDomain[rport] != handle.domid())
        {
            throw ErrorText.exception(op, Errno.EINVAL, remoteDomid, rport);
        }
        final int lport = allocatePort(handle.domain);
        kind[lport] = PortKind.INTERDOMAIN;
        remoteDomain[lport] = rdom;
        remotePort[lport] = rport;
        kind[rport] = PortKind.INTERDOMAIN;
        remoteDomain[rport] = handle.domid();
        remotePort[rport] = lport;
        pending[lport] = true; // like Xen: a new channel starts with its local end pending
        raisedCounter.incrementRelease();
        attach(handle, lport, false);
        return lport;
    }

    int bindVirq(final HubHandle handle, final int number) throws EvtchnException
    {
        final int op = Protocol.OP_BIND_VIRQ;
        if (handle.restrictDomid != HubHandle.UNRESTRICTED)
        {
            throw ErrorText.exception(op, Errno.EACCES, number, 0);
        }
        final Virq virq = Virq.ofNumber(number);
        if (virq == null)
        {
            throw ErrorText.exception(op, Errno.EINVAL, number, 0);
        }
        final Domain domain = handle.domain;
        if (domain.virqPorts[number] != 0)
        {
            throw ErrorText.exception(op, Errno.EEXIST, number, 0);
        }
        if (virq.isGlobal() && globalVirqDomain[number] >= 0)
        {
            throw ErrorText.exception(op, Errno.EBUSY, number, 0);
        }
        final int port = allocatePort(domain);
        kind[port] = PortKind.VIRQ;
        portVirq[port] = virq;
        domain.virqPorts[number] = port;
        if (virq.isGlobal())
        {
            globalVirqDomain[number] = domain.domid;
        }
        attach(handle, port, false);
        return port;
    }

    int bindStatic(final HubHandle handle, final int port) throws EvtchnException
    {
        final int op = Protocol.OP_BIND_STATIC;
        final boolean inRange = port > 0 && port < maxPorts;
        if (inRange && holder[port] == handle)
        {
            throw ErrorText.exception(op, Errno.EISCONN, port, 0);
        }
        if (!inRange || kind[port] == PortKind.FREE || portDomain[port] != handle.domid())
        {
            throw ErrorText.exception(op, Errno.EINVAL, port, 0);
        }
        if (holder[port] != null)
        {
            throw ErrorText.exception(op, Errno.EBUSY, port, 0);
        }
        attach(handle, port, true);
        return 0;
    }

    int unbind(final HubHandle handle, final int port) throws EvtchnException
    {
        if (port < 0 || port >= maxPorts)
        {
            throw ErrorText.exception(Protocol.OP_UNBIND, Errno.EINVAL, port, 0);
        }
        if (holder[port] != handle)
        {
            throw ErrorText.exception(Protocol.OP_UNBIND, Errno.ENOTCONN, port, 0);
        }
        detach(handle, port, true);
        return 0;
    }

    int notify(final HubHandle handle, final int port) throws EvtchnException
    {
        if (port <= 0 || port >= maxPorts || holder[port] != handle)
        {
            throw ErrorText.exception(Protocol.OP_NOTIFY, Errno.ENOTCONN, port, 0);
        }
        switch (kind[port])
        {
            case INTERDOMAIN:
                fireOtherEnd(port);
                return 0;
            case VIRQ:
                throw ErrorText.exception(Protocol.OP_NOTIFY, Errno.EINVAL, port, 0);
            default:
                return 0; // an unbound port has nobody to tell: the event is dropped, as in Xen
        }
    }

    /**
     * A notify word from a handle's request ring: fire the remote end of its interdomain port.
     *
     * @return false if the handle does not hold the port (it checked before posting: a forged word).
     */
    boolean notifyFrom(final HubHandle handle, final int port)
    {
        if (port >= maxPorts || holder[port] != handle)
        {
            return false;
        }
        if (kind[port] == PortKind.INTERDOMAIN)
        {
            fireOtherEnd(port);
        }
        return true;
    }

    void unmask(final HubHandle handle, final int port)
    {
        if (port > 0 && port < maxPorts && holder[port] == handle && !enabled[port])
        {
            enabled[port] = true;
            if (pending[port])
            {
                pending[port] = false;
                deliver(handle, port);
            }
        }
    }

    int restrict(final HubHandle handle, final int domid) throws EvtchnException
    {
        if (handle.restrictDomid != HubHandle.UNRESTRICTED)
        {
            throw ErrorText.exception(Protocol.OP_RESTRICT, Errno.EACCES, domid, 0);
        }
        if (domid <= 0 || domid >= EvtchnHub.DOMID_FIRST_RESERVED)
        {
            throw ErrorText.exception(Protocol.OP_RESTRICT, Errno.EINVAL, domid, 0);
        }
        handle.restrictDomid = domid;
        return 0;
    }

    /**
     * Let go of every port a released handle holds, closing all but static ones.
     */
    void detachAll(final HubHandle handle)
    {
        for (final int port : handle.ports.toArray(new Integer[0]))
        {
            detach(handle, port, false);
        }
    }

    // ----------------------------------------------------------------------------------------------
    // the table itself
    // ----------------------------------------------------------------------------------------------

    private int allocatePort(final Domain domain) throws EvtchnException
    {
        final int port = allocated.nextClearBit(lowestFree);
        if (port >= maxPorts)
        {
            throw ErrorText.exception(Protocol.OP_BIND_UNBOUND_PORT, Errno.ENOSPC, 0, 0);
        }
        allocated.set(port);
        lowestFree = port + 1;
        portDomain[port] = domain.domid;
        domain.ports.add(port);
        return port;
    }

    /**
     * Give a port to a handle, after making room in its event ring for one more bound port (E1); a bind
     * that cannot have the room is undone and fails (ENOMEM, or ENOSPC when the disk is full).
     */
    private void attach(final HubHandle handle, final int port, final boolean isStatic) throws EvtchnException
    {
        holder[port] = handle;
        staticBinding[port] = isStatic;
        enabled[port] = true;
        handle.ports.add(port);
        try
        {
            rings.ensureRoom(handle);
        }
        catch (final EvtchnException ex)
        {
            holder[port] = null;
            staticBinding[port] = false;
            enabled[port] = false;
            handle.ports.remove(port);
            if (!isStatic)
            {
                closePort(port);
            }
            throw ex;
        }
        boundCounter.incrementRelease();
        if (pending[port])
        {
            pending[port] = false;
            deliver(handle, port);
        }
    }

    private void detach(final HubHandle handle, final int port, final boolean scrub)
    {
        final boolean mayBeInRing = !enabled[port];
        holder[port] = null;
        enabled[port] = false;
        handle.ports.remove(port);
        boundCounter.getAndAddRelease(-1);
        if (scrub && mayBeInRing)
        {
            rings.scrub(handle, port);
        }
        if (staticBinding[port])
        {
            staticBinding[port] = false;
        }
        else
        {
            closePort(port);
        }
    }

    /**
     * Close a port (Xen's {@code evtchn_close}): the peer of an interdomain port goes back to unbound,
     * waiting for the closer's domain (E17); a virq is released; anything pending is dropped.
     */
    private void closePort(final int port)
    {
        switch (kind[port])
        {
            case INTERDOMAIN:
                unbindPeer(port);
                break;
            case VIRQ:
                releaseVirq(port);
                break;
            default:
                break;
        }
        final Domain domain = domains.get(portDomain[port]);
        if (domain != null)
        {
            domain.ports.remove(port);
        }
        kind[port] = PortKind.FREE;
        portDomain[port] = 0;
        remoteDomain[port] = 0;
        remotePort[port] = 0;
        portVirq[port] = null;
        pending[port] = false;
        enabled[port] = false;
        allocated.clear(port);
        lowestFree = Math.min(lowestFree, port);
    }

    private void unbindPeer(final int port)
    {
        final int peer = remotePort[port];
        if (isRemote(remoteDomain[port]))
        {
            remote.closed(port, portDomain[port], remoteDomain[port], peer);
        }
        else if (kind[peer] == PortKind.INTERDOMAIN && remotePort[peer] == port)
        {
            kind[peer] = PortKind.UNBOUND;
            remoteDomain[peer] = portDomain[port];
            remotePort[peer] = 0;
        }
    }

    private void releaseVirq(final int port)
    {
        final int number = portVirq[port].number();
        final Domain domain = domains.get(portDomain[port]);
        if (domain != null && domain.virqPorts[number] == port)
        {
            domain.virqPorts[number] = 0;
        }
        if (globalVirqDomain[number] == portDomain[port] && portVirq[port].isGlobal())
        {
            globalVirqDomain[number] = -1;
        }
    }

    /**
     * An event on a port (Xen's set-pending, then the kernel's {@code evtchn_interrupt}): an enabled port
     * held by a handle is disabled and pushed into the handle's ring; otherwise it is remembered once as
     * pending (E8, E9).
     */
    private void fire(final int port)
    {
        if (kind[port] == PortKind.FREE)
        {
            return;
        }
        raisedCounter.incrementRelease();
        final HubHandle handle = holder[port];
        if (handle != null && enabled[port])
        {
            deliver(handle, port);
        }
        else
        {
            pending[port] = true;
            coalescedCounter.incrementRelease();
        }
    }

    /**
     * Fire the other end of an interdomain port: a local port, or through the bridge a port of another host.
     */
    private void fireOtherEnd(final int port)
    {
        if (isRemote(remoteDomain[port]))
        {
            remote.notify(port, portDomain[port], remoteDomain[port], remotePort[port]);
        }
        else
        {
            fire(remotePort[port]);
        }
    }

    private void deliver(final HubHandle handle, final int port)
    {
        enabled[port] = false;
        final boolean offered;
        try
        {
            offered = handle.events.offer(port);
        }
        catch (final RingException ex) // the client cut its ring's pages: its handle goes, the event with it
        {
            damaged.report(handle, ex);
            return;
        }
        if (offered)
        {
            deliveredCounter.incrementRelease();
        }
        else
        {
            overflowsCounter.incrementRelease();
        }
    }

    // ----------------------------------------------------------------------------------------------
    // remote domains: channels to hubs on other hosts, carried by a bridge (B2)
    // ----------------------------------------------------------------------------------------------

    void remoteDomains(final RemoteDomains domains)
    {
        remote = domains;
    }

    private boolean isRemote(final int domid)
    {
        return remote != null && remote.isRemote(domid);
    }

    /**
     * The first half of bindInterdomain to a remote domain: a new port of the handle's domain, unbound for
     * {@link EvtchnHub#DOMID_FIRST_RESERVED} (which no domain can connect to) while the remote hub answers.
     */
    int setAside(final HubHandle handle, final int remoteDomid, final int rport) throws EvtchnException
    {
        if (handle.restrictDomid != HubHandle.UNRESTRICTED && handle.restrictDomid != remoteDomid)
        {
            throw ErrorText.exception(Protocol.OP_BIND_INTERDOMAIN, Errno.EACCES, remoteDomid, rport);
        }
        final int lport = allocatePort(handle.domain);
        kind[lport] = PortKind.UNBOUND;
        remoteDomain[lport] = EvtchnHub.DOMID_FIRST_RESERVED;
        remotePort[lport] = rport;
        return lport;
    }

    /**
     * Whether {@code lport} is still the port {@link #setAside} made for this handle's domain.
     */
    boolean isSetAside(final HubHandle handle, final int lport, final int rport)
    {
        return kind[lport] == PortKind.UNBOUND && remoteDomain[lport] == EvtchnHub.DOMID_FIRST_RESERVED
            && portDomain[lport] == handle.domid() && remotePort[lport] == rport;
    }

    void freeSetAside(final int lport)
    {
        closePort(lport);
    }

    /**
     * The second half, once the remote hub connected its end: the port is connected, given to the handle
     * and left pending (E3); a notify from the remote end in between is covered by that first delivery.
     */
    int connectSetAside(final HubHandle handle, final int lport, final int remoteDomid) throws EvtchnException
    {
        kind[lport] = PortKind.INTERDOMAIN;
        remoteDomain[lport] = remoteDomid;
        pending[lport] = true; // like Xen: a new channel starts with its local end pending
        raisedCounter.incrementRelease();
        attach(handle, lport, false);
        return lport;
    }

    /**
     * A remote domain binds to a local port: it must be unbound for that remote domain (E3).
     *
     * @return null when connected, else the refusal.
     */
    Errno connectFromRemote(final int domid, final int port, final int remoteDomid, final int rport)
    {
        if (!domains.containsKey(domid))
        {
            return Errno.ESRCH;
        }
        if (port <= 0 || port >= maxPorts || kind[port] != PortKind.UNBOUND || portDomain[port] != domid
            || remoteDomain[port] != remoteDomid)
        {
            return Errno.EINVAL;
        }
        kind[port] = PortKind.INTERDOMAIN;
        remotePort[port] = rport;
        return null;
    }

    boolean fireFromRemote(final int port, final int remoteDomid, final int rport)
    {
        if (!isConnectedTo(port, remoteDomid, rport))
        {
            return false;
        }
        fire(port);
        return true;
    }

    /**
     * The remote end closed: back to unbound, waiting for the closer's domain again (E17).
     */
    boolean disconnectFromRemote(final int port, final int remoteDomid, final int rport)
    {
        if (!isConnectedTo(port, remoteDomid, rport))
        {
            return false;
        }
        kind[port] = PortKind.UNBOUND;
        remotePort[port] = 0;
        return true;
    }

    /**
     * A peer is lost: every port connected to a domain of its range goes back to unbound (B5).
     */
    int disconnectRemote(final int fromDomid, final int toDomid)
    {
        int count = 0;
        for (int port = allocated.nextSetBit(1); port >= 0; port = allocated.nextSetBit(port + 1))
        {
            if (kind[port] == PortKind.INTERDOMAIN && remoteDomain[port] >= fromDomid && remoteDomain[port] < toDomid)
            {
                kind[port] = PortKind.UNBOUND;
                remotePort[port] = 0;
                count++;
            }
        }
        return count;
    }

    private boolean isConnectedTo(final int port, final int remoteDomid, final int rport)
    {
        return port > 0 && port < maxPorts && kind[port] == PortKind.INTERDOMAIN
            && remoteDomain[port] == remoteDomid && remotePort[port] == rport;
    }
}

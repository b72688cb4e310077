package dev.evring.evtchn;

import dev.evring.ring.Errno;
import dev.evring.ring.ErrnoException;
import dev.evring.ring.PortRing;
import dev.evring.ring.ReaderWaiting;
import org.agrona.DirectBuffer;
import org.agrona.collections.Long2ObjectHashMap;
import org.agrona.concurrent.status.AtomicCounter;
import org.agrona.concurrent.status.CountersReader;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The hub's conductor (the role of Aeron's driver conductor): the one lock, the handles and the domains
 * of their processes, and the handling of every request a handle makes, whichever way it came (a
 * control frame from a {@link HubSession}, a word from a request ring through the {@link RequestPoller},
 * a direct call from a {@link LocalLink}). The operations themselves are the {@link PortTable}'s.
 *
 * <p><b>Containment (H1, H2).</b> A client that breaks the memory it shares with the hub loses its own
 * handle and nothing else: a ring that fails inside an operation is {@link DamagedHandles reported} and
 * its handle faulted (told why, released, counted as an error, its files removed) as soon as the
 * operation is done; any other failure inside an operation is contained the same way, charging the
 * handles whose files are no longer whole or, if none, the handle that made the request. No failure of
 * one session leaves this class as anything but an error for that session.
 */
final class HubConductor
{
    /** A late fault is raised once: a release it interrupted completes at the next attempt. */
    private static final int RELEASE_ATTEMPTS = 3;

    private final Object lock = new Object(); // orders every change to the port table and the handles
    private final HubConfig config;
    private final Path directory;
    private final HubCounters counters;
    private final PortTable ports;
    private final EventRings rings;
    private final DamagedHandles damaged = new DamagedHandles();
    private final PostedWords posted;
    private final RequestPoller poller;
    private final AtomicCounter handlesCounter;
    private final AtomicCounter domainsCounter;
    private final AtomicCounter requestsCounter;
    private final AtomicCounter errorsCounter;
    private final Long2ObjectHashMap<Domain> domainsByPid = new Long2ObjectHashMap<>();
    private final List<HubHandle> handles = new ArrayList<>();
    private final AtomicLong nextHandleId = new AtomicLong(1);
    private int nextDomid = 1;
    private boolean closed;
    private volatile RemoteDomains remote;

    HubConductor(final HubConfig config, final Path directory, final HubCounters counters)
    {
        this.config = config;
        this.directory = directory;
        this.counters = counters;
        this.rings = new EventRings(directory, config.ringCapacityLimit(), damaged, counters);
        this.ports = new PortTable(config.maxPorts(), rings, damaged, counters);
        this.posted = new PostedWords(ports, damaged, counters);
        this.poller = new RequestPoller(this, config);
        this.handlesCounter = counters.counter(HubCounter.HANDLES);
        this.domainsCounter = counters.counter(HubCounter.DOMAINS);
        this.requestsCounter = counters.counter(HubCounter.REQUESTS);
        this.errorsCounter = counters.counter(HubCounter.ERRORS);
        ports.addDomain(new Domain(EvtchnHub.HUB_DOMID, Domain.HUB_PID));
        domainsCounter.setRelease(1);
    }

    HubConfig config()
    {
        return config;
    }

    Path directory()
    {
        return directory;
    }

    RequestPoller poller()
    {
        return poller;
    }

    // ----------------------------------------------------------------------------------------------
    // the hub's own calls (EvtchnHub's public API)
    // ----------------------------------------------------------------------------------------------

    HubHandle openLocal() throws EvtchnException
    {
        synchronized (lock)
        {
            checkOpen();
            final HubHandle handle = new HubHandle(
                nextHandleId.getAndIncrement(), ports.domain(EvtchnHub.HUB_DOMID), null);
            handles.add(handle);
            handlesCounter.incrementRelease();
            return handle;
        }
    }

    boolean raiseVirq(final int domid, final Virq virq) throws EvtchnException
    {
        synchronized (lock)
        {
            checkOpen();
            try
            {
                return ports.raiseVirq(domid, virq);
            }
            finally
            {
                faultDamaged();
            }
        }
    }

    int allocUnboundPort(final int domid, final int remoteDomid) throws EvtchnException
    {
        synchronized (lock)
        {
            checkOpen();
            return ports.allocUnboundPort(domid, remoteDomid);
        }
    }

    PortStatus portStatus(final int port)
    {
        synchronized (lock)
        {
            return ports.status(port);
        }
    }

    int handleCount()
    {
        synchronized (lock)
        {
            return handles.size();
        }
    }

    long handleIdOf(final int domid)
    {
        synchronized (lock)
        {
            for (final HubHandle handle : handles)
            {
                if (!handle.isLocal() && handle.domid() == domid)
                {
                    return handle.id;
                }
            }
            return -1;
        }
    }

    int allocatedPorts()
    {
        synchronized (lock)
        {
            return ports.allocatedPorts();
        }
    }

    long counter(final HubCounter counter)
    {
        synchronized (lock)
        {
            return closed ? -1 : counters.counter(counter).get();
        }
    }

    /**
     * One tick of {@link Virq#TIMER} for every domain that bound it. Never throws: a failure is contained
     * (a periodic task that threw would never run again).
     */
    void tickTimers()
    {
        synchronized (lock)
        {
            if (closed)
            {
                return;
            }
            try
            {
                ports.tickTimers();
            }
            catch (final RuntimeException | Error ex)
            {
                contain(null, ex);
            }
            finally
            {
                faultDamaged();
            }
        }
    }

    /**
     * Mark the hub closed: every later request fails with ENODEV.
     *
     * @return the handles attached now, to release; null if the hub was closed already.
     */
    List<HubHandle> close()
    {
        synchronized (lock)
        {
            if (closed)
            {
                return null;
            }
            closed = true;
            return new ArrayList<>(handles);
        }
    }

    private void checkOpen() throws EvtchnException
    {
        if (closed)
        {
            throw new EvtchnException(Errno.ENODEV, "the hub at " + directory + " is closed");
        }
    }

    // ----------------------------------------------------------------------------------------------
    // requests (the kernel's ioctls), for in-process and remote handles alike
    // ----------------------------------------------------------------------------------------------

    int control(final HubHandle handle, final int op, final int a, final int b) throws EvtchnException
    {
        final RemoteDomains bridge = remote;
        if (op == Protocol.OP_BIND_INTERDOMAIN && bridge != null && bridge.isRemote(a))
        {
            return bindRemote(handle, bridge, a, b);
        }
        final PortRing fresh = op <= Protocol.OP_BIND_STATIC ? rings.prepare(handle) : null; // file work: no lock
        return locked(handle, op, fresh, () -> controlLocked(handle, op, a, b));
    }

    /**
     * A step of a handle's request, under the lock, with the event ring made for it outside the lock (if
     * any): a failure no check foresaw is contained (the handles it damaged are faulted) and the request
     * fails with EFAULT.
     */
    private int locked(final HubHandle handle, final int op, final PortRing fresh, final LockedStep step)
        throws EvtchnException
    {
        synchronized (lock)
        {
            try
            {
                handle.freshEvents = fresh;
                return step.run();
            }
            catch (final RuntimeException | Error ex)
            {
                contain(handle, ex);
                throw new EvtchnException(Errno.EFAULT, "the hub failed on request op " + op + ": " + ex, ex);
            }
            finally
            {
                rings.discardFresh(handle);
                faultDamaged();
            }
        }
    }

    /**
     * What {@link #locked} runs.
     */
    private interface LockedStep
    {
        int run() throws EvtchnException;
    }

    private int controlLocked(final HubHandle handle, final int op, final int a, final int b) throws EvtchnException
    {
        admit(handle, op, a, b);
        try
        {
            return dispatch(handle, op, a, b);
        }
        catch (final EvtchnException ex)
        {
            errorsCounter.incrementRelease();
            throw ex;
        }
    }

    /**
     * Before a control request, under the lock: the handle must be open, and the words it posted earlier
     * take effect first.
     */
    private void admit(final HubHandle handle, final int op, final int a, final int b) throws EvtchnException
    {
        if (handle.released)
        {
            throw ErrorText.exception(op, closed ? Errno.ENODEV : Errno.EBADF, a, b);
        }
        if (handle.requests != null)
        {
            posted.drain(handle, config.requestRingCapacity());
            if (handle.damage != null)
            {
                throw ErrorText.exception(op, Errno.EBADF, a, b); // it is cut off as this request ends
            }
        }
        requestsCounter.incrementRelease();
    }

    /**
     * bindInterdomain to a domain of another host (B2): a port is set aside under the lock, the remote hub
     * validates and connects its end while the lock is free (the bridge waits for its answer), then the
     * port is connected and given to the handle under the lock again. If the handle went meanwhile, the
     * remote end is put back to unbound.
     */
    private int bindRemote(final HubHandle handle, final RemoteDomains bridge, final int remoteDomid, final int rport)
        throws EvtchnException
    {
        final int op = Protocol.OP_BIND_INTERDOMAIN;
        final int lport = locked(handle, op, null, () ->
        {
            admit(handle, op, remoteDomid, rport);
            try
            {
                return ports.setAside(handle, remoteDomid, rport);
            }
            catch (final EvtchnException ex)
            {
                errorsCounter.incrementRelease();
                throw ex;
            }
        });
        try
        {
            bridge.bindInterdomain(handle.domid(), lport, remoteDomid, rport);
        }
        catch (final EvtchnException ex)
        {
            synchronized (lock)
            {
                errorsCounter.incrementRelease();
                if (ports.isSetAside(handle, lport, rport))
                {
                    ports.freeSetAside(lport);
                }
            }
            throw ex;
        }
        final PortRing fresh = rings.prepare(handle); // file work: no lock
        return locked(handle, op, fresh, () ->
        {
            final boolean setAside = ports.isSetAside(handle, lport, rport);
            if (!setAside || handle.released)
            {
                if (setAside)
                {
                    ports.freeSetAside(lport);
                }
                bridge.closed(lport, handle.domid(), remoteDomid, rport); // the remote end goes back to unbound
                throw ErrorText.exception(op, closed ? Errno.ENODEV : Errno.EBADF, remoteDomid, rport);
            }
            return ports.connectSetAside(handle, lport, remoteDomid);
        });
    }

    private int dispatch(final HubHandle handle, final int op, final int a, final int b) throws EvtchnException
    {
        switch (op)
        {
            case Protocol.OP_BIND_UNBOUND_PORT:
                return ports.bindUnboundPort(handle, a);
            case Protocol.OP_BIND_INTERDOMAIN:
                return ports.bindInterdomain(handle, a, b);
            case Protocol.OP_BIND_VIRQ:
                return ports.bindVirq(handle, a);
            case Protocol.OP_BIND_STATIC:
                return ports.bindStatic(handle, a);
            case Protocol.OP_UNBIND:
                return ports.unbind(handle, a);
            case Protocol.OP_NOTIFY:
                return ports.notify(handle, a);
            case Protocol.OP_UNMASK:
                ports.unmask(handle, a);
                return 0;
            case Protocol.OP_RESET:
                rings.reset(handle);
                return 0;
            case Protocol.OP_RESTRICT:
                return ports.restrict(handle, a);
            default:
                throw ErrorText.exception(op, Errno.ENOSYS, a, b);
        }
    }

    /**
     * The capacity of a handle's event ring, as the hub keeps it (never read back from the ring).
     */
    int eventRingCapacity(final HubHandle handle)
    {
        synchronized (lock)
        {
            return handle.released ? 0 : handle.eventCapacity;
        }
    }

    /**
     * A request word from an in-process handle ({@link Protocol#ringWord}), applied at once: what the hub
     * does with the same word from a remote handle's request ring, under one hold of the lock (so an
     * unmask and notify costs one, as it costs a remote handle one word).
     *
     * @throws EvtchnException ENODEV if the hub closed, EBADF if the handle was released meanwhile.
     */
    void post(final HubHandle handle, final int word) throws EvtchnException
    {
        synchronized (lock)
        {
            if (handle.released)
            {
                final int op = word >>> Protocol.RING_PORT_BITS == Protocol.RING_UNMASK
                    ? Protocol.OP_UNMASK : Protocol.OP_NOTIFY;
                throw ErrorText.exception(op, closed ? Errno.ENODEV : Errno.EBADF, word & Protocol.RING_PORT_MASK, 0);
            }
            try
            {
                posted.apply(handle, word);
            }
            finally
            {
                faultDamaged();
            }
        }
    }

    /**
     * Apply what a remote handle posted in its request ring, for the duty cycle: up to {@code limit} words,
     * under the lock, with any failure contained (the handle is cut off, the cycle goes on).
     *
     * @return the number of words taken.
     */
    int pollPosted(final HubHandle handle, final int limit)
    {
        synchronized (lock)
        {
            if (handle.released)
            {
                return 0;
            }
            try
            {
                return posted.drain(handle, limit);
            }
            catch (final RuntimeException | Error ex)
            {
                contain(handle, ex);
                return 1;
            }
            finally
            {
                faultDamaged();
            }
        }
    }

    // ----------------------------------------------------------------------------------------------
    // handles: attach, release, fault
    // ----------------------------------------------------------------------------------------------

    /**
     * Attach a remote handle that said hello: it joins the domain of its process (a new domain for a pid
     * the hub has not seen, or whose handles are all closed) and gets its request ring.
     *
     * <p>The pid is the client's word: {@code SO_PEERCRED} in Java gives the peer's user but not its pid,
     * so the hub cannot check it. A same-uid process that lies joins another process's domain; it still
     * holds only the ports its own handle binds (E24), and the same uid could debug that process anyway.
     *
     * @throws EvtchnException ENODEV when the hub is closed, EINVAL for a pid below 1, ENOSPC without a
     *                         free domid, ENOMEM if the request ring cannot be made.
     */
    HubHandle attach(final HubSession session, final long pid) throws EvtchnException
    {
        if (pid <= 0)
        {
            throw new EvtchnException(Errno.EINVAL, "hello names pid " + pid);
        }
        final long id = nextHandleId.getAndIncrement();
        final PortRing requests = createRequestRing(id); // file work outside the lock: it never holds up others
        boolean attached = false;
        try
        {
            synchronized (lock)
            {
                final HubHandle handle = register(id, session, pid, requests);
                attached = true;
                return handle;
            }
        }
        finally
        {
            if (!attached)
            {
                requests.close();
                HubHandle.deleteQuietly(requests.file());
            }
        }
    }

    private PortRing createRequestRing(final long id) throws EvtchnException
    {
        final Path file = directory.resolve(HubHandle.requestsFileName(id));
        try
        {
            final PortRing requests = PortRing.create(
                file, config.requestRingCapacity(), config.requestRingCapacity(), ReaderWaiting.SPIN);
            // the hub is the ring's only reader: cons stays on its side, and reading takes no atomic on the
            // client's memory (a cut file is an error, never a SIGBUS); claimed before the client knows the file
            requests.claimExclusiveReader();
            return requests;
        }
        catch (final IOException ex)
        {
            final Errno errno = ex instanceof ErrnoException ? ((ErrnoException)ex).errno() : Errno.ENOMEM;
            throw new EvtchnException(errno, "cannot create " + file + ": " + ex.getMessage(), ex);
        }
    }

    /**
     * Enter a new remote handle in its process's domain (a new domain for a pid the hub has not seen, or
     * whose handles are all closed). Under the lock.
     */
    private HubHandle register(final long id, final HubSession session, final long pid, final PortRing requests)
        throws EvtchnException
    {
        if (closed)
        {
            throw new EvtchnException(Errno.ENODEV, "the hub at " + directory + " is closing");
        }
        Domain domain = domainsByPid.get(pid);
        if (domain == null)
        {
            final int domid = allocateDomid();
            if (domid < 0)
            {
                throw new EvtchnException(Errno.ENOSPC, "every domid is in use");
            }
            domain = new Domain(domid, pid);
            ports.addDomain(domain);
            domainsByPid.put(pid, domain);
            domainsCounter.incrementRelease();
        }
        final HubHandle handle = new HubHandle(id, domain, session);
        handle.requests = requests;
        handle.requestsFile = requests.file();
        domain.handles++;
        handles.add(handle);
        poller.add(handle);
        handlesCounter.incrementRelease();
        return handle;
    }

    private int allocateDomid()
    {
        final RemoteDomains bridge = remote;
        final int limit = bridge == null ? EvtchnHub.DOMID_FIRST_RESERVED : bridge.localDomidLimit();
        for (int tries = 0; tries < limit; tries++)
        {
            final int domid = nextDomid < limit ? nextDomid : 1;
            nextDomid = domid + 1 >= limit ? 1 : domid + 1;
            if (!ports.hasDomain(domid))
            {
                return domid;
            }
        }
        return -1;
    }

    void countError()
    {
        synchronized (lock)
        {
            if (!closed)
            {
                errorsCounter.incrementRelease();
            }
        }
    }

    /**
     * Release a handle (the kernel's {@code evtchn_release}): unbind every port it holds, closing all but
     * static ones, end its domain (a remote handle's), drop its event ring and remove its files (E22).
     * Idempotent.
     */
    void release(final HubHandle handle)
    {
        release(handle, true);
    }

    /**
     * Release a handle, first applying the request words it posted (a notify just before close is
     * delivered) unless it is being released for posting bad ones. Safe to call again after a failure
     * part-way (a memory fault the JVM raises late can land anywhere): each step either is idempotent or
     * runs once, and {@link HubHandle#releaseDone} says when all have.
     */
    private void release(final HubHandle handle, final boolean applyPosted)
    {
        synchronized (lock)
        {
            if (!handle.released && applyPosted && handle.requests != null && !closed)
            {
                pollPosted(handle, config.requestRingCapacity()); // words posted before close take effect first
            }
            if (!handle.releaseDone)
            {
                handle.released = true;
                ports.detachAll(handle);
                if (!handle.isLocal() && !handle.leftDomain)
                {
                    handle.leftDomain = true;
                    if (handle.damage == null && !EventRings.filesWhole(handle))
                    {
                        errorsCounter.incrementRelease(); // it cut its own files and left: an error, though nobody noticed
                    }
                    endRemote(handle);
                }
                if (handles.remove(handle))
                {
                    handlesCounter.getAndAddRelease(-1);
                }
                handle.releaseDone = true;
            }
        }
        // no port of the handle is held any more, so nothing delivers to its ring: unmapping and unlinking
        // happen outside the lock, where they hold up nobody (each step may run again: all are idempotent)
        rings.drop(handle);
        HubHandle.deleteQuietly(handle.requestsFile);
        if (handle.localDoorbell != null)
        {
            handle.localDoorbell.ring();
        }
        if (handle.session != null)
        {
            handle.session.close();
        }
    }

    /**
     * Release a handle whatever the JVM throws meanwhile (its session's last act): a late memory fault
     * that interrupts the release is contained and the release runs again, completing what is left.
     */
    void releaseContained(final HubHandle handle)
    {
        for (int attempt = 0; attempt < RELEASE_ATTEMPTS && !handle.releaseDone; attempt++)
        {
            try
            {
                release(handle);
            }
            catch (final RuntimeException | Error ex)
            {
                survives(null, ex);
            }
        }
    }

    /**
     * The remote part of a release: the domain ends with its process's last handle, and the request ring
     * is unmapped by the next duty cycle.
     */
    private void endRemote(final HubHandle handle)
    {
        final Domain domain = handle.domain;
        if (--domain.handles == 0) // the process's last handle: its domain ends, static ports too
        {
            ports.endDomain(domain);
            domainsByPid.remove(domain.pid);
            domainsCounter.getAndAddRelease(-1);
        }
        poller.retire(handle);
    }

    /**
     * Disconnect a handle that broke the protocol or its own memory: it is told why, then released.
     */
    void fault(final HubHandle handle, final Errno errno)
    {
        errorsCounter.incrementRelease();
        if (handle.session != null)
        {
            handle.session.fault(errno);
        }
        release(handle, false);
    }

    /**
     * Fault every handle reported damaged during the operation that just ended. Under the lock.
     */
    private void faultDamaged()
    {
        HubHandle handle;
        while ((handle = damaged.poll()) != null)
        {
            if (!handle.releaseDone)
            {
                fault(handle, handle.damage);
            }
        }
    }

    /**
     * A failure of an operation that no check foresaw (an {@link InternalError} from pages a client cut,
     * say, which the JVM may raise after the ring call that caused it returned, in whatever the thread
     * does next): count it, and report the handles whose ring files are no longer whole, or, if none is,
     * the handle that made the request, unless the failure is such a late fault (its culprit may be gone
     * already; the requester is then innocent). Under the lock; the caller faults the reported handles.
     *
     * @param requester the handle whose request failed, or null for the hub's own work (a timer tick).
     */
    private void contain(final HubHandle requester, final Throwable failure)
    {
        errorsCounter.incrementRelease();
        boolean charged = false;
        for (final HubHandle handle : handles)
        {
            if (!handle.isLocal() && !handle.releaseDone && !EventRings.filesWhole(handle))
            {
                damaged.report(handle, Errno.EIO);
                charged = true;
            }
        }
        if (!charged && requester != null && !requester.isLocal() && !(failure instanceof InternalError))
        {
            damaged.report(requester, Errno.EFAULT); // a late memory fault is not the requester's: only counted
        }
    }

    /**
     * {@link #contain} for a failure met outside the lock (the duty cycle's look at a request ring, an
     * error the JVM raised late in a hub thread).
     *
     * @param requester the handle being served when it came, or null.
     * @return true if the requester keeps its handle (the failure was charged to others, or to nobody).
     */
    boolean survives(final HubHandle requester, final Throwable failure)
    {
        synchronized (lock)
        {
            contain(requester, failure);
            faultDamaged();
            return requester == null || !requester.released;
        }
    }

    // ----------------------------------------------------------------------------------------------
    // remote domains (the bridge's side, see RemotePorts)
    // ----------------------------------------------------------------------------------------------

    RemotePorts attachRemoteDomains(final RemoteDomains bridge) throws EvtchnException
    {
        synchronized (lock)
        {
            checkOpen();
            if (remote != null)
            {
                throw new EvtchnException(Errno.EBUSY, "the hub at " + directory + " has a bridge already");
            }
            for (final HubHandle handle : handles)
            {
                if (handle.domid() >= bridge.localDomidLimit())
                {
                    throw new EvtchnException(Errno.EEXIST, "local domain " + handle.domid() + " is in the bridge's range");
                }
            }
            remote = bridge;
            ports.remoteDomains(bridge);
            return new HubRemotePorts(this, bridge);
        }
    }

    /**
     * The hub is closing: the bridge stops before the counters file it writes is unmapped.
     */
    void closeRemote()
    {
        final RemoteDomains bridge = remote;
        if (bridge != null)
        {
            bridge.hubClosed();
        }
    }

    AtomicCounter newCounter(final String label)
    {
        synchronized (lock)
        {
            requireOpen();
            return counters.newCounter(label);
        }
    }

    AtomicCounter newCounter(final int typeId, final DirectBuffer key, final String label)
    {
        if (typeId == HubCountersDescriptor.COUNT_TYPE_ID || key.capacity() > CountersReader.MAX_KEY_LENGTH)
        {
            throw new IllegalArgumentException("a keyed counter needs a type id other than "
                + HubCountersDescriptor.COUNT_TYPE_ID + " and a key of at most " + CountersReader.MAX_KEY_LENGTH
                + " bytes, got type " + typeId + " and " + key.capacity() + " bytes");
        }
        synchronized (lock)
        {
            requireOpen();
            return counters.newCounter(typeId, key, label);
        }
    }

    private void requireOpen()
    {
        if (closed)
        {
            throw new IllegalStateException("the hub at " + directory + " is closed");
        }
    }

    Errno connectRemote(final int domid, final int port, final int remoteDomid, final int rport)
    {
        synchronized (lock)
        {
            return closed ? Errno.ENODEV : ports.connectFromRemote(domid, port, remoteDomid, rport);
        }
    }

    boolean fireFromRemote(final int port, final int remoteDomid, final int rport)
    {
        synchronized (lock)
        {
            if (closed)
            {
                return false;
            }
            try
            {
                return ports.fireFromRemote(port, remoteDomid, rport);
            }
            catch (final RuntimeException | Error ex)
            {
                contain(null, ex); // the holder's event ring was damaged: it is faulted, the bridge goes on
                return false;
            }
            finally
            {
                faultDamaged();
            }
        }
    }

    boolean disconnectRemote(final int port, final int remoteDomid, final int rport)
    {
        synchronized (lock)
        {
            return !closed && ports.disconnectFromRemote(port, remoteDomid, rport);
        }
    }

    int disconnectRemoteRange(final int fromDomid, final int toDomid)
    {
        synchronized (lock)
        {
            return ports.disconnectRemote(fromDomid, toDomid);
        }
    }

    void detachRemote(final RemoteDomains bridge)
    {
        synchronized (lock)
        {
            if (remote == bridge)
            {
                ports.disconnectRemote(bridge.localDomidLimit(), EvtchnHub.DOMID_FIRST_RESERVED);
                ports.remoteDomains(null);
                remote = null;
            }
        }
    }
}

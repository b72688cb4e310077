package dev.evring.evtchn;

import dev.evring.ring.DoorbellWaiter;
import dev.evring.ring.Errno;
import dev.evring.ring.PortRing;
import dev.evring.ring.RingOverflowException;

import java.nio.channels.SelectableChannel;
import java.nio.file.Path;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A handle on an event-channel hub, shaped like libxenevtchn's {@code xenevtchn_handle} (the kernel's
 * {@code /dev/xen/evtchn} file): bind ports, notify them, and take the ports that fired.
 *
 * <pre>{@code
 * try (Evtchn xce = Evtchn.open(hubDir))            // ENODEV if no live hub
 * {
 *     int port = xce.bindInterdomain(remoteDomid, remotePort);
 *     int fired = xce.awaitPending(1, TimeUnit.SECONDS);   // -1 on timeout
 *     if (fired >= 0)
 *     {
 *         xce.unmask(fired);                        // or it is never delivered again
 *     }
 *     xce.notify(port);
 * }
 * }</pre>
 *
 * <p>A fired port is pushed into the handle's event ring once and then stays masked: further events on
 * it are remembered once, and delivered when it is {@link #unmask(int) unmasked}. {@link #pending()} and
 * {@link #read(int[], int, int)} take ports from the ring without a system call; {@link #awaitPending}
 * polls through an idle strategy, then sleeps until the hub rings the handle's doorbell (how long it
 * polls, and with what, is set with {@link HandleOptions}). Unmask and notify go to the hub through
 * shared memory too.
 *
 * <p><b>Domains.</b> The handles one process opens on a hub share one domain (one {@link #domid()}),
 * which lives while any of them is open; each handle still sees, unmasks, notifies and unbinds only the
 * ports it bound itself.
 *
 * <p><b>Failures.</b> Every method is safe from any thread. {@link #close()} releases every port of the
 * handle (EBADF afterwards). A handle whose hub is gone fails every blocked and later call with
 * {@link Errno#ENODEV}; one whose hub stopped updating its heartbeat for the
 * {@link HandleOptions#hubTimeout(java.time.Duration) hub timeout} (stopped with SIGSTOP, hung) fails them
 * with {@link Errno#ETIMEDOUT}. Either way the handle is finished: open a new one. Errors are
 * {@link EvtchnException}s carrying the errno the kernel's device would return.
 */
public final class Evtchn implements AutoCloseable
{
    /** The most ports one {@link #read} or {@link #write} handles (a page of ports in the kernel). */
    public static final int MAX_PORTS_PER_CALL = 1024;
    /** {@code DOMID_SELF}: "my own domain" in {@link #bindUnboundPort} and {@link #bindInterdomain}. */
    public static final int DOMID_SELF = EvtchnHub.DOMID_SELF;

    private static final long CLOSE_WAIT_NS = TimeUnit.SECONDS.toNanos(5);

    private final HubLink link;
    private final int domid;
    private final HeldPorts held;
    private final AtomicInteger users = new AtomicInteger();
    private final DoorbellWaiter waiter;
    private final PendingWait pendingWait;
    private final Object watcherLock = new Object();
    private volatile PendingWatcher watcher;
    private volatile boolean closed;

    Evtchn(final HubLink link, final HandleOptions options)
    {
        this.link = link;
        this.domid = link.domid();
        this.held = new HeldPorts(link.maxPorts());
        this.waiter = new GuardedWaiter(link.waiter(), () -> closed ? closedException() : null);
        this.pendingWait = new PendingWait(link, options, waiter, this::nextPortDrivingHub, this::checkUsable);
    }

    /**
     * Open a handle on the hub running in a directory, with {@link HandleOptions#defaults()}: it joins this
     * process's domain on that hub (made at the process's first open).
     *
     * @param hubDirectory the hub's directory (see {@link HubConfig#directory()}).
     * @return the handle.
     * @throws EvtchnException {@link Errno#ENODEV} if no live hub runs there, {@link Errno#EACCES} if the
     *                         directory cannot be reached, if it or its parent is another user's (or open to
     *                         writes from others, or a symbolic link), or if the socket is served by another
     *                         user (an impostor: nothing is sent to it), {@link Errno#ETIMEDOUT} if the hub
     *                         does not take the connection or answer.
     */
    public static Evtchn open(final Path hubDirectory) throws EvtchnException
    {
        return open(hubDirectory, HandleOptions.defaults());
    }

    /**
     * Open a handle on the hub running in a directory, choosing how it waits and how long it trusts a
     * silent hub.
     *
     * @param hubDirectory the hub's directory (see {@link HubConfig#directory()}).
     * @param options      the handle's options.
     * @return the handle.
     * @throws EvtchnException as {@link #open(Path)}.
     */
    public static Evtchn open(final Path hubDirectory, final HandleOptions options) throws EvtchnException
    {
        Objects.requireNonNull(options, "options");
        return new Evtchn(SocketLink.connect(hubDirectory.toAbsolutePath(), options), options);
    }

    /**
     * This handle's domain id: 0 for an in-process handle of the hub, otherwise the domain of this process
     * (shared by every handle this process has open on the hub).
     *
     * @return the domid.
     */
    public int domid()
    {
        return domid;
    }

    /**
     * Allocate a port in this domain that {@code remoteDomid} may connect to, and bind it.
     *
     * @param remoteDomid the domain allowed to connect, or {@link #DOMID_SELF}.
     * @return the new port.
     * @throws EvtchnException EACCES after {@link #restrict}, EINVAL for a bad domid, ENOSPC when the hub
     *                         has no free port, ENOMEM when this handle's ring is at its limit.
     */
    public int bindUnboundPort(final int remoteDomid) throws EvtchnException
    {
        return bindNew(Protocol.OP_BIND_UNBOUND_PORT, remoteDomid, 0, false);
    }

    /**
     * Connect to a remote domain's unbound port that names this domain; the new local port starts
     * pending, so the first {@link #pending()} returns it.
     *
     * @param remoteDomid the remote domain (or {@link #DOMID_SELF}).
     * @param remotePort  its unbound port.
     * @return the new local port.
     * @throws EvtchnException EINVAL if the port is not unbound for this domain, ESRCH for an unknown
     *                         domain, EACCES when restricted to another domain.
     */
    public int bindInterdomain(final int remoteDomid, final int remotePort) throws EvtchnException
    {
        return bindNew(Protocol.OP_BIND_INTERDOMAIN, remoteDomid, remotePort, false);
    }

    /**
     * Bind a virtual interrupt in this domain.
     *
     * @param virq the virq.
     * @return the new port.
     * @throws EvtchnException EEXIST if this domain bound it already, EBUSY for a global virq another
     *                         domain holds, EACCES after {@link #restrict}.
     */
    public int bindVirq(final Virq virq) throws EvtchnException
    {
        return bindVirq(virq.number());
    }

    /**
     * Bind a virtual interrupt by its Xen number.
     *
     * @param virqNumber the number.
     * @return the new port.
     * @throws EvtchnException EINVAL for a number Xen does not define, else as {@link #bindVirq(Virq)}.
     */
    public int bindVirq(final int virqNumber) throws EvtchnException
    {
        return bindNew(Protocol.OP_BIND_VIRQ, virqNumber, 0, true);
    }

    /**
     * Bind a port that already exists in this domain (made by the hub with
     * {@link EvtchnHub#allocUnboundPort}); unbinding it, or closing the handle, keeps the port.
     *
     * @param port the port.
     * @throws EvtchnException EISCONN if this handle holds it already, EINVAL if it is not a port of this
     *                         domain, EBUSY if another handle holds it.
     */
    public void bindStatic(final int port) throws EvtchnException
    {
        enter();
        try
        {
            link.control(Protocol.OP_BIND_STATIC, port, 0);
            held.add(port, false);
        }
        finally
        {
            exit();
        }
    }

    private int bindNew(final int op, final int a, final int b, final boolean isVirq) throws EvtchnException
    {
        enter();
        try
        {
            final int port = link.control(op, a, b);
            held.add(port, isVirq);
            return port;
        }
        finally
        {
            exit();
        }
    }

    /**
     * Unbind a port: it is closed (unless bound static), its remote end goes back to unbound, and it is
     * never read from this handle again (its unread entries are blanked in the ring; a read that another
     * thread already had under way when unbind was called may still return it).
     *
     * @param port the port.
     * @throws EvtchnException EINVAL beyond the hub's range, ENOTCONN if this handle does not hold it.
     */
    public void unbind(final int port) throws EvtchnException
    {
        enter();
        try
        {
            link.control(Protocol.OP_UNBIND, port, 0);
            held.remove(port);
        }
        finally
        {
            exit();
        }
    }

    /**
     * Send an event on a port: an interdomain port fires its remote end; an unbound port drops it.
     * Travels through shared memory; the hub applies it shortly after.
     *
     * @param port a port this handle holds.
     * @throws EvtchnException ENOTCONN if this handle does not hold it, EINVAL for a virq port.
     */
    public void notify(final int port) throws EvtchnException
    {
        postNotify(Protocol.RING_NOTIFY, port);
    }

    /**
     * Take the next fired port, without blocking. An in-process handle of a {@link RequestPolling#INVOKER}
     * hub that finds its ring empty runs the hub's request polling once ({@link EvtchnHub#pollRequests()})
     * and looks again.
     *
     * @return the port, or -1 if none is pending.
     * @throws EvtchnException EFBIG after an overflow (until {@link #reset()}), ENODEV if the hub is gone.
     */
    public int pending() throws EvtchnException
    {
        checkUsable();
        try
        {
            return nextPortDrivingHub();
        }
        catch (final IllegalStateException ex)
        {
            throw ringFailure(ex);
        }
    }

    /**
     * Wait for the next fired port: poll the ring through the handle's idle strategy for its
     * {@link HandleOptions#spinBeforeSleep(java.time.Duration) spin time} (no system call on either side),
     * then sleep until the hub rings this handle's doorbell. An in-process handle of a
     * {@link RequestPolling#INVOKER} hub runs the hub's request polling each time it finds its ring empty
     * while it polls, and once more before each sleep; none while it sleeps.
     *
     * @param timeout the longest wait.
     * @param unit    its unit.
     * @return the port, or -1 on timeout.
     * @throws EvtchnException      EFBIG after an overflow, ENODEV if the hub goes away meanwhile,
     *                              ETIMEDOUT if it stops (see {@link HandleOptions}), EBADF if the handle
     *                              is closed meanwhile.
     * @throws InterruptedException if the thread is interrupted while waiting.
     */
    public int awaitPending(final long timeout, final TimeUnit unit) throws EvtchnException, InterruptedException
    {
        enter();
        try
        {
            return pendingWait.await(unit.toNanos(timeout));
        }
        catch (final LinkFailedException ex)
        {
            throw SocketLink.rethrown(ex.failure());
        }
        catch (final IllegalStateException ex)
        {
            throw ringFailure(ex);
        }
        finally
        {
            exit();
        }
    }

    /**
     * Check the handle is open and its hub alive. Alone, it starts a call that only touches the rings and
     * never blocks (pending, read, notify, unmask): such a call is not counted, so it costs no atomic
     * instruction. A close racing with it cannot unmap a ring under it: an in-process handle's ring is a
     * buffer the garbage collector frees, a remote handle's rings stay mapped for
     * {@link HandleOptions#ringLinger()} after the close (the resource linger of Aeron's client).
     */
    private void checkUsable() throws EvtchnException
    {
        if (closed)
        {
            throw closedException();
        }
        final EvtchnException failure = link.failure();
        if (failure != null)
        {
            throw SocketLink.rethrown(failure);
        }
    }

    /**
     * The next port; if there is none and this handle drives an invoker hub, run the hub's request polling
     * once and look again.
     */
    private int nextPortDrivingHub()
    {
        final int port = nextPort();
        return port < 0 && link.pollHub() > 0 ? nextPort() : port;
    }

    private int nextPort()
    {
        final PortRing events = link.events();
        if (events == null)
        {
            return -1;
        }
        final int port = EventReads.nextPort(events);
        consumed();
        return port;
    }

    /**
     * The device read: take up to {@code len} fired ports (at most {@link #MAX_PORTS_PER_CALL}),
     * without blocking.
     *
     * @param ports destination.
     * @param off   first index to fill.
     * @param len   room.
     * @return the number of ports taken, 0 if none is pending (the kernel's EAGAIN).
     * @throws EvtchnException EFBIG after an overflow, ENODEV if the hub is gone.
     */
    public int read(final int[] ports, final int off, final int len) throws EvtchnException
    {
        Objects.checkFromIndexSize(off, len, ports.length);
        checkUsable();
        try
        {
            final int room = Math.min(len, MAX_PORTS_PER_CALL);
            final PortRing events = link.events();
            if (room == 0 || events == null)
            {
                return 0;
            }
            final int kept = EventReads.read(events, ports, off, room);
            consumed();
            return kept;
        }
        catch (final IllegalStateException ex)
        {
            throw ringFailure(ex);
        }
    }

    /**
     * The device write: unmask each listed port this handle holds; other ports are ignored.
     *
     * @param ports source.
     * @param off   first index.
     * @param len   number of ports.
     * @return the number of ports taken, at most {@link #MAX_PORTS_PER_CALL}.
     * @throws EvtchnException ENODEV if the hub is gone.
     */
    public int write(final int[] ports, final int off, final int len) throws EvtchnException
    {
        Objects.checkFromIndexSize(off, len, ports.length);
        enter();
        try
        {
            final int count = Math.min(len, MAX_PORTS_PER_CALL);
            for (int i = 0; i < count; i++)
            {
                final int port = ports[off + i];
                if (held.isBound(port))
                {
                    link.post(Protocol.RING_UNMASK, port);
                }
            }
            return count;
        }
        finally
        {
            exit();
        }
    }

    /**
     * Re-enable a fired port so it can be delivered again (once more if it fired meanwhile). Ports this
     * handle does not hold are ignored.
     *
     * @param port the port.
     * @throws EvtchnException ENODEV if the hub is gone.
     */
    public void unmask(final int port) throws EvtchnException
    {
        checkUsable();
        if (held.isBound(port))
        {
            link.post(Protocol.RING_UNMASK, port);
        }
    }

    /**
     * Unmask a port and notify its remote end in one request: {@link #unmask(int)} then
     * {@link #notify(int)}, for a handle that answers each event on the channel it arrived on. A remote
     * handle posts one request word instead of two, so the hub sees the answer one cache-line transfer
     * sooner.
     *
     * @param port a port bound in this handle, not to a virq.
     * @throws EvtchnException ENOTCONN if the port is not bound here, EINVAL for a virq port (neither
     *                         unmasks), ENODEV if the hub is gone.
     */
    public void unmaskAndNotify(final int port) throws EvtchnException
    {
        postNotify(Protocol.RING_UNMASK_NOTIFY, port);
    }

    /**
     * Post a request word that notifies through a port, after the checks {@code notify} makes here rather
     * than at the hub: the port must be bound in this handle, and not to a virq.
     */
    private void postNotify(final int ringOp, final int port) throws EvtchnException
    {
        checkUsable();
        if (!held.isBound(port))
        {
            throw ErrorText.exception(Protocol.OP_NOTIFY, Errno.ENOTCONN, port, 0);
        }
        if (held.isVirq(port))
        {
            throw ErrorText.exception(Protocol.OP_NOTIFY, Errno.EINVAL, port, 0);
        }
        link.post(ringOp, port);
    }

    /**
     * Empty the event ring and clear an overflow. Ports whose entries were dropped stay masked until
     * written back with {@link #write} or {@link #unmask} (the kernel's behaviour).
     *
     * @throws EvtchnException ENODEV if the hub is gone.
     */
    public void reset() throws EvtchnException
    {
        control(Protocol.OP_RESET, 0);
    }

    /**
     * Restrict this handle to one domain (once): from then on it may only bind interdomain ports of that
     * domain; ports bound before keep working.
     *
     * @param restrictDomid a domain id from 1 to 0x7FEF.
     * @throws EvtchnException EACCES on a second call, EINVAL for 0 or a reserved domid.
     */
    public void restrict(final int restrictDomid) throws EvtchnException
    {
        control(Protocol.OP_RESTRICT, restrictDomid);
    }

    private void control(final int op, final int a) throws EvtchnException
    {
        enter();
        try
        {
            link.control(op, a, 0);
        }
        finally
        {
            exit();
        }
    }

    /**
     * The device's poll mask: {@link PortRing#POLLOUT} always, plus {@link PortRing#POLLIN} when ports
     * are pending; {@link PortRing#POLLERR} alone after an overflow. Entries that an unbind blanked do not
     * count: a ring that holds only those reports no POLLIN (the next read skips them).
     *
     * @return the mask.
     * @throws EvtchnException ENODEV if the hub is gone.
     */
    public int pollMask() throws EvtchnException
    {
        enter();
        try
        {
            return EventReads.pollMask(link);
        }
        catch (final IllegalStateException ex)
        {
            throw ringFailure(ex);
        }
        finally
        {
            exit();
        }
    }

    /**
     * The event ring's current room: 0 before the first bind, then 64, doubling as ports are bound.
     *
     * @return the capacity in ports.
     * @throws EvtchnException ENODEV if the hub is gone.
     */
    public int ringCapacity() throws EvtchnException
    {
        enter();
        try
        {
            final PortRing events = link.events();
            return events == null ? 0 : events.capacity();
        }
        catch (final IllegalStateException ex)
        {
            throw ringFailure(ex);
        }
        finally
        {
            exit();
        }
    }

    /**
     * A channel for a {@link java.nio.channels.Selector} (like {@code xenevtchn_fd}): it is readable while
     * ports are pending (or the ring overflowed, or the hub went away) and stops being readable once
     * {@link #pending()} or {@link #read} found the ring empty. Entries an unbind blanked do not make it
     * readable. Register it for
     * {@link java.nio.channels.SelectionKey#OP_READ}; never read from it. A watcher thread keeps it in
     * step; it starts at the first call.
     *
     * @return the channel, non-blocking.
     * @throws EvtchnException EBADF if the handle is closed.
     */
    public SelectableChannel selectable() throws EvtchnException
    {
        return watcher().source();
    }

    /**
     * Run a listener each time ports become pending after the handle had found its ring empty (the
     * device's {@code fasync} role: once per empty to non-empty transition, not once per port). It runs
     * on the handle's watcher thread and must not block.
     *
     * @param listener what to run.
     * @throws EvtchnException EBADF if the handle is closed.
     */
    public void onPending(final Runnable listener) throws EvtchnException
    {
        watcher().addListener(Objects.requireNonNull(listener, "listener"));
    }

    private PendingWatcher watcher() throws EvtchnException
    {
        enter();
        try
        {
            synchronized (watcherLock)
            {
                if (watcher == null)
                {
                    watcher = PendingWatcher.start(link, waiter, domid);
                }
                return watcher;
            }
        }
        finally
        {
            exit();
        }
    }

    private void consumed()
    {
        final PendingWatcher current = watcher;
        if (current != null)
        {
            current.consumed();
        }
    }

    /**
     * Release the handle: every port it holds is unbound (static ones kept), its files are removed, and
     * threads blocked on it fail with EBADF. Idempotent.
     */
    @Override
    public void close()
    {
        synchronized (watcherLock)
        {
            if (closed)
            {
                return;
            }
            closed = true;
        }
        final PendingWatcher current = watcher;
        if (current != null)
        {
            current.close();
        }
        link.wake();
        final long deadline = System.nanoTime() + CLOSE_WAIT_NS;
        while (users.get() != 0 && System.nanoTime() - deadline < 0)
        {
            link.wake();
            Thread.yield();
        }
        link.close();
    }

    /**
     * {@inheritDoc}
     */
    @Override
    public String toString()
    {
        return "Evtchn{domid=" + domid + (closed ? ", closed" : "") + '}';
    }

    /**
     * Start a call that may block (a wait, a request the hub answers): it is counted, and {@link #close()}
     * wakes it and waits for it to leave before it ends the link. Pair with {@link #exit()}.
     */
    private void enter() throws EvtchnException
    {
        users.incrementAndGet();
        try
        {
            checkUsable();
        }
        catch (final EvtchnException ex)
        {
            users.decrementAndGet();
            throw ex;
        }
    }

    private void exit()
    {
        users.decrementAndGet();
    }

    private EvtchnException closedException()
    {
        return new EvtchnException(Errno.EBADF, "this handle (domain " + domid + ") is closed");
    }

    private EvtchnException ringFailure(final IllegalStateException ex)
    {
        if (ex instanceof RingOverflowException)
        {
            return new EvtchnException(Errno.EFBIG, "the event ring of domain " + domid + " overflowed: ports were "
                + "lost; call reset() and then look at every bound port", ex);
        }
        final EvtchnException failure = link.failure();
        if (failure != null)
        {
            return SocketLink.rethrown(failure);
        }
        return closed ? closedException() : new EvtchnException(Errno.EIO, "event ring failure: " + ex.getMessage(), ex);
    }
}

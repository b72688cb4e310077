package dev.evring.evtchn;

import dev.evring.ring.Errno;
import dev.evring.ring.PortRing;
import dev.evring.ring.PortRingDescriptor;
import dev.evring.ring.ReaderWaiting;
import org.agrona.IoUtil;
import org.agrona.collections.Int2ObjectHashMap;
import org.agrona.collections.Long2ObjectHashMap;
import org.agrona.concurrent.IdleStrategy;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.status.AtomicCounter;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.UserPrincipal;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;


/**
 * The event-channel hub: the producer process of every handle's event ring, domain 0, the owner of the
 * port table, the virq sources and the interrupt handler (the Xen hypervisor plus the kernel's
 * {@code evtchn} driver, in one JVM).
 *
 * <pre>{@code
 * try (EvtchnHub hub = EvtchnHub.start(HubConfig.named("demo"));   // or `evring hub --name demo`
 *      Evtchn dom0 = hub.openLocal())                              // domain 0, in process, no socket
 * {
 *     int port = dom0.bindUnboundPort(remoteDomid);                // a remote handle binds interdomain to it
 *     dom0.notify(port);                                           // fires the remote end
 *     hub.raiseVirq(remoteDomid, Virq.DEBUG);                      // an interrupt source
 * }
 * }</pre>
 *
 * <p><b>Processes and domains.</b> Every {@link Evtchn#open(Path) remote handle} is one connection to the
 * hub's UNIX-domain socket ({@code hub.sock}; connect = open, end of stream = release). Its first frame
 * names the client's pid, and the handles of one process share one domain, which lives while any of them
 * is open (its static ports survive the close of the handle that held them, and end with the domain).
 * Ports belong to handles: a handle sees, unmasks, notifies and unbinds only the ports it bound, even
 * next to other handles of its domain. In-process handles ({@link #openLocal()}) are domain 0; remote
 * handles that the hub's own process opens get a domain of their own like any other process. Peers are
 * checked with {@code SO_PEERCRED}: only the hub's own uid is accepted. Control requests (bind, unbind,
 * reset, restrict) travel on the socket; the data path is shared memory only: the hub writes fired ports
 * into the handle's event ring ({@code h<id>.events}, a {@link PortRing} created at the first bind) and
 * the handle writes unmask and notify words into its request ring ({@code h<id>.requests}).
 *
 * <p><b>Waking.</b> A handle that sleeps is woken by a doorbell frame on its control socket, only when a
 * port lands in its empty ring while it sleeps. The hub never blocks on a client's socket: a doorbell is a
 * non-blocking write (for a client whose socket is full it is kept as one owed doorbell), replies wait in
 * a small per-session buffer, and a client that leaves its replies unread beyond
 * {@link HubConfig#clientWriteTimeout(java.time.Duration)} is disconnected. The hub's request thread never
 * sleeps on a doorbell either: it polls every request ring and idles with
 * {@link HubConfig#idleStrategy(java.util.function.Supplier)} (by default spin, yield, then park from 1 to
 * 50 microseconds; a busy-spin strategy buys the lowest latency with a core), so a handle never makes a
 * system call to reach the hub.
 *
 * <p><b>Invoker mode.</b> With {@link HubConfig#requestPolling(RequestPolling) RequestPolling.INVOKER} the
 * hub starts no request thread: the embedding program calls {@link #pollRequests()} from its own loop, and
 * the hub's in-process handles do the same duty cycle while they poll an empty ring ({@link Evtchn#pending()},
 * the polling part of {@link Evtchn#awaitPending}). On a machine with few cores this saves the thread
 * that would otherwise spin between the domain-0 thread and the consumers; the price is that remote
 * requests wait while no thread polls (a local handle asleep on its doorbell polls nothing).
 *
 * <p><b>Liveness.</b> The hub updates the heartbeat in its mark file ({@code hub.mark}, an Agrona
 * {@link org.agrona.MarkFile} with its pid) every {@value #HEARTBEAT_PERIOD_MS} ms. Handles watch it and
 * fail with ETIMEDOUT when it stands still beyond their {@link HandleOptions#hubTimeout(java.time.Duration)
 * hub timeout} (a hub stopped with SIGSTOP or hung), and with ENODEV when the hub's connection ends.
 *
 * <p><b>Rules.</b> The hub is the only writer of every event ring and checks every request: a handle
 * can only bind ports of its own domain, and only unmask, notify and unbind ports it holds. One lock
 * orders binds, unbinds, deliveries and unmasks (the kernel's {@code bind_mutex} and
 * {@code ring_prod_lock} in one). A handle's requests take effect in the order it made them: before a
 * control request, the hub applies the unmask and notify words the handle posted earlier.
 *
 * <p><b>Trust.</b> Peers run as the hub's user and map files in its directory, so they are trusted not to
 * truncate those files. Malformed frames, unknown ops, random request words and corrupted request-ring
 * indices are refused or get the offender disconnected; a forged sleeper count only costs the offender
 * its own doorbells; the hub and other handles keep working.
 *
 * <p><b>Benchmarks and embedding.</b> A program (or a benchmark's child JVM) runs the hub in process with
 * {@link #start(HubConfig)}, takes domain 0 with {@link #openLocal()}, allocates a port for the peer
 * domain with {@link Evtchn#bindUnboundPort(int)} and drives it with {@link Evtchn#notify(int)} and
 * {@link Evtchn#awaitPending}; {@link EvtchnHubMain} runs a hub as a process of its own.
 */
public final class EvtchnHub implements AutoCloseable
{
    /** The hub's own domain. */
    public static final int HUB_DOMID = 0;
    /** The first domain id that names no domain ({@code DOMID_FIRST_RESERVED}). */
    public static final int DOMID_FIRST_RESERVED = 0x7FF0;
    /** "My own domain" in a bind request ({@code DOMID_SELF}). */
    public static final int DOMID_SELF = DOMID_FIRST_RESERVED;

    /** How often the hub updates the heartbeat in its mark file; handles watch it (see {@link HandleOptions}). */
    public static final long HEARTBEAT_PERIOD_MS = 100;
    private static final int POLL_BATCH = 1024;

    private final HubConfig config;
    private final HubDirectory directory;
    private final HubCounters counters;
    private final AtomicCounter handlesCounter;
    private final AtomicCounter domainsCounter;
    private final AtomicCounter boundCounter;
    private final AtomicCounter raisedCounter;
    private final AtomicCounter deliveredCounter;
    private final AtomicCounter coalescedCounter;
    private final AtomicCounter overflowsCounter;
    private final AtomicCounter requestsCounter;
    private final AtomicCounter wakeupsCounter;
    private final AtomicCounter errorsCounter;
    private final UserPrincipal hubUser;
    private final Object lock = new Object();

    private final int maxPorts;
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
    private final int[] requestWords = new int[POLL_BATCH];
    private int lowestFree = 1;

    private final Int2ObjectHashMap<Domain> domains = new Int2ObjectHashMap<>();
    private final Long2ObjectHashMap<Domain> domainsByPid = new Long2ObjectHashMap<>();
    private final Set<HubSession> sessions = ConcurrentHashMap.newKeySet();
    private final int[] globalVirqDomain = new int[Virq.COUNT];
    private final List<HubHandle> handles = new ArrayList<>();
    private volatile HubHandle[] polled = new HubHandle[0];
    private final ConcurrentLinkedQueue<HubHandle> retired = new ConcurrentLinkedQueue<>();
    private final AtomicBoolean polling = new AtomicBoolean();
    private int nextDomid = 1;
    private long nextHandleId = 1;

    private final ServerSocketChannel server;
    private final Thread acceptor;
    private final Thread poller;
    private final ScheduledExecutorService scheduler;
    private volatile boolean closed;

    private EvtchnHub(final HubConfig config, final HubDirectory directory) throws IOException
    {
        this.config = config;
        this.directory = directory;
        this.maxPorts = config.maxPorts();
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
        this.hubUser = Files.getOwner(directory.directory());
        this.counters = HubCounters.create(directory.directory());
        this.handlesCounter = counters.counter(HubCounter.HANDLES);
        this.domainsCounter = counters.counter(HubCounter.DOMAINS);
        this.boundCounter = counters.counter(HubCounter.PORTS_BOUND);
        this.raisedCounter = counters.counter(HubCounter.RAISED);
        this.deliveredCounter = counters.counter(HubCounter.DELIVERED);
        this.coalescedCounter = counters.counter(HubCounter.COALESCED);
        this.overflowsCounter = counters.counter(HubCounter.OVERFLOWS);
        this.requestsCounter = counters.counter(HubCounter.REQUESTS);
        this.wakeupsCounter = counters.counter(HubCounter.WAKEUPS);
        this.errorsCounter = counters.counter(HubCounter.ERRORS);
        domains.put(HUB_DOMID, new Domain(HUB_DOMID, Domain.HUB_PID));
        domainsCounter.setRelease(1);

        this.server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        server.bind(UnixDomainSocketAddress.of(directory.directory().resolve(HubDirectory.SOCKET_FILE)));
        this.acceptor = new Thread(this::acceptLoop, "evtchn-hub-accept");
        this.poller = config.requestPolling() == RequestPolling.POLLER_THREAD
            ? new Thread(this::pollLoop, "evtchn-hub-requests")
            : null;
        acceptor.setDaemon(true);
        this.scheduler = Executors.newSingleThreadScheduledExecutor(runnable ->
        {
            final Thread thread = new Thread(runnable, "evtchn-hub-timer");
            thread.setDaemon(true);
            return thread;
        });
        acceptor.start();
        if (poller != null)
        {
            poller.setDaemon(true);
            poller.start();
        }
        final long periodNs = config.timerPeriod().toNanos();
        scheduler.scheduleAtFixedRate(this::timerTick, periodNs, periodNs, TimeUnit.NANOSECONDS);
        scheduler.scheduleAtFixedRate(directory::heartbeat, HEARTBEAT_PERIOD_MS, HEARTBEAT_PERIOD_MS, TimeUnit.MILLISECONDS);
    }

    /**
     * Start a hub: claim its directory (mode 0700; {@code EBUSY} if a live hub holds it, the files of a
     * dead one are removed), write the mark file and counters, listen on {@code hub.sock}, and start the
     * accept, timer and (unless {@link RequestPolling#INVOKER}) request threads (daemon threads).
     *
     * @param config where and how.
     * @return the running hub; {@link #close()} stops it and removes its files.
     * @throws EvtchnException with {@link Errno#EBUSY} if a live hub runs in the directory.
     * @throws IOException     if the directory or its files cannot be made.
     */
    public static EvtchnHub start(final HubConfig config) throws IOException
    {
        // a ring's resource tracking registers a JVM shutdown hook the first time a ring closes: do that now,
        // so that a hub stopped by a signal (during JVM shutdown) can still close its rings and remove its files
        PortRing.allocate(1).close();
        final HubDirectory directory = HubDirectory.claim(config.directory());
        try
        {
            return new EvtchnHub(config, directory);
        }
        catch (final IOException | RuntimeException ex)
        {
            directory.close();
            throw ex;
        }
    }

    /**
     * The hub's directory, to give to {@link Evtchn#open(Path)}.
     *
     * @return the directory.
     */
    public Path directory()
    {
        return directory.directory();
    }

    /**
     * The configuration the hub runs with.
     *
     * @return the configuration.
     */
    public HubConfig config()
    {
        return config;
    }

    /**
     * Open an in-process handle in domain 0 (the hub program's own domain). It has the whole
     * {@link Evtchn} API and costs no socket: requests are direct calls and its event ring lives in this
     * process's memory. Several local handles share domain 0 (and its virqs); each holds its own ports.
     *
     * @return the handle.
     * @throws EvtchnException {@link Errno#ENODEV} if the hub is closed.
     */
    public Evtchn openLocal() throws EvtchnException
    {
        return openLocal(HandleOptions.defaults());
    }

    /**
     * Open an in-process handle in domain 0 that waits as the options say (the hub timeout does not
     * apply: the hub is this process).
     *
     * @param options how {@link Evtchn#awaitPending} polls before it sleeps.
     * @return the handle.
     * @throws EvtchnException {@link Errno#ENODEV} if the hub is closed.
     */
    public Evtchn openLocal(final HandleOptions options) throws EvtchnException
    {
        Objects.requireNonNull(options, "options");
        final HubHandle handle;
        synchronized (lock)
        {
            checkOpen();
            handle = new HubHandle(nextHandleId++, domains.get(HUB_DOMID), null);
            handles.add(handle);
            handlesCounter.incrementRelease();
        }
        return new Evtchn(new LocalLink(this, handle), options);
    }

    /**
     * Raise a virq, the way the hypervisor would. A per-domain virq goes to the port {@code domid} bound
     * for it; a global virq goes to whichever domain bound it ({@code domid} is then ignored).
     * {@link Virq#TIMER} is also raised by the hub itself every timer period.
     *
     * @param domid the target domain ({@link #DOMID_SELF} means domain 0).
     * @param virq  the virq.
     * @return true if a bound port was fired, false if nobody bound the virq there.
     * @throws EvtchnException {@link Errno#ENODEV} if the hub is closed.
     */
    public boolean raiseVirq(final int domid, final Virq virq) throws EvtchnException
    {
        synchronized (lock)
        {
            checkOpen();
            final int number = virq.number();
            final Domain target = virq.isGlobal()
                ? domains.get(globalVirqDomain[number])
                : domains.get(domid == DOMID_SELF ? HUB_DOMID : domid);
            if (target == null || target.virqPorts[number] == 0)
            {
                return false;
            }
            fire(target.virqPorts[number]);
            return true;
        }
    }

    /**
     * Allocate a port in a domain that no handle holds yet, unbound for a remote domain: the toolstack's
     * role for console and store channels. A handle of that domain takes it with
     * {@link Evtchn#bindStatic(int)}; unbinding it then keeps the port.
     *
     * @param domid        the domain the port lives in.
     * @param remoteDomid  the domain that may connect to it ({@link #DOMID_SELF}: the same domain).
     * @return the port.
     * @throws EvtchnException {@link Errno#ESRCH} for a domain that does not exist, {@link Errno#ENOSPC}
     *                         when no port is free.
     */
    public int allocUnboundPort(final int domid, final int remoteDomid) throws EvtchnException
    {
        synchronized (lock)
        {
            checkOpen();
            final Domain domain = domains.get(domid);
            if (domain == null)
            {
                throw ErrorText.exception(Protocol.OP_BIND_UNBOUND_PORT, Errno.ESRCH, domid, 0);
            }
            final int remote = remoteDomid == DOMID_SELF ? domid : remoteDomid;
            if (remote < 0 || remote >= DOMID_FIRST_RESERVED)
            {
                throw ErrorText.exception(Protocol.OP_BIND_UNBOUND_PORT, Errno.EINVAL, remoteDomid, 0);
            }
            final int port = allocatePort(domain);
            kind[port] = PortKind.UNBOUND;
            remoteDomain[port] = remote;
            return port;
        }
    }

    /**
     * A snapshot of one port.
     *
     * @param port a port number.
     * @return its state.
     * @throws IllegalArgumentException if the port is outside the hub's range.
     */
    public PortStatus portStatus(final int port)
    {
        if (port < 0 || port >= maxPorts)
        {
            throw new IllegalArgumentException("port " + port + " is outside [0, " + maxPorts + ")");
        }
        synchronized (lock)
        {
            final HubHandle owner = holder[port];
            final PortKind k = kind[port];
            return new PortStatus(
                port, k, k == PortKind.FREE ? -1 : portDomain[port],
                k == PortKind.UNBOUND || k == PortKind.INTERDOMAIN ? remoteDomain[port] : -1,
                k == PortKind.INTERDOMAIN ? remotePort[port] : 0, k == PortKind.VIRQ ? portVirq[port] : null,
                owner == null ? -1 : owner.domid(), staticBinding[port], enabled[port], pending[port]);
        }
    }

    /**
     * The number of handles attached now.
     *
     * @return remote and in-process handles.
     */
    public int handleCount()
    {
        synchronized (lock)
        {
            return handles.size();
        }
    }

    /**
     * The id the hub gave a remote handle (it names the handle's ring files).
     *
     * @param domid the handle's domain.
     * @return the id of the domain's oldest open remote handle, or -1 if none is open.
     */
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

    /**
     * The number of allocated ports (held or not).
     *
     * @return ports in use.
     */
    public int allocatedPorts()
    {
        synchronized (lock)
        {
            return allocated.cardinality() - 1;
        }
    }

    /**
     * A counter's current value.
     *
     * @param counter the counter.
     * @return its value.
     */
    public long counter(final HubCounter counter)
    {
        synchronized (lock)
        {
            return closed ? -1 : counters.counter(counter).get();
        }
    }

    // ----------------------------------------------------------------------------------------------
    // requests (the kernel's ioctls), for in-process and remote handles alike
    // ----------------------------------------------------------------------------------------------

    int control(final HubHandle handle, final int op, final int a, final int b) throws EvtchnException
    {
        synchronized (lock)
        {
            if (handle.released)
            {
                throw ErrorText.exception(op, closed ? Errno.ENODEV : Errno.EBADF, a, b);
            }
            if (handle.requests != null)
            {
                applyRequests(handle, config.requestRingCapacity());
                if (handle.released)
                {
                    throw ErrorText.exception(op, Errno.EBADF, a, b);
                }
            }
            requestsCounter.incrementRelease();
            try
            {
                switch (op)
                {
                    case Protocol.OP_BIND_UNBOUND_PORT:
                        return bindUnboundPort(handle, a);
                    case Protocol.OP_BIND_INTERDOMAIN:
                        return bindInterdomain(handle, a, b);
                    case Protocol.OP_BIND_VIRQ:
                        return bindVirq(handle, a);
                    case Protocol.OP_BIND_STATIC:
                        return bindStatic(handle, a);
                    case Protocol.OP_UNBIND:
                        return unbind(handle, a);
                    case Protocol.OP_NOTIFY:
                        return notify(handle, a);
                    case Protocol.OP_UNMASK:
                        unmask(handle, a);
                        return 0;
                    case Protocol.OP_RESET:
                        final PortRing events = handle.events;
                        if (events != null)
                        {
                            events.reset();
                        }
                        return 0;
                    case Protocol.OP_RESTRICT:
                        return restrict(handle, a);
                    default:
                        throw ErrorText.exception(op, Errno.ENOSYS, a, b);
                }
            }
            catch (final EvtchnException ex)
            {
                errorsCounter.incrementRelease();
                throw ex;
            }
        }
    }

    int eventRingCapacity(final HubHandle handle)
    {
        synchronized (lock)
        {
            final PortRing events = handle.events;
            return events == null || handle.released ? 0 : events.capacity();
        }
    }

    private int bindUnboundPort(final HubHandle handle, final int remoteDomid) throws EvtchnException
    {
        final int op = Protocol.OP_BIND_UNBOUND_PORT;
        if (handle.restrictDomid != HubHandle.UNRESTRICTED)
        {
            throw ErrorText.exception(op, Errno.EACCES, remoteDomid, 0);
        }
        final int remote = remoteDomid == DOMID_SELF ? handle.domid() : remoteDomid;
        if (remote < 0 || remote >= DOMID_FIRST_RESERVED)
        {
            throw ErrorText.exception(op, Errno.EINVAL, remoteDomid, 0);
        }
        final int port = allocatePort(handle.domain);
        kind[port] = PortKind.UNBOUND;
        remoteDomain[port] = remote;
        attach(handle, port, false);
        return port;
    }

    private int bindInterdomain(final HubHandle handle, final int remoteDomid, final int rport)
        throws EvtchnException
    {
        final int op = Protocol.OP_BIND_INTERDOMAIN;
        if (handle.restrictDomid != HubHandle.UNRESTRICTED && handle.restrictDomid != remoteDomid)
        {
            throw ErrorText.exception(op, Errno.EACCES, remoteDomid, rport);
        }
        final int rdom = remoteDomid == DOMID_SELF ? handle.domid() : remoteDomid;
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

    private int bindVirq(final HubHandle handle, final int number) throws EvtchnException
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

    private int bindStatic(final HubHandle handle, final int port) throws EvtchnException
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

    private int unbind(final HubHandle handle, final int port) throws EvtchnException
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

    private int notify(final HubHandle handle, final int port) throws EvtchnException
    {
        if (port <= 0 || port >= maxPorts || holder[port] != handle)
        {
            throw ErrorText.exception(Protocol.OP_NOTIFY, Errno.ENOTCONN, port, 0);
        }
        switch (kind[port])
        {
            case INTERDOMAIN:
                fire(remotePort[port]);
                return 0;
            case VIRQ:
                throw ErrorText.exception(Protocol.OP_NOTIFY, Errno.EINVAL, port, 0);
            default:
                return 0; // an unbound port has nobody to tell: the event is dropped, as in Xen
        }
    }

    private void unmask(final HubHandle handle, final int port)
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

    private int restrict(final HubHandle handle, final int domid) throws EvtchnException
    {
        if (handle.restrictDomid != HubHandle.UNRESTRICTED)
        {
            throw ErrorText.exception(Protocol.OP_RESTRICT, Errno.EACCES, domid, 0);
        }
        if (domid <= 0 || domid >= DOMID_FIRST_RESERVED)
        {
            throw ErrorText.exception(Protocol.OP_RESTRICT, Errno.EINVAL, domid, 0);
        }
        handle.restrictDomid = domid;
        return 0;
    }

    // ----------------------------------------------------------------------------------------------
    // port table (all under the lock)
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

    private void attach(final HubHandle handle, final int port, final boolean isStatic) throws EvtchnException
    {
        holder[port] = handle;
        staticBinding[port] = isStatic;
        enabled[port] = true;
        handle.ports.add(port);
        try
        {
            ensureRoom(handle);
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

    /**
     * One free slot for every bound port: the first bind makes room for 64, then room doubles each time
     * the bound count exceeds it (E1).
     */
    private void ensureRoom(final HubHandle handle) throws EvtchnException
    {
        final PortRing events = handle.events;
        final int capacity = events == null ? 0 : events.capacity();
        final int bound = handle.ports.size();
        if (bound <= capacity)
        {
            return;
        }
        final int newCapacity = capacity == 0 ? PortRing.DEFAULT_INITIAL_CAPACITY : capacity << 1;
        if (newCapacity > config.ringCapacityLimit())
        {
            throw ErrorText.exception(Protocol.OP_BIND_UNBOUND_PORT, Errno.ENOMEM, 0, 0);
        }
        if (events == null)
        {
            createEventRing(handle);
        }
        else
        {
            events.resize(newCapacity);
        }
    }

    private void createEventRing(final HubHandle handle) throws EvtchnException
    {
        final int limit = config.ringCapacityLimit();
        final int length = PortRingDescriptor.requiredLength(limit);
        final UnsafeBuffer buffer;
        if (handle.isLocal())
        {
            buffer = new UnsafeBuffer(ByteBuffer.allocateDirect(length));
        }
        else
        {
            final Path file = directory.directory().resolve(HubHandle.eventsFileName(handle.id));
            try
            {
                Files.newByteChannel(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE).close();
                try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw"))
                {
                    raf.setLength(length);
                }
                handle.eventsMapping = IoUtil.mapExistingFile(file.toFile(), file.toString(), 0, length);
            }
            catch (final IOException ex)
            {
                deleteQuietly(file);
                throw new EvtchnException(Errno.ENOMEM, "cannot create the event ring " + file + ": " + ex.getMessage(), ex);
            }
            handle.eventsFile = file;
            buffer = new UnsafeBuffer(handle.eventsMapping);
        }
        final PortRing events = PortRing.format(buffer, PortRing.DEFAULT_INITIAL_CAPACITY, limit, ReaderWaiting.DOORBELL);
        events.claimExclusiveProducer(); // the hub is the only writer of every event ring
        final HubSession session = handle.session;
        events.doorbell(session == null ? handle.localDoorbell : () ->
        {
            wakeupsCounter.incrementRelease();
            session.doorbell();
        });
        handle.events = events;
        if (session == null)
        {
            handle.localDoorbell.ring(); // a local reader waiting for the ring to exist looks again
        }
    }

    private void detach(final HubHandle handle, final int port, final boolean scrub)
    {
        final boolean mayBeInRing = !enabled[port];
        holder[port] = null;
        enabled[port] = false;
        handle.ports.remove(port);
        boundCounter.getAndAddRelease(-1);
        if (scrub && mayBeInRing && scrubFromRing(handle, port))
        {
            drainBlanks(handle.events);
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
     * Overwrite every unread copy of {@code port} in the ring with 0, which is never a port and which
     * readers skip: after unbind returns, the port cannot be read from this handle's ring (E16).
     * {@link PortRing#replaceUnread} also reaches the copy a one-port read takes from the producer word,
     * and moves the ring's generation so that no read begun before it can claim a scrubbed copy.
     *
     * @return true if the unread entries are now all blank (and there is at least one).
     */
    private static boolean scrubFromRing(final HubHandle handle, final int port)
    {
        final PortRing events = handle.events;
        if (events == null)
        {
            return false;
        }
        events.replaceUnread(port, Protocol.BLANK);
        return !events.isEmpty() && !events.hasUnreadOtherThan(Protocol.BLANK);
    }

    /**
     * Read away a ring that holds only blanks, so that its poll mask stops reporting POLLIN for entries
     * no reader would return. Safe next to other readers: under the lock nothing but blanks can be read.
     */
    private void drainBlanks(final PortRing events)
    {
        if (events.overflowed())
        {
            return; // the overflow stays until reset, whatever the ring holds
        }
        while (events.read(requestWords, 0, requestWords.length) > 0)
        {
            // blanks only: dropped
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
                final int peer = remotePort[port];
                if (kind[peer] == PortKind.INTERDOMAIN && remotePort[peer] == port)
                {
                    kind[peer] = PortKind.UNBOUND;
                    remoteDomain[peer] = portDomain[port];
                    remotePort[peer] = 0;
                }
                break;
            case VIRQ:
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

    private void deliver(final HubHandle handle, final int port)
    {
        enabled[port] = false;
        if (handle.events.offer(port))
        {
            deliveredCounter.incrementRelease();
        }
        else
        {
            overflowsCounter.incrementRelease();
        }
    }

    private void timerTick()
    {
        synchronized (lock)
        {
            if (closed)
            {
                return;
            }
            for (final Domain domain : domains.values())
            {
                final int port = domain.virqPorts[Virq.TIMER.number()];
                if (port != 0)
                {
                    fire(port);
                }
            }
        }
    }

    private void checkOpen() throws EvtchnException
    {
        if (closed)
        {
            throw new EvtchnException(Errno.ENODEV, "the hub at " + directory.directory() + " is closed");
        }
    }

    // ----------------------------------------------------------------------------------------------
    // handles: attach, request rings, release
    // ----------------------------------------------------------------------------------------------

    /**
     * Check a connecting peer's credentials: only the hub's own user may attach (E24).
     *
     * @param peer    the peer's user, from {@code SO_PEERCRED}.
     * @param hubUser the user the hub runs as.
     * @throws EvtchnException {@link Errno#EACCES} for any other user.
     */
    static void checkPeer(final UserPrincipal peer, final UserPrincipal hubUser) throws EvtchnException
    {
        if (peer == null || !peer.getName().equals(hubUser.getName()))
        {
            throw new EvtchnException(Errno.EACCES, "peer user " + (peer == null ? "unknown" : peer.getName())
                + " is not the hub's user " + hubUser.getName() + ": a hub serves only its own uid");
        }
    }

    private void acceptLoop()
    {
        while (!closed)
        {
            final SocketChannel channel;
            try
            {
                channel = server.accept();
            }
            catch (final IOException ex)
            {
                return;
            }
            attachRemote(channel);
        }
    }

    private void attachRemote(final SocketChannel channel)
    {
        final HubSession session = new HubSession(this, channel);
        try
        {
            checkPeer(channel.getOption(jdk.net.ExtendedSocketOptions.SO_PEERCRED).user(), hubUser);
        }
        catch (final IOException ex)
        {
            countError();
            session.refuse(ex instanceof EvtchnException ? ((EvtchnException)ex).errno() : Errno.EACCES);
            return;
        }
        sessions.add(session);
        try
        {
            session.start();
        }
        catch (final IOException ex)
        {
            countError();
            sessions.remove(session);
            session.close();
            return;
        }
        if (closed)
        {
            session.close(); // close() may have missed it: its thread ends and releases nothing
        }
    }

    /**
     * Give a handle's session the connection that presented its bell key, as the handle's doorbell socket.
     *
     * @return false if no live session holds that handle and key.
     */
    boolean attachBell(final long handleId, final long key, final SocketChannel socket)
    {
        for (final HubSession session : sessions)
        {
            if (session.acceptBell(handleId, key, socket))
            {
                return true;
            }
        }
        return false;
    }

    /**
     * A session's thread ended.
     */
    void sessionEnded(final HubSession session)
    {
        sessions.remove(session);
    }

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
        synchronized (lock)
        {
            if (closed)
            {
                throw new EvtchnException(Errno.ENODEV, "the hub at " + directory.directory() + " is closing");
            }
            if (pid <= 0)
            {
                throw new EvtchnException(Errno.EINVAL, "hello names pid " + pid);
            }
            Domain domain = domainsByPid.get(pid);
            final boolean newDomain = domain == null;
            if (newDomain)
            {
                final int domid = allocateDomid();
                if (domid < 0)
                {
                    throw new EvtchnException(Errno.ENOSPC, "every domid is in use");
                }
                domain = new Domain(domid, pid);
            }
            final HubHandle handle = new HubHandle(nextHandleId++, domain, session);
            final Path requestsFile = directory.directory().resolve(HubHandle.requestsFileName(handle.id));
            try
            {
                handle.requests = PortRing.create(
                    requestsFile, config.requestRingCapacity(), config.requestRingCapacity(), ReaderWaiting.SPIN);
            }
            catch (final IOException ex)
            {
                throw new EvtchnException(Errno.ENOMEM, "cannot create " + requestsFile + ": " + ex.getMessage(), ex);
            }
            handle.requestsFile = requestsFile;
            if (newDomain)
            {
                domains.put(domain.domid, domain);
                domainsByPid.put(pid, domain);
                domainsCounter.incrementRelease();
            }
            domain.handles++;
            handles.add(handle);
            final HubHandle[] current = polled;
            final HubHandle[] next = Arrays.copyOf(current, current.length + 1);
            next[current.length] = handle;
            polled = next;
            handlesCounter.incrementRelease();
            return handle;
        }
    }

    private int allocateDomid()
    {
        for (int tries = 0; tries < DOMID_FIRST_RESERVED; tries++)
        {
            final int domid = nextDomid;
            nextDomid = nextDomid + 1 >= DOMID_FIRST_RESERVED ? 1 : nextDomid + 1;
            if (!domains.containsKey(domid))
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
     * delivered) unless it is being released for posting bad ones.
     */
    private void release(final HubHandle handle, final boolean applyPosted)
    {
        synchronized (lock)
        {
            if (handle.released)
            {
                return;
            }
            if (applyPosted && handle.requests != null && !closed)
            {
                applyRequests(handle, config.requestRingCapacity()); // words posted before close take effect first
                if (handle.released)
                {
                    return; // a malformed word: fault() has released it
                }
            }
            handle.released = true;
            for (final int port : handle.ports.toArray(new Integer[0]))
            {
                detach(handle, port, false);
            }
            if (!handle.isLocal())
            {
                final Domain domain = handle.domain;
                if (--domain.handles == 0) // the process's last handle: its domain ends, static ports too
                {
                    for (final int port : domain.ports.toArray(new Integer[0]))
                    {
                        closePort(port);
                    }
                    domains.remove(domain.domid);
                    domainsByPid.remove(domain.pid);
                    domainsCounter.getAndAddRelease(-1);
                }
                final HubHandle[] current = polled;
                final HubHandle[] next = new HubHandle[current.length - 1];
                int n = 0;
                for (final HubHandle other : current)
                {
                    if (other != handle)
                    {
                        next[n++] = other;
                    }
                }
                polled = next;
                deleteQuietly(handle.requestsFile); // unlinked now; the next duty cycle unmaps the ring
                retired.add(handle);
            }
            handles.remove(handle);
            handlesCounter.getAndAddRelease(-1);
            final PortRing events = handle.events;
            if (events != null)
            {
                events.close();
                if (handle.eventsMapping != null)
                {
                    IoUtil.unmap(handle.eventsMapping);
                    deleteQuietly(handle.eventsFile);
                }
            }
            if (handle.localDoorbell != null)
            {
                handle.localDoorbell.ring();
            }
        }
        if (handle.session != null)
        {
            handle.session.close();
        }
    }

    /**
     * Disconnect a handle that broke the protocol: it is told why, then released.
     */
    void fault(final HubHandle handle, final Errno errno)
    {
        errorsCounter.incrementRelease();
        handle.session.fault(errno);
        release(handle, false);
    }

    /**
     * Run one duty cycle of request polling on the calling thread, for a hub started with
     * {@link RequestPolling#INVOKER} (the role of Aeron's {@code AgentInvoker.invoke()}): apply the unmask
     * and notify words every remote handle has posted (up to a batch per handle), and unmap the request
     * rings of handles released since the last cycle. Safe next to every other hub operation and from
     * any thread; when another thread is inside a duty cycle at the time, this call returns 0 at once
     * rather than wait for it. The hub's in-process handles run it too while they poll an empty ring.
     *
     * <p>An invoker hub applies remote requests only while some thread runs this (or a local handle polls):
     * call it from the embedding program's event loop, and idle on the returned count.
     *
     * @return the number of request words applied, 0 if none was waiting or the hub is closed.
     * @throws IllegalStateException if the hub polls with a thread of its own
     *                               ({@link RequestPolling#POLLER_THREAD}): two pollers would only contend.
     */
    public int pollRequests()
    {
        if (poller != null)
        {
            throw new IllegalStateException("the hub at " + directory.directory() + " polls requests on its own "
                + "thread; start it with HubConfig.requestPolling(RequestPolling.INVOKER) to poll them yourself");
        }
        return dutyCycle();
    }

    private void pollLoop()
    {
        final IdleStrategy idle = config.idleStrategy().get();
        while (!closed)
        {
            idle.idle(dutyCycle());
        }
    }

    /**
     * One pass over the request rings by the one thread that owns the {@link #polling} flag meanwhile: a
     * request ring is unmapped only by its owner ({@link #closeRetired()}), so the rings it reads outside
     * the lock stay mapped; a thread that finds the flag taken does nothing.
     */
    private int dutyCycle()
    {
        if (closed || polling.get() || !polling.compareAndSet(false, true))
        {
            return 0; // a closed hub: close() takes the flag for good and must not wait behind new cycles
        }
        try
        {
            if (closed)
            {
                return 0; // close() unmaps what is left once it owns the flag
            }
            closeRetired();
            int work = 0;
            for (final HubHandle handle : polled)
            {
                if (!handle.requests.isEmpty()) // mapped: only the flag's owner closes request rings
                {
                    synchronized (lock)
                    {
                        if (!handle.released)
                        {
                            work += applyRequests(handle, POLL_BATCH);
                        }
                    }
                }
            }
            return work;
        }
        finally
        {
            polling.setRelease(false); // the unlock of a spin lock: release suffices, and costs no fence
        }
    }

    /**
     * Take up to {@code limit} words from a handle's request ring and apply them, under the lock. Words
     * are claimed and applied under the same hold of the lock, and a control request applies the words
     * posted before it first, so every handle's requests take effect in the order it made them (an unmask
     * can never overtake the unbind that followed it and land on a new binding of the same port).
     *
     * @return the number of words taken.
     */
    private int applyRequests(final HubHandle handle, final int limit)
    {
        final int[] words = requestWords;
        int taken = 0;
        while (taken < limit)
        {
            final int asked = Math.min(words.length, limit - taken);
            final int count;
            try
            {
                count = handle.requests.read(words, 0, asked);
            }
            catch (final IllegalStateException ex) // overflowed or corrupted by the handle: RingOverflowException and others
            {
                fault(handle, Errno.EFAULT);
                return taken + 1;
            }
            if (count == 0)
            {
                return taken;
            }
            taken += count;
            for (int i = 0; i < count; i++)
            {
                if (!applyWord(handle, words[i]))
                {
                    fault(handle, Errno.ENOSYS);
                    return taken;
                }
            }
            if (count < asked)
            {
                return taken; // the ring held no more when it was read: no second look for an empty ring
            }
        }
        return taken;
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
            applyWord(handle, word);
        }
    }

    /**
     * Apply one request word, under the lock.
     *
     * @return false for a word with an unknown operation (nothing was done).
     */
    private boolean applyWord(final HubHandle handle, final int word)
    {
        final int port = word & Protocol.RING_PORT_MASK;
        requestsCounter.incrementRelease();
        switch (word >>> Protocol.RING_PORT_BITS)
        {
            case Protocol.RING_UNMASK:
                unmask(handle, port);
                return true;
            case Protocol.RING_NOTIFY:
                notifyFrom(handle, port);
                return true;
            case Protocol.RING_UNMASK_NOTIFY:
                unmask(handle, port);
                notifyFrom(handle, port);
                return true;
            default:
                return false;
        }
    }

    /**
     * A notify word from a handle's request ring: fire the remote end of its interdomain port; a port it
     * does not hold counts as an error (the handle checked before posting, so this is a forged word).
     */
    private void notifyFrom(final HubHandle handle, final int port)
    {
        if (port < maxPorts && holder[port] == handle && kind[port] == PortKind.INTERDOMAIN)
        {
            fire(remotePort[port]);
        }
        else if (port >= maxPorts || holder[port] != handle)
        {
            errorsCounter.incrementRelease();
        }
    }

    private void closeRetired()
    {
        HubHandle handle;
        while ((handle = retired.poll()) != null)
        {
            handle.requests.close();
        }
    }

    private static void deleteQuietly(final Path file)
    {
        try
        {
            if (file != null)
            {
                Files.deleteIfExists(file);
            }
        }
        catch (final IOException ignore)
        {
            // the next hub in this directory removes leftovers
        }
    }

    /**
     * Stop the hub: every handle is released (remote handles see their connection close and fail with
     * ENODEV from then on), the threads stop, and the directory's files are removed.
     */
    @Override
    public void close()
    {
        final List<HubHandle> attached;
        synchronized (lock)
        {
            if (closed)
            {
                return;
            }
            closed = true;
            attached = new ArrayList<>(handles);
        }
        try
        {
            server.close();
        }
        catch (final IOException ignore)
        {
            // the acceptor stops either way
        }
        for (final HubHandle handle : attached)
        {
            release(handle);
        }
        scheduler.shutdownNow();
        joinQuietly(acceptor);
        if (poller != null)
        {
            joinQuietly(poller);
        }
        while (!polling.compareAndSet(false, true)) // a duty cycle under way ends soon: closed is set
        {
            Thread.yield();
        }
        closeRetired(); // rings retired after the last duty cycle; the flag stays taken, so no cycle runs again
        try
        {
            scheduler.awaitTermination(5, TimeUnit.SECONDS);
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
        }
        for (final HubSession session : sessions.toArray(new HubSession[0]))
        {
            session.close(); // sessions still waiting for a hello
            session.join();
        }
        counters.close();
        directory.close();
    }

    private static void joinQuietly(final Thread thread)
    {
        try
        {
            thread.join(TimeUnit.SECONDS.toMillis(5));
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * {@inheritDoc}
     */
    @Override
    public String toString()
    {
        return "EvtchnHub{" + directory.directory() + '}';
    }

}

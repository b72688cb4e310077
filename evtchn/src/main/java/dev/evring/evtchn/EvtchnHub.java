package dev.evring.evtchn;

import dev.evring.ring.Errno;
import dev.evring.ring.PortRing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.UserPrincipal;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.TimeUnit;

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
 * <p><b>Trust: the hub never trusts memory a client can write.</b> Peers run as the hub's user and map
 * their ring files read-write, so whatever the hub reads there (sizes, indices, locks, flags, request
 * words) is either kept on the hub's side (an event ring's capacity and producer index: the hub is its
 * exclusive producer) or validated before use, no operation on such a mapping may kill the JVM (the ring
 * checks its file is whole before every atomic, and a fault becomes an error), and every wait on shared
 * memory is bounded (a ring's producer lock: 10 ms). A client that
 * truncates, zeroes or locks its own files, sends malformed frames, unknown ops or random request words
 * loses its own handle (told why, released, counted in {@link HubCounter#ERRORS}, its files removed) and
 * nobody else notices; a forged sleeper count only costs the offender its own doorbells. Every hub thread
 * (accept, request, timer, sessions) survives any one session's failure, and a failed accept is retried
 * ({@link HubCounter#ACCEPT_FAILURES}). Out of disk space, the one bind that needed room fails with
 * {@code ENOSPC} and nothing else changes (SEMANTICS H1–H3, H5).
 *
 * <p><b>Parts.</b> This class is a facade over the parts that do the work, each named after its job
 * (see the package documentation): the {@code PortTable} (the kernel's {@code evtchn.c}), the
 * {@code HubConductor} (the lock, the handles, the requests), the {@code SessionAcceptor}, the
 * {@code RequestPoller} (the request duty cycle), the {@code EventRings} and the {@code TimerVirq}.
 *
 * <p><b>Benchmarks and embedding.</b> A program (or a benchmark's child JVM) runs the hub in process with
 * {@link #start(HubConfig)}, takes domain 0 with {@link #openLocal()}, allocates a port for the peer
 * domain with {@link Evtchn#bindUnboundPort(int)} and drives it with {@link Evtchn#notify(int)} and
 * {@link Evtchn#awaitPending}; {@link EvtchnHubMain} runs a hub as a process of its own.
 */
public final class EvtchnHub implements AutoCloseable, RemoteDomainHost
{
    /** The hub's own domain. */
    public static final int HUB_DOMID = 0;
    /** The first domain id that names no domain ({@code DOMID_FIRST_RESERVED}). */
    public static final int DOMID_FIRST_RESERVED = 0x7FF0;
    /** "My own domain" in a bind request ({@code DOMID_SELF}). */
    public static final int DOMID_SELF = DOMID_FIRST_RESERVED;

    /** How often the hub updates the heartbeat in its mark file; handles watch it (see {@link HandleOptions}). */
    public static final long HEARTBEAT_PERIOD_MS = 100;

    private final HubConfig config;
    private final HubDirectory directory;
    private final HubCounters counters;
    private final HubConductor conductor;
    private final RequestPoller poller;
    private final SessionAcceptor acceptor;
    private final TimerVirq timer;

    private EvtchnHub(final HubConfig config, final HubDirectory directory) throws IOException
    {
        this.config = config;
        this.directory = directory;
        final Path dir = directory.directory();
        this.counters = HubCounters.create(dir);
        this.conductor = new HubConductor(config, dir, counters);
        this.poller = conductor.poller();
        this.acceptor = new SessionAcceptor(
            conductor, dir.resolve(HubDirectory.SOCKET_FILE), Files.getOwner(dir), counters);
        acceptor.start();
        if (config.requestPolling() == RequestPolling.POLLER_THREAD)
        {
            poller.startThread();
        }
        this.timer = new TimerVirq(conductor, directory);
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
        return new Evtchn(new LocalLink(conductor, conductor.openLocal()), options);
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
        return conductor.raiseVirq(domid, virq);
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
        return conductor.allocUnboundPort(domid, remoteDomid);
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
        if (port < 0 || port >= config.maxPorts())
        {
            throw new IllegalArgumentException("port " + port + " is outside [0, " + config.maxPorts() + ")");
        }
        return conductor.portStatus(port);
    }

    /**
     * The number of handles attached now.
     *
     * @return remote and in-process handles.
     */
    public int handleCount()
    {
        return conductor.handleCount();
    }

    /**
     * The id the hub gave a remote handle (it names the handle's ring files).
     *
     * @param domid the handle's domain.
     * @return the id of the domain's oldest open remote handle, or -1 if none is open.
     */
    long handleIdOf(final int domid)
    {
        return conductor.handleIdOf(domid);
    }

    /**
     * The number of allocated ports (held or not).
     *
     * @return ports in use.
     */
    public int allocatedPorts()
    {
        return conductor.allocatedPorts();
    }

    /**
     * A counter's current value.
     *
     * @param counter the counter.
     * @return its value, or -1 once the hub is closed.
     */
    public long counter(final HubCounter counter)
    {
        return conductor.counter(counter);
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
        if (poller.hasThread())
        {
            throw new IllegalStateException("the hub at " + directory.directory() + " polls requests on its own "
                + "thread; start it with HubConfig.requestPolling(RequestPolling.INVOKER) to poll them yourself");
        }
        return poller.dutyCycle();
    }

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

    /**
     * Stop the hub: every handle is released (remote handles see their connection close and fail with
     * ENODEV from then on), the threads stop, and the directory's files are removed.
     */
    @Override
    public void close()
    {
        final List<HubHandle> attached = conductor.close();
        if (attached == null)
        {
            return;
        }
        acceptor.stopAccepting();
        for (final HubHandle handle : attached)
        {
            conductor.releaseContained(handle);
        }
        timer.stop();
        poller.stop();
        acceptor.closeSessions();
        conductor.closeRemote(); // before the counters it writes are unmapped
        counters.close();
        directory.close();
    }

    /**
     * Wait a bounded time for one of the hub's threads to end.
     */
    static void joinQuietly(final Thread thread)
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
    public RemotePorts attachRemoteDomains(final RemoteDomains domains) throws EvtchnException
    {
        return conductor.attachRemoteDomains(domains);
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

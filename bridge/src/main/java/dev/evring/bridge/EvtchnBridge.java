package dev.evring.bridge;

import dev.evring.evtchn.EvtchnException;
import dev.evring.evtchn.RemoteDomainHost;
import dev.evring.evtchn.RemoteDomains;
import dev.evring.evtchn.RemotePorts;
import dev.evring.ring.Errno;
import io.aeron.Aeron;
import io.aeron.ChannelUriStringBuilder;
import io.aeron.ExclusivePublication;
import io.aeron.Image;
import io.aeron.Subscription;
import io.aeron.driver.MediaDriver;
import io.aeron.driver.ThreadingMode;
import io.aeron.logbuffer.Header;
import org.agrona.CloseHelper;
import org.agrona.DirectBuffer;
import org.agrona.collections.Int2ObjectHashMap;
import org.agrona.concurrent.AgentInvoker;
import org.agrona.concurrent.IdleStrategy;
import org.agrona.concurrent.status.AtomicCounter;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.BooleanSupplier;

import static dev.evring.bridge.BridgeMessageDescriptor.*;

/**
 * Interdomain event channels between hubs on different hosts, carried by Aeron (B1–B7): the domains of each
 * peer hub appear in the local hub as domids of a reserved range, and the libxenevtchn calls work across
 * hosts unchanged.
 *
 * <pre>{@code
 * try (EvtchnHub hub = EvtchnHub.start(HubConfig.named("a"));
 *      EvtchnBridge bridge = EvtchnBridge.start(hub, BridgeConfig.hostName("a")
 *          .listen("127.0.0.2", 40100).peer("b", "127.0.0.3", 40100).keyFile(key)))
 * {
 *     int bDom1 = bridge.domidOf("b", 1);             // b's domain 1, as a local domid
 *     int port = dom0.bindUnboundPort(bDom1);         // b's domain 1 binds to it with bindInterdomain(domidOfA0, port)
 * }
 * }</pre>
 *
 * <p><b>Channels.</b> {@code bindUnboundPort(remote)} is local. {@code bindInterdomain(remote, port)} asks
 * the peer's hub, which validates and connects its port (E3); the new local port is left pending. A notify
 * of a cross-host port becomes a NOTIFY to the peer, which fires its end there (masking and coalescing are
 * that hub's); an unbind, close or death puts the other end back to unbound (E17, E22). The sending bridge
 * keeps one NOTIFY per port not yet sent (B4), retries whatever the stream refuses (B3), and never sends to a
 * peer that has not proved itself.
 *
 * <p><b>Transport.</b> One Aeron UDP unicast stream to each peer, received on one subscription at the listen
 * address: reliable and ordered per stream. The embedded media driver lives in {@code <hub dir>.aeron}
 * (removed on close); in the default {@link ThreadingMode#INVOKER} mode the driver's and the client's duty
 * cycles run inside the bridge's own, so the bridge costs one thread that idles with
 * {@link BridgeConfig#idleStrategy}, or none in {@link BridgeDutyCycle#INVOKER} mode (see Threads). Term
 * buffers are pre-touched ({@code sparse=false}). Aeron repairs a lost frame once a later frame shows the gap;
 * so that a lost last NOTIFY of a burst is not left for Aeron's own 100 ms heartbeat to reveal, the bridge
 * follows each burst with two small tail-loss probes.
 *
 * <p><b>Threads.</b> One duty cycle runs at a time: the driver's invoker, the client conductor's, the
 * receiving of the peers' messages, and the sending of the queued ones, heartbeats and liveness checks. In
 * {@link BridgeDutyCycle#BRIDGE_THREAD} mode (the default) the bridge's own thread runs it. In
 * {@link BridgeDutyCycle#INVOKER} mode the bridge starts no thread and the embedding program runs it with
 * {@link #doWork()}, from any thread (a call made while another thread runs a cycle does nothing and returns
 * 0); a thread waiting in {@link #awaitUp} or in a cross-host {@code bindInterdomain} runs it too while it
 * waits. The hub calls the {@link RemoteDomains} methods from its own threads at any time, in either mode:
 * they only queue work for the duty cycle (or, for a bind, wait for it). {@link #close()} may be called from
 * any thread, also while another runs a cycle: it waits for that cycle to end.
 *
 * <p><b>Liveness.</b> Peers exchange heartbeats every quarter of the peer timeout; a peer silent for the
 * timeout, whose image goes away, or that starts a new handshake on its stream is lost: every channel to it
 * goes back to unbound on this side, and it must prove itself again. Heartbeats and this check are part of
 * the duty cycle: in {@link BridgeDutyCycle#INVOKER} mode they work while the program invokes
 * {@link #doWork()} regularly (well within a quarter of the timeout), and a program that stops invoking is
 * seen by its peers as dead once the timeout has passed, as a hung host would be.
 *
 * <p><b>Security.</b> Each side challenges the other with a fresh nonce (a HELLO); the answer (a PROOF) is an
 * HMAC-SHA256 of the shared secret over the nonce, the prover's own challenge and both names
 * ({@link BridgeKey}). A side accepts its peer when the peer proves its challenge on one image (one Aeron
 * session): from then on it hears that peer on that image only, and the challenge is spent. Hellos from
 * unknown hosts and failed proofs are refused and counted; nothing but hellos and proofs is sent to a peer
 * before it proves itself, and messages from an unproven image are dropped and counted, as are malformed ones.
 * While a peer is up, hellos and proofs in its name from any other image are refused and counted, unanswered
 * and without effect: a sender that has not proved itself cannot disturb a proven link (nor, before, the keys
 * of a handshake under way), and a restarted peer is heard once its old stream has been silent for the peer
 * timeout. Every message after the handshake is authenticated too ({@link SessionKeys}): it carries a 64-bit
 * sequence number and a 64-bit SipHash-2-4 tag over all its bytes, under a key of its direction derived from
 * the secret, the receiver's challenge and both names, which both sides take when they accept each other
 * (a PROOF names its sender's challenge; one answering a hello before that is sealed on its own and moves no
 * key). A message whose tag fails, whose number is not the next one (a replay, a gap), that was made for the
 * other direction or under an earlier handshake's key, or that is malformed, is refused on a proven peer's
 * stream before anything of it reaches the hub, counted ({@link BridgeCounter#FORGED}), and the peer is lost
 * (its channels back to unbound, as for a dead peer) so that it proves itself again: an injected message may
 * have taken the place of a real one. What is not protected: messages are not encrypted (anyone on the path
 * reads the domids, ports and timing), a forger has a 2<sup>-64</sup> chance per try of a right tag, hellos
 * carry no tag (a hello injected into a proven peer's own stream, like any forgery or dropped traffic there,
 * can make the peers lose each other: availability is not protected against someone on the path), and the
 * secret in the key file is the whole of the trust: any host that holds it may act as any peer.
 */
public final class EvtchnBridge implements AutoCloseable, RemoteDomains
{
    /** The Aeron stream id of every bridge stream. */
    public static final int STREAM_ID = 0x45564252;
    /**
     * The suffix of the embedded driver's directory, a sibling of the hub directory ({@code <hub dir>.aeron}):
     * a hub refuses a directory that holds anything but its own files.
     */
    public static final String AERON_DIRECTORY_SUFFIX = ".aeron";
    private static final int FRAGMENT_LIMIT = 256;
    /** Tail-loss probes sent after the last message of a burst, and the quiet time before each. */
    private static final int TAIL_PROBES = 2;
    private static final long TAIL_PROBE_DELAY_NS = TimeUnit.MILLISECONDS.toNanos(1);

    private final BridgeConfig config;
    private final String hostName;
    private final int span;
    private final BridgeKey key;
    private final RemotePorts ports;
    private final AtomicCounter[] counters = new AtomicCounter[BridgeCounter.values().length];
    private final List<AtomicCounter> mapCounters = new ArrayList<>();
    private final Map<String, Peer> peersByName = new ConcurrentHashMap<>();
    private final Int2ObjectHashMap<Peer> peersBySession = new Int2ObjectHashMap<>();
    private final Map<Long, PendingBind> pendingBinds = new ConcurrentHashMap<>();
    private final AtomicLong nextRequestId = new AtomicLong();
    private final BridgeCodec codec = new BridgeCodec();
    private final long timeoutNs;
    private final long intervalNs;
    private volatile Peer[] peers = new Peer[0];
    private MediaDriver driver;
    private Aeron aeron;
    private AgentInvoker driverInvoker;
    private AgentInvoker clientInvoker;
    private Subscription subscription;
    private final ReentrantLock dutyLock = new ReentrantLock();
    private Thread thread;
    private volatile boolean running = true;
    private boolean closed;
    private long nowNs;

    private record PendingBind(Peer peer, int domid, int port, int remoteDomid, int remotePort,
        CompletableFuture<Integer> answer)
    {
    }

    private EvtchnBridge(final BridgeConfig config, final BridgeKey key, final RemoteDomainHost hub)
        throws EvtchnException
    {
        this.config = config;
        this.hostName = config.hostName();
        this.span = config.domidSpan();
        this.key = key;
        this.timeoutNs = config.peerTimeout().toNanos();
        this.intervalNs = timeoutNs / 4;
        this.ports = hub.attachRemoteDomains(this);
    }

    /**
     * Start a bridge for a hub: read the key, attach to the hub, start the media driver (or connect to the
     * external one), listen, open a stream to each peer, and start the bridge's thread (a daemon) unless the
     * configuration gives the duty cycle to the caller ({@link BridgeDutyCycle#INVOKER}: then call
     * {@link #doWork()} from now on).
     *
     * @param hub    the hub, in this process.
     * @param config the bridge's configuration.
     * @return the running bridge; {@link #close()} stops it (before the hub closes, or with it).
     * @throws IOException for an unreadable or open key file, a hub that has a bridge already
     *                     ({@link Errno#EBUSY}), or a transport that cannot start (the address in use...).
     */
    public static EvtchnBridge start(final RemoteDomainHost hub, final BridgeConfig config) throws IOException
    {
        if (config.keyFile() == null || config.listen().getPort() == 0)
        {
            throw new IllegalArgumentException("a bridge needs a key file and a listen port: " + config);
        }
        final BridgeKey key = BridgeKey.read(config.keyFile());
        final EvtchnBridge bridge = new EvtchnBridge(config, key, hub);
        try
        {
            bridge.open();
            return bridge;
        }
        catch (final RuntimeException ex)
        {
            bridge.close();
            throw new IOException("the bridge of " + config.hostName() + " cannot start: " + ex.getMessage(), ex);
        }
    }

    private void open()
    {
        for (final BridgeCounter counter : BridgeCounter.values())
        {
            counters[counter.ordinal()] = ports.newCounter(counter.label());
        }
        mapCounter(BridgeMapDescriptor.HOST_TYPE_ID, BridgeMapDescriptor.hostKey(hostName, span,
            (int)Math.min(Integer.MAX_VALUE, config.peerTimeout().toMillis())), "bridge " + hostName + " listening on "
            + config.listenEndpoint() + ", peer timeout " + config.peerTimeout().toMillis() + " ms")
            .setOrdered(config.peers().size());
        final Aeron.Context context = new Aeron.Context().useConductorAgentInvoker(true);
        if (config.aeronDirectory() == null)
        {
            driver = MediaDriver.launch(driverContext());
            driverInvoker = driver.sharedAgentInvoker();
            context.aeronDirectoryName(driver.aeronDirectoryName()).driverAgentInvoker(driverInvoker);
        }
        else
        {
            context.aeronDirectoryName(config.aeronDirectory());
        }
        aeron = Aeron.connect(context);
        clientInvoker = aeron.conductorAgentInvoker();
        subscription = aeron.addSubscription(
            new ChannelUriStringBuilder().media("udp").endpoint(BridgeConfig.endpoint(config.listen())).build(),
            STREAM_ID, this::imageAvailable, this::imageUnavailable);
        final List<BridgePeer> configured = config.peers();
        final Peer[] made = new Peer[configured.size()];
        for (int i = 0; i < made.length; i++)
        {
            final BridgePeer peer = configured.get(i);
            final ExclusivePublication publication = aeron.addExclusivePublication(new ChannelUriStringBuilder()
                .media("udp").endpoint(peer.endpoint()).termLength(config.termLength()).sparse(false).linger(0L)
                .build(), STREAM_ID);
            made[i] = new Peer(peer, (i + 1) * span, span, publication, count(BridgeCounter.NOTIFIES_SENT),
                count(BridgeCounter.NOTIFIES_COALESCED), count(BridgeCounter.BACK_PRESSURE),
                new SessionKeys(key, hostName, peer.name()));
            made[i].publishStateTo(mapCounter(BridgeMapDescriptor.PEER_TYPE_ID,
                BridgeMapDescriptor.peerKey(peer.name(), made[i].base, span), "peer " + peer.name() + " at "
                + peer.endpoint() + ": domids " + made[i].base + ".." + (made[i].base + span - 1) + " = " + peer.name()
                + ":0.." + (span - 1)));
            peersByName.put(peer.name(), made[i]);
        }
        peers = made;
        if (config.dutyCycle() == BridgeDutyCycle.BRIDGE_THREAD)
        {
            thread = new Thread(this::run, "evring-bridge-" + hostName);
            thread.setDaemon(true);
            thread.start();
        }
    }

    private MediaDriver.Context driverContext()
    {
        final Path directory = aeronDirectory(ports.directory());
        final MediaDriver.Context context = new MediaDriver.Context()
            .aeronDirectoryName(directory.toString())
            .threadingMode(config.threadingMode())
            .dirDeleteOnStart(true)     // the leftovers of a bridge killed before
            .dirDeleteOnShutdown(true)
            .termBufferSparseFile(false)
            .publicationTermBufferLength(config.termLength())
            .warnIfDirectoryExists(false);
        config.driverOptions().accept(context);
        return context;
    }

    // ----------------------------------------------------------------------------------------------
    // the API
    // ----------------------------------------------------------------------------------------------

    /**
     * Where the embedded media driver of a hub's bridge lives: next to the hub directory, removed when the
     * bridge closes (and, after a crash, when the next bridge starts).
     *
     * @param hubDirectory the hub directory.
     * @return {@code <hub dir>.aeron}.
     */
    public static Path aeronDirectory(final Path hubDirectory)
    {
        return hubDirectory.resolveSibling(hubDirectory.getFileName() + AERON_DIRECTORY_SUFFIX);
    }

    /**
     * This hub's host name.
     *
     * @return the name.
     */
    public String hostName()
    {
        return hostName;
    }

    /**
     * The configuration it runs with.
     *
     * @return the configuration.
     */
    public BridgeConfig config()
    {
        return config;
    }

    /**
     * The local domid that stands for a domain of a peer hub (B1).
     *
     * @param peer        the peer's host name.
     * @param remoteDomid the domain's domid on that hub, below the domid span.
     * @return the local domid.
     * @throws IllegalArgumentException for an unknown peer or a domid outside the span.
     */
    public int domidOf(final String peer, final int remoteDomid)
    {
        final Peer known = peersByName.get(peer);
        if (known == null)
        {
            throw new IllegalArgumentException("no peer named " + peer + " (peers: " + peersByName.keySet() + ")");
        }
        if (remoteDomid < 0 || remoteDomid >= span)
        {
            throw new IllegalArgumentException("remote domid " + remoteDomid + " is outside [0, " + span + ")");
        }
        return known.base + remoteDomid;
    }

    /**
     * Which remote domain a local domid stands for (B1).
     *
     * @param localDomid a domid.
     * @return the peer and its domid, or null if the domid is not in a peer's range.
     */
    public RemoteDomain remoteDomainOf(final int localDomid)
    {
        final Peer peer = peerOf(localDomid);
        return peer == null ? null : new RemoteDomain(localDomid, peer.config.name(), localDomid - peer.base);
    }

    /**
     * Whether a peer has proved itself and is alive.
     *
     * @param peer the peer's host name.
     * @return true if it is up.
     * @throws IllegalArgumentException for an unknown peer.
     */
    public boolean isUp(final String peer)
    {
        return peer(peer).isUp();
    }

    /**
     * Wait until a peer is up. In {@link BridgeDutyCycle#INVOKER} mode the waiting thread runs the duty cycle
     * meanwhile (when no other thread does).
     *
     * @param peer    the peer's host name.
     * @param timeout how long at most.
     * @return true if it is up, false on timeout or if the bridge closed.
     * @throws InterruptedException if interrupted.
     */
    public boolean awaitUp(final String peer, final Duration timeout) throws InterruptedException
    {
        final Peer known = peer(peer);
        final long deadlineNs = System.nanoTime() + timeout.toNanos();
        if (thread != null)
        {
            return known.awaitUp(deadlineNs);
        }
        invokeUntil(() -> known.isUp() || !running, deadlineNs);
        return known.isUp();
    }

    /**
     * Run one duty cycle in the caller's thread ({@link BridgeDutyCycle#INVOKER} mode): the embedded driver's
     * invoker, the Aeron client conductor's, then the bridge's own work: the peers' messages received and
     * applied to the hub, the queued notifies, closes and binds sent, hellos, heartbeats and tail-loss probes,
     * and the liveness check of each peer. Call it often, from a loop that idles on the work it returns;
     * peers send heartbeats every quarter of the peer timeout and see this bridge as dead (unbinding their
     * ends of its channels) once it has not run for the timeout, and this bridge's clock only counts a peer's
     * silence while it runs. Any thread may call it; a call made while another thread runs a cycle does
     * nothing and returns 0, as does a call after {@link #close()}.
     *
     * @return the work done (0 when there was none), for an {@link IdleStrategy}.
     * @throws IllegalStateException if the bridge runs its own thread ({@link BridgeDutyCycle#BRIDGE_THREAD}).
     */
    public int doWork()
    {
        if (thread != null)
        {
            throw new IllegalStateException("the bridge of " + hostName + " runs its own duty cycle thread; "
                + "configure BridgeDutyCycle.INVOKER to invoke it");
        }
        return invoke();
    }

    /**
     * A counter's value.
     *
     * @param counter the counter.
     * @return its value, or -1 once the bridge is closed.
     */
    public long counter(final BridgeCounter counter)
    {
        synchronized (counters)
        {
            return closed ? -1 : counters[counter.ordinal()].get();
        }
    }

    /**
     * Which local domids stand for which peer's domains, and whether each peer is up (B1).
     *
     * @return e.g. {@code EvtchnBridge{a listening on 127.0.0.1:40100; local domids 0..2047; peer b at
     * 127.0.0.1:40101: domids 2048..4095 = b's 0..2047 (up)}}.
     */
    @Override
    public String toString()
    {
        final StringBuilder text = new StringBuilder("EvtchnBridge{").append(hostName).append(" listening on ")
            .append(BridgeConfig.endpoint(config.listen())).append("; local domids 0..").append(span - 1);
        for (final Peer peer : peers)
        {
            text.append("; peer ").append(peer);
        }
        return text.append('}').toString();
    }

    // ----------------------------------------------------------------------------------------------
    // RemoteDomains: what the hub asks
    // ----------------------------------------------------------------------------------------------

    /**
     * {@inheritDoc}
     */
    @Override
    public boolean isRemote(final int domid)
    {
        return peerOf(domid) != null;
    }

    /**
     * {@inheritDoc}
     */
    @Override
    public int localDomidLimit()
    {
        return span;
    }

    /**
     * {@inheritDoc}
     */
    @Override
    public void bindInterdomain(final int domid, final int port, final int remoteDomid, final int remotePort)
        throws EvtchnException
    {
        final Peer peer = peerOf(remoteDomid);
        final long requestId = nextRequestId.incrementAndGet();
        final PendingBind pending =
            new PendingBind(peer, domid, port, remoteDomid, remotePort, new CompletableFuture<>());
        pendingBinds.put(requestId, pending);
        try
        {
            if (peer == null || !peer.queueBind(BIND_REQUEST, requestId, domid, port, remoteDomid - peer.base, remotePort, 0))
            {
                throw refused(Errno.ENOTCONN, remoteDomid, remotePort, "is not up");
            }
            final int errno = answer(pending.answer);
            if (errno != 0)
            {
                throw refused(Errno.of(errno), remoteDomid, remotePort, "refused the bind");
            }
            count(BridgeCounter.BINDS).increment();
        }
        catch (final TimeoutException ex)
        {
            throw refused(Errno.ETIMEDOUT, remoteDomid, remotePort, "did not answer in " + config.peerTimeout());
        }
        catch (final ExecutionException ex)
        {
            throw refused(Errno.ENOTCONN, remoteDomid, remotePort, "was lost: " + ex.getCause().getMessage());
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            throw refused(Errno.EINTR, remoteDomid, remotePort, "was not waited for");
        }
        finally
        {
            pendingBinds.remove(requestId);
        }
    }

    /**
     * {@inheritDoc}
     */
    @Override
    public void notify(final int port, final int domid, final int remoteDomid, final int remotePort)
    {
        final Peer peer = peerOf(remoteDomid);
        if (peer != null)
        {
            peer.queueNotify(port, domid, remotePort);
        }
    }

    /**
     * {@inheritDoc}
     */
    @Override
    public void closed(final int port, final int domid, final int remoteDomid, final int remotePort)
    {
        final Peer peer = peerOf(remoteDomid);
        if (peer != null)
        {
            peer.queueClose(port, domid, remotePort);
        }
    }

    /**
     * {@inheritDoc}
     */
    @Override
    public void hubClosed()
    {
        stop(false);
    }

    /**
     * The answer to a bind, within the peer timeout; in invoker mode the waiting thread runs the duty cycle
     * that brings it (the hub calls {@code bindInterdomain} without its lock).
     */
    private int answer(final CompletableFuture<Integer> answer)
        throws InterruptedException, ExecutionException, TimeoutException
    {
        if (thread != null)
        {
            return answer.get(timeoutNs, TimeUnit.NANOSECONDS);
        }
        if (!invokeUntil(answer::isDone, System.nanoTime() + timeoutNs))
        {
            throw new TimeoutException();
        }
        return answer.get();
    }

    // ----------------------------------------------------------------------------------------------
    // the duty cycle
    // ----------------------------------------------------------------------------------------------

    private void run()
    {
        final IdleStrategy idle = config.idleStrategy().get();
        while (running)
        {
            idle.idle(invoke());
        }
    }

    /**
     * Run duty cycles in this thread until a condition holds or a deadline passes.
     *
     * @return whether the condition holds.
     */
    private boolean invokeUntil(final BooleanSupplier condition, final long deadlineNs) throws InterruptedException
    {
        final IdleStrategy idle = config.idleStrategy().get();
        while (!condition.getAsBoolean())
        {
            if (Thread.interrupted())
            {
                throw new InterruptedException();
            }
            if (deadlineNs - System.nanoTime() <= 0)
            {
                return false;
            }
            idle.idle(invoke());
        }
        return true;
    }

    /**
     * One duty cycle, unless another thread runs one or the bridge stopped: the lock keeps cycles one at a
     * time and lets {@link #stop} wait for the last.
     */
    private int invoke()
    {
        if (!dutyLock.tryLock())
        {
            return 0;
        }
        try
        {
            return running ? dutyCycle() : 0;
        }
        finally
        {
            dutyLock.unlock();
        }
    }

    private int dutyCycle()
    {
        int work = driverInvoker == null ? 0 : driverInvoker.invoke();
        work += clientInvoker.invoke();
        nowNs = System.nanoTime();
        work += subscription.poll(this::onMessage, FRAGMENT_LIMIT);
        for (final Peer peer : peers)
        {
            work += keepAlive(peer);
            final int sent = peer.drain();
            work += sent;
            if (sent > 0 && peer.takeDataSent()) // only a drain that sent something can have sent data
            {
                peer.probesOwed = TAIL_PROBES;
                peer.nextProbeNs = nowNs + TAIL_PROBE_DELAY_NS;
            }
        }
        return work;
    }

    /**
     * Hello until the peer proves itself, heartbeats while it is up, and lose it when it falls silent. After
     * a burst of messages, a quiet stream gets two tail-loss probes (heartbeats 1 ms apart): Aeron finds a
     * lost frame only when a later one arrives, and on its own sends the next after 100 ms of quiet.
     */
    private int keepAlive(final Peer peer)
    {
        final boolean up = peer.isUp();
        if (up && nowNs - peer.lastHeardNs > timeoutNs)
        {
            lose(peer);
            return 1;
        }
        if (!up)
        {
            return hello(peer);
        }
        if (!peer.isBacklogEmpty())
        {
            return 0;
        }
        if (peer.probesOwed > 0 && nowNs - peer.nextProbeNs >= 0)
        {
            peer.probesOwed--;
            peer.nextProbeNs = nowNs + TAIL_PROBE_DELAY_NS;
            peer.queue(codec.buffer(), codec.heartbeat());
            return 1;
        }
        if (nowNs - peer.nextSendNs < 0)
        {
            return 0;
        }
        peer.nextSendNs = nowNs + intervalNs;
        peer.queue(codec.buffer(), codec.heartbeat());
        return 1;
    }

    /**
     * Challenge a peer that is not up, every quarter of the timeout once its stream is connected; a hello the
     * stream does not take is offered again in the next cycle.
     */
    private int hello(final Peer peer)
    {
        if (nowNs - peer.nextSendNs < 0 || !peer.isConnected()
            || !peer.offer(codec.buffer(), codec.hello(peer.challenge, hostName, peer.config.name())))
        {
            return 0;
        }
        peer.nextSendNs = nowNs + intervalNs;
        return 1;
    }

    private void onMessage(final DirectBuffer buffer, final int offset, final int length, final Header header)
    {
        final int type = typeOf(buffer, offset, length);
        final Peer peer = peersBySession.get(header.sessionId());
        if (type < 0)
        {
            refuseMalformed(peer);
        }
        else if (type == HELLO)
        {
            onHello(buffer, offset, header.sessionId());
        }
        else if (type == PROOF)
        {
            onProof(buffer, offset, header.sessionId());
        }
        else if (peer == null)
        {
            count(BridgeCounter.MALFORMED).increment(); // from an image that has not proved itself
        }
        else if (isAuthentic(peer, buffer, offset, length))
        {
            onSealed(peer, type, buffer, offset);
        }
    }

    /**
     * A malformed message: counted; on a proven peer's stream it takes the place of a real one, which makes
     * it a forgery.
     */
    private void refuseMalformed(final Peer peer)
    {
        if (peer == null)
        {
            count(BridgeCounter.MALFORMED).increment();
        }
        else
        {
            forged(peer);
        }
    }

    /**
     * Whether a sealed message from a proven peer's stream carries its key's tag and the next sequence
     * number; one that does not is a forgery.
     */
    private boolean isAuthentic(final Peer peer, final DirectBuffer buffer, final int offset, final int length)
    {
        if (!peer.keys.open(buffer, offset, length))
        {
            forged(peer);
            return false;
        }
        peer.lastHeardNs = nowNs;
        return true;
    }

    /**
     * A message that fails authentication: refused and counted. On a proven peer's stream ({@code streamOf}
     * not null) the forgery may have taken the place of a real message (a lost NOTIFY is a lost wake-up), so
     * the peer is lost: its channels go back to unbound (B5) rather than carry on with a hole, and it proves
     * itself again with fresh keys.
     */
    private void forged(final Peer streamOf)
    {
        count(BridgeCounter.FORGED).increment();
        if (streamOf != null)
        {
            lose(streamOf);
        }
    }

    private void onSealed(final Peer peer, final int type, final DirectBuffer buffer, final int offset)
    {
        switch (type)
        {
            case BIND_REQUEST:
                onBindRequest(peer, buffer, offset);
                break;
            case BIND_REPLY:
                onBindReply(peer, buffer, offset);
                break;
            case NOTIFY:
            case CLOSE:
                onChannel(peer, type, buffer, offset);
                break;
            default:
                break; // a heartbeat: being heard is all it says
        }
    }

    /**
     * A challenge from a known peer, meant for this host. While the peer is not up it is answered with a PROOF
     * sealed on its own, which changes nothing here: before a peer proves itself a stranger claiming its name
     * cannot be told from it, and the answer goes to the peer's own address anyway. While the peer is up only
     * its proven stream is heard: there a hello of the challenge this side's messages are sealed for means
     * the peer has not seen this side's PROOF yet, which is sent again, next in the stream; a hello of another
     * challenge means the peer lost us, and we lose it too, then answer. A hello from any other image is
     * refused and counted, unanswered: it starts nothing, and a restarted peer is heard once its old stream
     * has been silent for the peer timeout.
     */
    private void onHello(final DirectBuffer buffer, final int offset, final int session)
    {
        final Peer peer = sender(buffer, offset, HELLO_NAME_LENGTH_OFFSET, HELLO_NAME_OFFSET,
            HELLO_TARGET_LENGTH_OFFSET, HELLO_TARGET_OFFSET);
        if (peer == null)
        {
            return;
        }
        final int nonceOffset = offset + HELLO_NONCE_OFFSET;
        if (peer.isUp())
        {
            if (session != peer.session)
            {
                count(BridgeCounter.REFUSED_PEERS).increment();
                return;
            }
            if (peer.keys.isPeerChallenge(buffer, nonceOffset))
            {
                proveAccepted(peer);
                return;
            }
            lose(peer);
        }
        answer(peer, BridgeCodec.nonce(buffer, nonceOffset));
    }

    /**
     * An answer to a challenge. A peer that is not up is accepted once it proves this host's challenge, on the
     * image it answered from, in a PROOF sealed with that challenge's key; the PROOF names the peer's own
     * challenge, whose key this side's messages take from then on ({@link SessionKeys#accept}). While the
     * peer is up only its proven stream is heard: there a PROOF of the accepted challenge sealed in sequence
     * is one more message of the stream, and the peer's answers sealed on their own (sent before it accepted
     * us) or to other challenges (a stranger's hellos) change nothing. A PROOF from any other image, a
     * replay or a stranger's, is refused and counted.
     */
    private void onProof(final DirectBuffer buffer, final int offset, final int session)
    {
        final Peer peer = sender(buffer, offset, PROOF_NAME_LENGTH_OFFSET, PROOF_NAME_OFFSET,
            PROOF_TARGET_LENGTH_OFFSET, PROOF_TARGET_OFFSET);
        if (peer == null)
        {
            return; // refused and counted
        }
        if (peer.isUp())
        {
            if (session != peer.session)
            {
                count(BridgeCounter.REFUSED_PEERS).increment();
            }
            else if (peer.keys.isAccepted(buffer, offset)
                && buffer.getLong(offset + sequenceOffset(PROOF_LENGTH), ORDER) != 0) // not an answer on its own
            {
                isAuthentic(peer, buffer, offset, PROOF_LENGTH);
            }
            return;
        }
        if (!Arrays.equals(BridgeCodec.nonce(buffer, offset + PROOF_NONCE_OFFSET), peer.challenge))
        {
            return; // the answer to an older challenge, or to a stranger's hello
        }
        if (!key.verify(peer.challenge, peer.config.name(), hostName, buffer, offset))
        {
            count(BridgeCounter.REFUSED_PEERS).increment();
            return;
        }
        if (!peer.keys.accept(buffer, offset))
        {
            forged(null); // the proof holds but its seal does not: changed on the way
            return;
        }
        accept(peer, session);
    }

    /**
     * The peer proved itself on an image: it is up. Its challenge is spent (a fresh one waits for the next
     * handshake, so a proof of this one cannot bring up another image), and this side's PROOF of the peer's
     * challenge goes first on the stream to it, before anything the hub queues once the peer is up.
     */
    private void accept(final Peer peer, final int session)
    {
        peer.challenge = BridgeKey.nonce();
        proveAccepted(peer);
        peer.session = session;
        peer.lastHeardNs = nowNs;
        peer.nextSendNs = nowNs;
        peersBySession.put(session, peer);
        peer.up(true);
        count(BridgeCounter.PEERS_UP).increment();
    }

    /**
     * Queue the PROOF of an accepted peer's challenge, sealed next in the stream: the peer accepts this side
     * from it and checks what follows with its challenge's key.
     */
    private void proveAccepted(final Peer peer)
    {
        peer.queue(codec.buffer(), proof(peer, peer.keys.peerChallenge(), peer.keys.acceptedChallenge()));
    }

    /**
     * Offer the answer to a peer's hello, sealed on its own ({@link SessionKeys#sealAnswer}); dropped if the
     * stream does not take it (the peer says hello again).
     */
    private void answer(final Peer peer, final byte[] nonce)
    {
        final int length = proof(peer, nonce, peer.challenge);
        peer.keys.sealAnswer(codec.buffer(), 0);
        peer.offer(codec.buffer(), length);
    }

    /**
     * Write a PROOF of a nonce that names this side's challenge to the peer.
     *
     * @return its length.
     */
    private int proof(final Peer peer, final byte[] nonce, final byte[] own)
    {
        final String name = peer.config.name();
        return codec.proof(nonce, own, key.proof(nonce, own, hostName, name), hostName, name);
    }

    /**
     * The known peer that sent a hello or a proof meant for this host; null, counted, for malformed names
     * (malformed) or for an unknown host or another target (refused).
     */
    private Peer sender(final DirectBuffer buffer, final int offset, final int nameLengthOffset, final int nameOffset,
        final int targetLengthOffset, final int targetOffset)
    {
        final String name = BridgeCodec.name(buffer, offset, nameLengthOffset, nameOffset);
        final String target = BridgeCodec.name(buffer, offset, targetLengthOffset, targetOffset);
        if (name == null || target == null)
        {
            count(BridgeCounter.MALFORMED).increment();
            return null;
        }
        final Peer peer = peersByName.get(name);
        if (peer == null || !target.equals(hostName))
        {
            count(BridgeCounter.REFUSED_PEERS).increment();
            return null;
        }
        return peer;
    }

    /**
     * A peer is lost (silent, its image gone, or it lost us): its channels go back to unbound here, binds
     * waiting for it fail, its backlog is dropped, its keys are forgotten, and it must prove itself again to a
     * fresh challenge.
     */
    private void lose(final Peer peer)
    {
        peer.up(false);
        peersBySession.remove(peer.session);
        peer.session = Peer.NO_SESSION;
        peer.challenge = BridgeKey.nonce();
        peer.keys.reset();
        peer.nextSendNs = nowNs;
        count(BridgeCounter.PEERS_UP).decrement();
        count(BridgeCounter.PEERS_LOST).increment();
        count(BridgeCounter.CHANNELS_LOST).getAndAdd(ports.disconnectAll(peer.base, peer.base + peer.span));
        for (final PendingBind pending : pendingBinds.values())
        {
            if (pending.peer == peer)
            {
                pending.answer.completeExceptionally(new IOException("peer " + peer.config.name() + " lost"));
            }
        }
    }

    private void onBindRequest(final Peer peer, final DirectBuffer buffer, final int offset)
    {
        final BridgeCodec.Bind request = BridgeCodec.Bind.read(buffer, offset);
        Errno refusal = Errno.EINVAL;
        if (request.namesAChannel(span) && request.errno() == 0)
        {
            refusal = ports.connect(request.unboundDomid(), request.unboundPort(), peer.base + request.binderDomid(),
                request.binderPort());
            if (refusal == null)
            {
                count(BridgeCounter.BINDS).increment();
            }
        }
        else
        {
            count(BridgeCounter.MALFORMED).increment();
        }
        peer.queueBind(BIND_REPLY, request.requestId(), request.binderDomid(), request.binderPort(),
            request.unboundDomid(), request.unboundPort(), refusal == null ? 0 : refusal.number());
    }

    private void onBindReply(final Peer peer, final DirectBuffer buffer, final int offset)
    {
        final BridgeCodec.Bind reply = BridgeCodec.Bind.read(buffer, offset);
        final int binderDomid = reply.binderDomid();
        final int binderPort = reply.binderPort();
        final int port = reply.unboundPort();
        final int errno = reply.errno();
        final PendingBind pending = pendingBinds.get(reply.requestId());
        if (!isErrno(errno) || !reply.namesAChannel(span))
        {
            count(BridgeCounter.MALFORMED).increment();
        }
        else if (pending != null && pending.peer == peer && pending.domid == binderDomid && pending.port == binderPort
            && pending.remoteDomid == peer.base + reply.unboundDomid() && pending.remotePort == port)
        {
            pending.answer.complete(errno);
        }
        else if (errno == 0)
        {
            peer.queueClose(binderPort, binderDomid, port); // nobody waits for this channel any more: undo it
        }
    }

    private void onChannel(final Peer peer, final int type, final DirectBuffer buffer, final int offset)
    {
        final int domid = buffer.getInt(offset + CHANNEL_DOMID_OFFSET, ORDER);
        final int port = buffer.getInt(offset + CHANNEL_PORT_OFFSET, ORDER);
        final int localPort = buffer.getInt(offset + CHANNEL_REMOTE_PORT_OFFSET, ORDER);
        if (!isDomid(domid) || port <= 0 || localPort <= 0)
        {
            count(BridgeCounter.MALFORMED).increment();
        }
        else if (type == NOTIFY)
        {
            count(BridgeCounter.NOTIFIES_RECEIVED).increment();
            ports.fire(localPort, peer.base + domid, port);
        }
        else
        {
            ports.disconnect(localPort, peer.base + domid, port);
        }
    }

    private void imageAvailable(final Image image)
    {
        // a peer's stream is there: it says who it is in its hello, and proves it before anything counts
    }

    private void imageUnavailable(final Image image)
    {
        final Peer peer = peersBySession.get(image.sessionId());
        if (peer != null)
        {
            lose(peer);
        }
    }

    // ----------------------------------------------------------------------------------------------
    // helpers and close
    // ----------------------------------------------------------------------------------------------

    private Peer peerOf(final int domid)
    {
        final int index = domid / span - 1;
        final Peer[] known = peers;
        return domid >= 0 && index >= 0 && index < known.length ? known[index] : null;
    }

    private Peer peer(final String name)
    {
        final Peer peer = peersByName.get(name);
        if (peer == null)
        {
            throw new IllegalArgumentException("no peer named " + name + " (peers: " + peersByName.keySet() + ")");
        }
        return peer;
    }

    private boolean isDomid(final int domid)
    {
        return domid >= 0 && domid < span;
    }

    private static boolean isErrno(final int number)
    {
        if (number == 0)
        {
            return true;
        }
        for (final Errno errno : Errno.values())
        {
            if (errno.number() == number)
            {
                return true;
            }
        }
        return false;
    }

    private EvtchnException refused(final Errno errno, final int remoteDomid, final int remotePort, final String why)
    {
        final RemoteDomain remote = remoteDomainOf(remoteDomid);
        return new EvtchnException(errno, "bindInterdomain(" + remoteDomid + ", " + remotePort + "): host "
            + (remote == null ? "?" : remote.peer()) + ' ' + why);
    }

    /**
     * A counter of the domid map (B1) in the hub's counters file, freed when the bridge closes.
     */
    private AtomicCounter mapCounter(final int typeId, final DirectBuffer key, final String label)
    {
        final AtomicCounter counter = ports.newCounter(typeId, key, label);
        mapCounters.add(counter);
        return counter;
    }

    private AtomicCounter count(final BridgeCounter counter)
    {
        return counters[counter.ordinal()];
    }

    /**
     * Stop the bridge: its thread ends (or, in invoker mode, the cycle another thread runs ends, and later
     * calls of {@link #doWork()} do nothing), every channel to a peer goes back to unbound locally, waiting binds
     * fail, the streams and the embedded driver close (its directory is removed), and the hub forgets the
     * bridge. Peers see this host fall silent and unbind their ends. Idempotent.
     */
    @Override
    public void close()
    {
        stop(true);
    }

    private void stop(final boolean hubOpen)
    {
        synchronized (counters)
        {
            if (closed)
            {
                return;
            }
            closed = true;
        }
        running = false;
        final boolean cycleEnded = awaitLastCycle();
        try
        {
            release(hubOpen);
        }
        finally
        {
            if (cycleEnded)
            {
                dutyLock.unlock();
            }
        }
    }

    /**
     * Wait (at most 10 s) for the duty cycle under way to end: the bridge's thread, or an invoker's cycle.
     *
     * @return whether this thread holds the duty lock (and must unlock it).
     */
    private boolean awaitLastCycle()
    {
        final Thread duty = thread;
        try
        {
            if (duty != null && duty != Thread.currentThread())
            {
                duty.join(TimeUnit.SECONDS.toMillis(10));
            }
            return dutyLock.tryLock(10, TimeUnit.SECONDS);
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private void release(final boolean hubOpen)
    {
        for (final PendingBind pending : pendingBinds.values())
        {
            pending.answer.completeExceptionally(new IOException("the bridge of " + hostName + " closed"));
        }
        final List<AutoCloseable> resources = new ArrayList<>();
        for (final Peer peer : peers)
        {
            resources.add(peer::close);
        }
        resources.add(subscription);
        resources.add(aeron);
        resources.add(driver);
        CloseHelper.quietCloseAll(resources);
        if (hubOpen)
        {
            ports.detach();
            for (final AtomicCounter counter : counters)
            {
                CloseHelper.quietClose(counter); // frees its slot in the hub's counters file
            }
            CloseHelper.quietCloseAll(mapCounters);
        }
    }
}

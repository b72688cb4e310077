package dev.evring.bridge;

import dev.evring.evtchn.EvtchnHub;
import io.aeron.driver.MediaDriver;
import io.aeron.driver.ThreadingMode;
import org.agrona.concurrent.BackoffIdleStrategy;
import org.agrona.concurrent.IdleStrategy;

import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Supplier;
import java.util.regex.Pattern;

/**
 * How to run an {@link EvtchnBridge}: this host's name, where it listens, its peers, the shared key and the
 * transport. Immutable; each setter returns a changed copy.
 *
 * <pre>{@code
 * BridgeConfig.hostName("a")
 *     .listen("127.0.0.2", 40100)                  // UDP; loopback unless told otherwise
 *     .peer("b", "127.0.0.3", 40100)               // b's domains become local domids 2048..4095
 *     .keyFile(Path.of("/etc/evring/bridge.key"))  // mode 0600, the same secret on every host
 * }</pre>
 *
 * <p><b>Domids.</b> The hub keeps its own domains below {@link #domidSpan()} (2048 by default); the i-th peer
 * (from 0, in the order given) has the range {@code [(i + 1) * span, (i + 2) * span)}, its domain {@code d}
 * standing as {@code (i + 1) * span + d}. Every bridge of a team should use the same span.
 *
 * <p><b>Transport.</b> By default the bridge embeds an Aeron media driver (in the hub directory, removed on
 * close) in {@link ThreadingMode#INVOKER} mode: the driver's work runs inside the bridge's own duty cycle, so
 * it needs no thread and no core of its own (on a machine with two cores a driver thread would fight the
 * hub and its clients for them); {@link #threadingMode(ThreadingMode)} chooses another mode, and
 * {@link #aeronDirectory(String)} uses an external driver instead. {@link #dutyCycle(BridgeDutyCycle)} chooses
 * whether the bridge runs that cycle on a thread of its own or the embedding program runs it.
 */
public final class BridgeConfig
{
    /** Default peer timeout: a peer silent for this long is lost. */
    public static final Duration DEFAULT_PEER_TIMEOUT = Duration.ofSeconds(2);
    /** Default span of each reserved domid range (and bound on the hub's own domids). */
    public static final int DEFAULT_DOMID_SPAN = 0x800;
    /** The smallest domid span. */
    public static final int MIN_DOMID_SPAN = 16;
    /** The largest domid span. */
    public static final int MAX_DOMID_SPAN = 0x2000;
    /** Default Aeron term length of each stream (the least Aeron allows; messages are tens of bytes). */
    public static final int DEFAULT_TERM_LENGTH = 64 * 1024;
    /** The listen address when none is given. */
    public static final String DEFAULT_LISTEN_HOST = "127.0.0.1";
    /**
     * Default idle strategy of the bridge's duty cycle: spin, yield, then park from 1 to 100 microseconds.
     */
    public static final Supplier<IdleStrategy> DEFAULT_IDLE_STRATEGY = () -> new BackoffIdleStrategy(
        100, 10, TimeUnit.MICROSECONDS.toNanos(1), TimeUnit.MICROSECONDS.toNanos(100));

    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9._-]{1," + BridgeMessageDescriptor.NAME_CAPACITY + "}");

    private String hostName;
    private InetSocketAddress listen;
    private List<BridgePeer> peers = List.of();
    private Path keyFile;
    private Duration peerTimeout = DEFAULT_PEER_TIMEOUT;
    private int domidSpan = DEFAULT_DOMID_SPAN;
    private int termLength = DEFAULT_TERM_LENGTH;
    private String aeronDirectory;
    private ThreadingMode threadingMode = ThreadingMode.INVOKER;
    private Supplier<IdleStrategy> idleStrategy = DEFAULT_IDLE_STRATEGY;
    private Consumer<MediaDriver.Context> driverOptions = context -> { };
    private BridgeDutyCycle dutyCycle = BridgeDutyCycle.BRIDGE_THREAD;

    private BridgeConfig()
    {
    }

    /**
     * A bridge for a host name, listening on {@value #DEFAULT_LISTEN_HOST}; {@link #listen(String, int)}
     * gives the port (which the peers name), and may give another address.
     *
     * @param hostName this hub's host name (letters, digits, '.', '_', '-'; at most 64).
     * @return the configuration.
     */
    public static BridgeConfig hostName(final String hostName)
    {
        final BridgeConfig config = new BridgeConfig();
        config.hostName = checkName(hostName);
        config.listen = new InetSocketAddress(DEFAULT_LISTEN_HOST, 0);
        return config;
    }

    /**
     * Where the bridge receives its peers' streams (UDP).
     *
     * @param host an address of this host (loopback by default; name another interface to reach other hosts).
     * @param port a UDP port, 1..65535.
     * @return a changed copy.
     */
    public BridgeConfig listen(final String host, final int port)
    {
        final BridgeConfig copy = copy();
        copy.listen = address(host, port);
        return copy;
    }

    /**
     * Add a peer: its domains get the next reserved range.
     *
     * @param name its host name (as its bridge's {@link #hostName()}).
     * @param host the address its bridge listens on.
     * @param port its UDP port.
     * @return a changed copy.
     */
    public BridgeConfig peer(final String name, final String host, final int port)
    {
        final BridgePeer peer = new BridgePeer(name, address(host, port));
        if (name.equals(hostName) || peers.stream().anyMatch(p -> p.name().equals(name)))
        {
            throw new IllegalArgumentException("peer name " + name + " is taken (this host or another peer)");
        }
        if ((peers.size() + 2L) * domidSpan > EvtchnHub.DOMID_FIRST_RESERVED)
        {
            throw new IllegalArgumentException("no domid range left for peer " + name + " with a span of " + domidSpan);
        }
        final BridgeConfig copy = copy();
        final List<BridgePeer> list = new ArrayList<>(peers);
        list.add(peer);
        copy.peers = List.copyOf(list);
        return copy;
    }

    /**
     * The key file holding the secret every bridge of the team shares (see {@link BridgeKey}).
     *
     * @param file a file of mode 0600.
     * @return a changed copy.
     */
    public BridgeConfig keyFile(final Path file)
    {
        final BridgeConfig copy = copy();
        copy.keyFile = Objects.requireNonNull(file, "file");
        return copy;
    }

    /**
     * How long a peer may stay silent before it is lost; heartbeats go out every quarter of it.
     *
     * @param timeout from 100 ms to 1 minute.
     * @return a changed copy.
     */
    public BridgeConfig peerTimeout(final Duration timeout)
    {
        if (timeout.compareTo(Duration.ofMillis(100)) < 0 || timeout.compareTo(Duration.ofMinutes(1)) > 0)
        {
            throw new IllegalArgumentException("peer timeout " + timeout + " is outside [100 ms, 1 min]");
        }
        final BridgeConfig copy = copy();
        copy.peerTimeout = timeout;
        return copy;
    }

    /**
     * The size of each reserved domid range, and the bound on the hub's own domids.
     *
     * @param span a power of two from 16 to 0x2000, leaving a range for every peer below 0x7FF0.
     * @return a changed copy.
     */
    public BridgeConfig domidSpan(final int span)
    {
        if (span < MIN_DOMID_SPAN || span > MAX_DOMID_SPAN || Integer.bitCount(span) != 1
            || (peers.size() + 1L) * span > EvtchnHub.DOMID_FIRST_RESERVED)
        {
            throw new IllegalArgumentException("domid span " + span + " must be a power of two in [16, 0x2000] "
                + "that leaves a range below 0x7FF0 for each of the " + peers.size() + " peers");
        }
        final BridgeConfig copy = copy();
        copy.domidSpan = span;
        return copy;
    }

    /**
     * The Aeron term length of each stream to a peer.
     *
     * @param length a power of two from 64 KiB to 1 GiB.
     * @return a changed copy.
     */
    public BridgeConfig termLength(final int length)
    {
        if (length < 64 * 1024 || Integer.bitCount(length) != 1)
        {
            throw new IllegalArgumentException("term length " + length + " must be a power of two >= 64 KiB");
        }
        final BridgeConfig copy = copy();
        copy.termLength = length;
        return copy;
    }

    /**
     * Use an external media driver (already running) instead of an embedded one.
     *
     * @param directory its {@code aeron.dir}; null embeds a driver again.
     * @return a changed copy.
     */
    public BridgeConfig aeronDirectory(final String directory)
    {
        final BridgeConfig copy = copy();
        copy.aeronDirectory = directory;
        return copy;
    }

    /**
     * The embedded driver's threading mode: {@link ThreadingMode#INVOKER} (the default) runs it inside the
     * bridge's duty cycle; the others give it threads of its own.
     *
     * @param mode a threading mode.
     * @return a changed copy.
     */
    public BridgeConfig threadingMode(final ThreadingMode mode)
    {
        final BridgeConfig copy = copy();
        copy.threadingMode = Objects.requireNonNull(mode, "mode");
        return copy;
    }

    /**
     * How the bridge's thread idles between duty cycles, and how a thread that waits in
     * {@link EvtchnBridge#awaitUp} or a cross-host bind idles between the cycles it runs in
     * {@link BridgeDutyCycle#INVOKER} mode (each supplier call gives a fresh strategy).
     *
     * @param supplier of idle strategies.
     * @return a changed copy.
     */
    public BridgeConfig idleStrategy(final Supplier<IdleStrategy> supplier)
    {
        final BridgeConfig copy = copy();
        copy.idleStrategy = Objects.requireNonNull(supplier, "supplier");
        return copy;
    }

    /**
     * Who runs the bridge's duty cycle: its own thread ({@link BridgeDutyCycle#BRIDGE_THREAD}, the default),
     * or the embedding program through {@link EvtchnBridge#doWork()} ({@link BridgeDutyCycle#INVOKER}: no
     * thread, and the driver, the client and the bridge all run in the caller's loop).
     *
     * <pre>{@code
     * try (EvtchnBridge bridge = EvtchnBridge.start(hub, config.dutyCycle(BridgeDutyCycle.INVOKER)))
     * {
     *     int fired;
     *     while ((fired = dom0.pending()) < 0)          // dom0: a local handle of the hub
     *     {
     *         bridge.doWork();                           // often: peers time out a bridge that stops
     *     }
     * }
     * }</pre>
     *
     * @param dutyCycle who runs it.
     * @return a changed copy.
     */
    public BridgeConfig dutyCycle(final BridgeDutyCycle dutyCycle)
    {
        final BridgeConfig copy = copy();
        copy.dutyCycle = Objects.requireNonNull(dutyCycle, "dutyCycle");
        return copy;
    }

    /**
     * More settings for the embedded driver's context, applied last (for example a loss generator in tests:
     * {@code receiveChannelEndpointSupplier} with {@code io.aeron.driver.ext.DebugReceiveChannelEndpoint}).
     *
     * @param options changes to the context.
     * @return a changed copy.
     */
    public BridgeConfig driverOptions(final Consumer<MediaDriver.Context> options)
    {
        final BridgeConfig copy = copy();
        copy.driverOptions = Objects.requireNonNull(options, "options");
        return copy;
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
     * The listen address.
     *
     * @return host and port.
     */
    public InetSocketAddress listen()
    {
        return listen;
    }

    /**
     * The listen address as peers name it in their configuration.
     *
     * @return {@code host:port} ({@code [v6]:port} for IPv6).
     */
    public String listenEndpoint()
    {
        return endpoint(listen);
    }

    /**
     * The peers, in the order their domid ranges follow.
     *
     * @return an unmodifiable list.
     */
    public List<BridgePeer> peers()
    {
        return peers;
    }

    /**
     * The key file.
     *
     * @return the path, or null if none was given.
     */
    public Path keyFile()
    {
        return keyFile;
    }

    /**
     * The peer timeout.
     *
     * @return the timeout.
     */
    public Duration peerTimeout()
    {
        return peerTimeout;
    }

    /**
     * The span of each domid range.
     *
     * @return the span.
     */
    public int domidSpan()
    {
        return domidSpan;
    }

    /**
     * The term length.
     *
     * @return bytes.
     */
    public int termLength()
    {
        return termLength;
    }

    /**
     * The external driver's directory.
     *
     * @return the directory, or null for an embedded driver.
     */
    public String aeronDirectory()
    {
        return aeronDirectory;
    }

    /**
     * The embedded driver's threading mode.
     *
     * @return the mode.
     */
    public ThreadingMode threadingMode()
    {
        return threadingMode;
    }

    /**
     * The idle strategy supplier.
     *
     * @return the supplier.
     */
    public Supplier<IdleStrategy> idleStrategy()
    {
        return idleStrategy;
    }

    /**
     * Who runs the duty cycle.
     *
     * @return the choice.
     */
    public BridgeDutyCycle dutyCycle()
    {
        return dutyCycle;
    }

    /**
     * The extra driver settings.
     *
     * @return the consumer.
     */
    public Consumer<MediaDriver.Context> driverOptions()
    {
        return driverOptions;
    }

    /**
     * One line.
     *
     * @return a description.
     */
    @Override
    public String toString()
    {
        return "BridgeConfig{host " + hostName + ", listen " + endpoint(listen) + ", peers " + peers
            + ", key " + keyFile + ", timeout " + peerTimeout + ", span " + domidSpan + ", "
            + (aeronDirectory == null ? "embedded driver " + threadingMode : "driver at " + aeronDirectory)
            + ", duty cycle " + dutyCycle + '}';
    }

    static String checkName(final String name)
    {
        if (name == null || !NAME.matcher(name).matches())
        {
            throw new IllegalArgumentException("host name " + name + " must be 1 to "
                + BridgeMessageDescriptor.NAME_CAPACITY + " letters, digits, '.', '_' or '-'");
        }
        return name;
    }

    static String endpoint(final InetSocketAddress address)
    {
        final String host = address.getAddress().getHostAddress();
        return (host.indexOf(':') >= 0 ? '[' + host + ']' : host) + ':' + address.getPort();
    }

    private static InetSocketAddress address(final String host, final int port)
    {
        if (port < 1 || port > 65535)
        {
            throw new IllegalArgumentException("port " + port + " is outside 1..65535");
        }
        final InetSocketAddress address = new InetSocketAddress(Objects.requireNonNull(host, "host"), port);
        if (address.isUnresolved())
        {
            throw new IllegalArgumentException("cannot resolve host " + host);
        }
        return address;
    }

    private BridgeConfig copy()
    {
        final BridgeConfig copy = new BridgeConfig();
        copy.hostName = hostName;
        copy.listen = listen;
        copy.peers = peers;
        copy.keyFile = keyFile;
        copy.peerTimeout = peerTimeout;
        copy.domidSpan = domidSpan;
        copy.termLength = termLength;
        copy.aeronDirectory = aeronDirectory;
        copy.threadingMode = threadingMode;
        copy.idleStrategy = idleStrategy;
        copy.driverOptions = driverOptions;
        copy.dutyCycle = dutyCycle;
        return copy;
    }
}

package dev.evring.cli.hub;

import dev.evring.bridge.BridgeConfig;
import io.aeron.driver.ThreadingMode;
import org.agrona.concurrent.BusySpinIdleStrategy;
import org.agrona.concurrent.IdleStrategy;
import org.agrona.concurrent.YieldingIdleStrategy;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

/**
 * The options of {@code evring hub} that bridge it to hubs on other hosts (issue 15), as a picocli mixin:
 * {@code --host-name H --bridge-listen HOST:PORT --bridge-peer NAME=HOST:PORT ... --bridge-key FILE}, and how the
 * bridge runs ({@code --bridge-idle}, {@code --bridge-driver}, {@code --bridge-aeron-dir}).
 */
public final class BridgeOptions
{
    @Option(names = "--host-name", paramLabel = "H",
        description = "This hub's host name, as its peers name it in their --bridge-peer (default: the hub's name).")
    String hostName;

    @Option(names = "--bridge-listen", paramLabel = "HOST:PORT",
        description = "Bridge this hub to hubs on other hosts, receiving their streams on this UDP address "
            + "(a port alone listens on " + BridgeConfig.DEFAULT_LISTEN_HOST + "; name an interface to reach other hosts).")
    String listen;

    @Option(names = "--bridge-peer", paramLabel = "NAME=HOST:PORT",
        description = "A peer hub: its host name and its bridge's listen address. Repeat for each peer; the i-th peer's "
            + "domains become local domids from (i + 1) * " + BridgeConfig.DEFAULT_DOMID_SPAN + ".")
    List<String> peers = new ArrayList<>();

    @Option(names = "--bridge-key", paramLabel = "FILE",
        description = "The key file every bridge of the team shares (mode 0600, at least 16 bytes).")
    Path keyFile;

    @Option(names = "--bridge-timeout-ms", paramLabel = "MS",
        description = "A peer silent this long is lost and its channels go back to unbound (default: ${DEFAULT-VALUE}).")
    long timeoutMs = BridgeConfig.DEFAULT_PEER_TIMEOUT.toMillis();

    @Option(names = "--bridge-idle", paramLabel = "MODE",
        description = "How the bridge's thread waits for work: backoff (spin, yield, then park up to 100 us; the default), "
            + "yield (lower latency, a core kept busy yielding) or spin (lowest latency, a whole core).")
    String idle = "backoff";

    @Option(names = "--bridge-driver", paramLabel = "MODE",
        description = "The embedded Aeron media driver's threading: invoker (run inside the bridge's thread, no thread of its "
            + "own; the default), shared (one thread of its own), shared-network or dedicated (more threads).")
    String driver = "invoker";

    @Option(names = "--bridge-aeron-dir", paramLabel = "DIR",
        description = "Use the Aeron media driver already running with this aeron.dir instead of an embedded one.")
    String aeronDirectory;

    /**
     * Whether any bridge option was given.
     *
     * @return true if the hub is to run a bridge.
     */
    public boolean bridged()
    {
        return listen != null || !peers.isEmpty() || keyFile != null || hostName != null || aeronDirectory != null;
    }

    /**
     * The bridge's configuration.
     *
     * @param defaultHostName the host name when {@code --host-name} is not given.
     * @return the configuration.
     * @throws IllegalArgumentException for a missing option or a bad value, with a one-line message.
     */
    public BridgeConfig config(final String defaultHostName)
    {
        if (listen == null)
        {
            throw new IllegalArgumentException("--host-name, --bridge-peer and --bridge-key need --bridge-listen HOST:PORT");
        }
        if (keyFile == null)
        {
            throw new IllegalArgumentException("--bridge-listen needs --bridge-key FILE (a key file of mode 0600 "
                + "that every bridge of the team shares)");
        }
        if (timeoutMs < 1)
        {
            throw new IllegalArgumentException("--bridge-timeout-ms must be at least 1, got " + timeoutMs);
        }
        final Endpoint at = Endpoint.parse("--bridge-listen", listen, BridgeConfig.DEFAULT_LISTEN_HOST);
        BridgeConfig config = BridgeConfig.hostName(hostName != null ? hostName : defaultHostName)
            .listen(at.host(), at.port()).keyFile(keyFile).peerTimeout(Duration.ofMillis(timeoutMs))
            .idleStrategy(idleStrategy(idle)).threadingMode(threadingMode(driver));
        if (aeronDirectory != null)
        {
            if (aeronDirectory.isBlank())
            {
                throw new IllegalArgumentException("--bridge-aeron-dir needs a directory");
            }
            config = config.aeronDirectory(aeronDirectory);
        }
        for (final String peer : peers)
        {
            final int eq = peer.indexOf('=');
            if (eq <= 0)
            {
                throw new IllegalArgumentException("--bridge-peer must be NAME=HOST:PORT, got '" + peer + "'");
            }
            final Endpoint to = Endpoint.parse("--bridge-peer " + peer.substring(0, eq), peer.substring(eq + 1), null);
            config = config.peer(peer.substring(0, eq), to.host(), to.port());
        }
        return config;
    }

    private static Supplier<IdleStrategy> idleStrategy(final String mode)
    {
        switch (mode)
        {
            case "backoff":
                return BridgeConfig.DEFAULT_IDLE_STRATEGY;
            case "yield":
                return YieldingIdleStrategy::new;
            case "spin":
                return BusySpinIdleStrategy::new;
            default:
                throw new IllegalArgumentException("--bridge-idle must be backoff, yield or spin, got '" + mode + "'");
        }
    }

    private static ThreadingMode threadingMode(final String mode)
    {
        switch (mode)
        {
            case "invoker":
                return ThreadingMode.INVOKER;
            case "shared":
                return ThreadingMode.SHARED;
            case "shared-network":
                return ThreadingMode.SHARED_NETWORK;
            case "dedicated":
                return ThreadingMode.DEDICATED;
            default:
                throw new IllegalArgumentException(
                    "--bridge-driver must be invoker, shared, shared-network or dedicated, got '" + mode + "'");
        }
    }

    /**
     * A {@code HOST:PORT} ({@code [v6]:PORT} for an IPv6 address), or a port alone where a default host is.
     */
    record Endpoint(String host, int port)
    {
        static Endpoint parse(final String option, final String text, final String defaultHost)
        {
            final int colon = text.lastIndexOf(':');
            final String host = colon < 0 ? defaultHost : text.substring(0, colon).replaceAll("^\\[(.*)]$", "$1");
            if (host == null || host.isEmpty())
            {
                throw new IllegalArgumentException(option + " must be HOST:PORT, got '" + text + "'");
            }
            final String portText = text.substring(colon + 1);
            final int port;
            try
            {
                port = Integer.parseInt(portText);
            }
            catch (final NumberFormatException ex)
            {
                throw new IllegalArgumentException(option + " needs a port number after the host, got '" + text + "'", ex);
            }
            if (port < 1 || port > 65535)
            {
                throw new IllegalArgumentException(option + " needs a port from 1 to 65535, got " + port);
            }
            return new Endpoint(host, port);
        }
    }
}

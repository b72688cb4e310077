package dev.evring.cli.demo;

import dev.evring.bridge.BridgeConfig;
import dev.evring.bridge.BridgeKey;

import java.io.IOException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * How {@code evring demo --hosts 2} bridges its two hosts: each listens on a loopback address of its own
 * (127.0.0.2 and 127.0.0.3, or distinct ports of 127.0.0.1 where those cannot be bound), on a free UDP port,
 * and both read a key file made for the run (mode 0600) beside the first hub's directory, removed as soon as
 * both bridges have read it.
 */
final class DemoBridges
{
    /** The loopback address each host listens on when it can be bound. */
    static final String[] ADDRESSES = {"127.0.0.2", "127.0.0.3"};
    private static final String FALLBACK = "127.0.0.1";

    private final Path keyFile;
    private final InetSocketAddress[] listen = new InetSocketAddress[ADDRESSES.length];

    private DemoBridges(final Path keyFile)
    {
        this.keyFile = keyFile;
    }

    /**
     * Make the key file and pick the addresses.
     *
     * @param hubDirectory the first host's hub directory; the key goes beside it.
     * @return the bridges' plan.
     * @throws DemoFailure if the key cannot be written or no UDP port is free.
     */
    static DemoBridges plan(final Path hubDirectory) throws DemoFailure
    {
        final Path key = hubDirectory.resolveSibling(hubDirectory.getFileName() + ".key");
        try
        {
            Files.deleteIfExists(key); // left by a demo of the same directory that was killed
            final DemoBridges bridges = new DemoBridges(BridgeKey.generate(key));
            for (int i = 0; i < ADDRESSES.length; i++)
            {
                bridges.listen[i] = freeEndpoint(ADDRESSES[i]);
            }
            return bridges;
        }
        catch (final IOException ex)
        {
            throw new DemoFailure(DemoFailure.FAILED, "cannot prepare the bridges (" + ex.getMessage()
                + "): check that " + key.getParent() + " is writable and UDP works on loopback", ex);
        }
    }

    /**
     * Start both bridges and wait until each has proved itself to the other.
     *
     * @param hosts the two hosts.
     * @throws DemoFailure if a bridge does not start or come up.
     */
    void connect(final DemoHost[] hosts) throws DemoFailure, InterruptedException
    {
        for (int i = 0; i < hosts.length; i++)
        {
            final DemoHost other = hosts[1 - i];
            final InetSocketAddress otherListen = listen[1 - i];
            hosts[i].bridge(BridgeConfig.hostName(hosts[i].name())
                .listen(listen[i].getHostString(), listen[i].getPort())
                .peer(other.name(), otherListen.getHostString(), otherListen.getPort())
                .keyFile(keyFile));
        }
        final String kept = removeKey(); // both bridges hold the secret now: a killed demo leaves no key behind
        if (kept != null)
        {
            throw new DemoFailure(DemoFailure.FAILED, "cannot remove the run's key " + kept);
        }
        for (int i = 0; i < hosts.length; i++)
        {
            hosts[i].awaitBridgeUp(hosts[1 - i]);
        }
    }

    /**
     * Where a host's bridge listens.
     *
     * @param index the host's index.
     * @return {@code host:port}.
     */
    String listen(final int index)
    {
        return listen[index].getHostString() + ':' + listen[index].getPort();
    }

    /**
     * Remove the key file.
     *
     * @return null if it is gone, else why not.
     */
    String removeKey()
    {
        try
        {
            Files.deleteIfExists(keyFile);
            return null;
        }
        catch (final IOException ex)
        {
            return keyFile + " (" + ex.getMessage() + ')';
        }
    }

    /**
     * A free UDP port on a loopback address, or on 127.0.0.1 if that address cannot be bound.
     */
    private static InetSocketAddress freeEndpoint(final String address) throws IOException
    {
        try (DatagramSocket socket = new DatagramSocket(0, InetAddress.getByName(address)))
        {
            return new InetSocketAddress(address, socket.getLocalPort());
        }
        catch (final SocketException ex)
        {
            try (DatagramSocket socket = new DatagramSocket(0, InetAddress.getByName(FALLBACK)))
            {
                return new InetSocketAddress(FALLBACK, socket.getLocalPort());
            }
        }
    }
}

package dev.evring.bridge;

import dev.evring.evtchn.Evtchn;
import dev.evring.evtchn.EvtchnHub;
import dev.evring.evtchn.HubConfig;
import dev.evring.evtchn.PortKind;

import java.io.IOException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Test helpers: free loopback ports, a hub with its bridge, and waiting on real conditions with a deadline.
 */
final class Bridges
{
    static final String LOOPBACK = "127.0.0.1";
    static final Duration TIMEOUT = Duration.ofSeconds(2);

    private Bridges()
    {
    }

    interface Check
    {
        boolean holds() throws Exception;
    }

    /**
     * A hub and its bridge in this JVM.
     */
    record Host(EvtchnHub hub, EvtchnBridge bridge) implements AutoCloseable
    {
        @Override
        public void close()
        {
            bridge.close();
            hub.close();
        }
    }

    /**
     * A UDP port free on loopback now.
     */
    static int freePort() throws IOException
    {
        try (DatagramSocket socket = new DatagramSocket(0, InetAddress.getByName(LOOPBACK)))
        {
            return socket.getLocalPort();
        }
    }

    static BridgeConfig config(final String name, final int port, final String peer, final int peerPort, final Path key)
    {
        return BridgeConfig.hostName(name).listen(LOOPBACK, port).peer(peer, LOOPBACK, peerPort).keyFile(key)
            .peerTimeout(TIMEOUT);
    }

    static Host host(final Path directory, final BridgeConfig config) throws IOException
    {
        return host(HubConfig.directory(directory), config);
    }

    static Host host(final HubConfig hubConfig, final BridgeConfig config) throws IOException
    {
        final EvtchnHub hub = EvtchnHub.start(hubConfig);
        try
        {
            return new Host(hub, EvtchnBridge.start(hub, config));
        }
        catch (final IOException | RuntimeException ex)
        {
            hub.close();
            throw ex;
        }
    }

    static boolean unbound(final EvtchnHub hub, final int port)
    {
        return hub.portStatus(port).kind() == PortKind.UNBOUND;
    }

    /**
     * One notify each way on a connected channel whose ends are unmasked and not pending, and are left so.
     */
    static void roundTrip(final Evtchn xa, final int portA, final Evtchn xb, final int portB) throws Exception
    {
        xa.notify(portA);
        assertEquals(portB, xb.awaitPending(5, TimeUnit.SECONDS), "a real notify goes through");
        xb.unmask(portB);
        xb.notify(portB);
        assertEquals(portA, xa.awaitPending(5, TimeUnit.SECONDS), "both ways");
        xa.unmask(portA);
    }

    static void await(final String what, final long timeoutMs, final Check condition) throws Exception
    {
        final long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
        while (!condition.holds())
        {
            if (System.nanoTime() - deadline > 0)
            {
                fail("timed out after " + timeoutMs + " ms waiting for: " + what);
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1));
        }
    }
}

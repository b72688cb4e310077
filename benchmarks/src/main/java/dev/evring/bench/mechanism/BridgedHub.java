package dev.evring.bench.mechanism;

import dev.evring.bench.harness.Peer;
import dev.evring.bench.harness.PeerFailure;
import dev.evring.bench.harness.Watchdog;
import dev.evring.bridge.BridgeConfig;
import dev.evring.bridge.BridgeDutyCycle;
import dev.evring.bridge.BridgeKey;
import dev.evring.bridge.EvtchnBridge;
import dev.evring.evtchn.Evtchn;
import dev.evring.evtchn.EvtchnException;
import dev.evring.evtchn.EvtchnHub;
import dev.evring.evtchn.HandleOptions;
import dev.evring.evtchn.HubConfig;
import dev.evring.evtchn.RequestPolling;
import org.agrona.concurrent.BusySpinIdleStrategy;
import org.agrona.concurrent.UnsafeBuffer;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;

/**
 * One peer's side of the bridge mechanisms: a hub of its own ({@code a} in A, {@code b} in B) with an
 * {@link EvtchnBridge} to the other peer's hub over UDP loopback (a key file made for the run), and domain
 * 0 of the hub through a local handle. Nothing runs on a thread of its own: the hub polls requests in
 * invoker mode ({@link RequestPolling#INVOKER}, run by the handle's {@code pending()}) and the bridge runs in
 * invoker mode ({@link BridgeDutyCycle#INVOKER}: its embedded driver's, its client's and its own duty cycle),
 * both from the peer's own spin loop through {@link #idle()}.
 *
 * <p>It uses the first 16 bytes of the mechanism's region: the two bridges' UDP ports.
 */
final class BridgedHub implements AutoCloseable
{
    private static final int A_PORT = 0;
    private static final int B_PORT = 8;
    private static final String KEY = "bridge.key";
    private static final String LOOPBACK = "127.0.0.1";
    private static final Duration PEER_UP_TIMEOUT = Duration.ofSeconds(30);
    private static final Duration PEER_TIMEOUT = Duration.ofSeconds(10);

    private final String name;
    private final String other;
    private final EvtchnHub hub;
    private final EvtchnBridge bridge;
    private final Evtchn dom0;
    private final Watchdog watchdog;
    private long spins;

    private BridgedHub(final String name, final Peer peer, final String host, final int listenOffset,
        final String other, final int otherOffset) throws IOException
    {
        this.name = name;
        this.other = other;
        this.watchdog = peer.watchdog();
        final UnsafeBuffer region = peer.control().region();
        hub = EvtchnHub.start(HubConfig.directory(peer.directory().resolve("hub-" + host))
            .requestPolling(RequestPolling.INVOKER).idleStrategy(BusySpinIdleStrategy::new));
        EvtchnBridge started = null;
        try
        {
            started = EvtchnBridge.start(hub, BridgeConfig.hostName(host).listen(LOOPBACK, region.getInt(listenOffset))
                .peer(other, LOOPBACK, region.getInt(otherOffset)).keyFile(peer.directory().resolve(KEY))
                .peerTimeout(PEER_TIMEOUT).dutyCycle(BridgeDutyCycle.INVOKER));
            dom0 = hub.openLocal(HandleOptions.defaults().idleStrategy(BusySpinIdleStrategy::new));
        }
        catch (final IOException | RuntimeException ex)
        {
            if (started != null)
            {
                started.close();
            }
            hub.close();
            throw ex;
        }
        bridge = started;
    }

    /**
     * Two free loopback ports, one for each bridge, and the key file both read.
     *
     * @param directory the run's directory.
     * @param region    the mechanism's region.
     * @throws IOException if no port is free or the key cannot be written.
     */
    static void prepare(final Path directory, final UnsafeBuffer region) throws IOException
    {
        region.putInt(A_PORT, AeronPingPong.freeUdpPort(LOOPBACK));
        region.putInt(B_PORT, AeronPingPong.freeUdpPort(LOOPBACK));
        BridgeKey.generate(directory.resolve(KEY));
    }

    /**
     * Peer A's hub {@code a}, its bridge up to {@code b}.
     *
     * @param name the mechanism, for failure messages.
     * @param peer peer A.
     * @return the hub, bridge and handle.
     * @throws IOException if the hub or the bridge cannot start.
     * @throws InterruptedException if interrupted while waiting for b.
     */
    static BridgedHub initiator(final String name, final Peer peer) throws IOException, InterruptedException
    {
        return up(new BridgedHub(name, peer, "a", A_PORT, "b", B_PORT));
    }

    /**
     * Peer B's hub {@code b}, its bridge up to {@code a}.
     *
     * @param name the mechanism, for failure messages.
     * @param peer peer B.
     * @return the hub, bridge and handle.
     * @throws IOException if the hub or the bridge cannot start.
     * @throws InterruptedException if interrupted while waiting for a.
     */
    static BridgedHub responder(final String name, final Peer peer) throws IOException, InterruptedException
    {
        return up(new BridgedHub(name, peer, "b", B_PORT, "a", A_PORT));
    }

    private static BridgedHub up(final BridgedHub side) throws InterruptedException
    {
        if (!side.bridge.awaitUp(side.other, PEER_UP_TIMEOUT))
        {
            final String bridge = side.bridge.toString();
            side.close();
            throw new PeerFailure(side.name + ": the bridge to " + side.other + " did not come up in "
                + PEER_UP_TIMEOUT.toSeconds() + " s: " + bridge);
        }
        return side;
    }

    /**
     * The bridge.
     *
     * @return the bridge.
     */
    EvtchnBridge bridge()
    {
        return bridge;
    }

    /**
     * Domain 0's local handle.
     *
     * @return the handle.
     */
    Evtchn dom0()
    {
        return dom0;
    }

    /**
     * The other peer's domain 0, as a domid of this hub.
     *
     * @return the domid.
     */
    int otherDom0()
    {
        return bridge.domidOf(other, EvtchnHub.HUB_DOMID);
    }

    /**
     * Spin on the handle until a port fires, running the duty cycle meanwhile.
     *
     * @return the port.
     * @throws EvtchnException if the handle fails.
     */
    int await() throws EvtchnException
    {
        int fired;
        while ((fired = dom0.pending()) < 0)
        {
            idle();
        }
        return fired;
    }

    /**
     * Spin until the partner released a non-zero word in the region, running the duty cycle meanwhile.
     *
     * @param region the mechanism's region.
     * @param offset the word.
     * @return its value.
     */
    int awaitNonZero(final UnsafeBuffer region, final int offset)
    {
        int value;
        while ((value = region.getIntAcquire(offset)) == 0) // acquire: pairs with the partner's release
        {
            idle();
        }
        return value;
    }

    /**
     * What a peer does while it waits: its bridge's duty cycle (the driver's, the client's and the bridge's
     * own; the hub's request polling runs in the handle's {@code pending()}), and now and then the watchdog.
     */
    void idle()
    {
        bridge.doWork();
        if ((++spins & Watchdog.CHECK_MASK) == 0)
        {
            watchdog.check();
        }
    }

    /**
     * Close the handle, the bridge and the hub.
     */
    @Override
    public void close()
    {
        dom0.close();
        bridge.close();
        hub.close();
    }
}

package dev.evring.bridge;

import dev.evring.evtchn.EvtchnHub;
import dev.evring.evtchn.HubConfig;
import dev.evring.evtchn.HubCounter;
import dev.evring.evtchn.PortStatus;
import dev.evring.evtchn.RequestPolling;
import io.aeron.driver.ext.DebugReceiveChannelEndpoint;
import io.aeron.driver.ext.RandomLossGenerator;
import org.agrona.concurrent.IdleStrategy;
import org.agrona.concurrent.YieldingIdleStrategy;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * A hub with its bridge in a process of its own: {@code name dir listenPort peerName peerPort keyFile
 * lossRate [peerTimeoutMs [threads|one-loop]]}. Prints {@code READY}, then {@code UP} when the peer is up, and
 * answers {@code status <port>}, {@code counter <BridgeCounter>}, {@code hubcounter <HubCounter>},
 * {@code allocated} and {@code exit}.
 *
 * <p>{@code threads} (the default) runs the hub's request thread and the bridge's own thread with their
 * default idle strategies, as {@code evring hub --bridge-*} does. {@code one-loop} runs neither: the hub polls
 * requests in {@link RequestPolling#INVOKER} mode, the bridge runs in {@link BridgeDutyCycle#INVOKER} mode, and
 * one thread of this program runs both duty cycles in turn and yields the core when neither had work (the
 * arrangement of the {@code evtchn-bridge} benchmark, with a yield instead of a spin, for a machine whose cores
 * the clients share).
 */
public final class HubMain
{
    /** The arrangement with one thread for both duty cycles (see the class comment). */
    static final String ONE_LOOP = "one-loop";

    private HubMain()
    {
    }

    /**
     * Run the hub.
     *
     * @param args see the class comment.
     * @throws Exception on any failure.
     */
    public static void main(final String[] args) throws Exception
    {
        final double lossRate = Double.parseDouble(args[6]);
        BridgeConfig config = Bridges.config(args[0], Integer.parseInt(args[2]), args[3], Integer.parseInt(args[4]),
            Path.of(args[5]));
        if (args.length > 7)
        {
            config = config.peerTimeout(Duration.ofMillis(Long.parseLong(args[7])));
        }
        if (lossRate > 0)
        {
            config = config.driverOptions(context -> context.receiveChannelEndpointSupplier(
                (channel, dispatcher, status, driver) -> new DebugReceiveChannelEndpoint(
                    channel, dispatcher, status, driver, new RandomLossGenerator(lossRate), new RandomLossGenerator(0))));
        }
        final boolean oneLoop = args.length > 8 && args[8].equals(ONE_LOOP);
        HubConfig hubConfig = HubConfig.directory(Path.of(args[1]));
        if (oneLoop)
        {
            hubConfig = hubConfig.requestPolling(RequestPolling.INVOKER);
            config = config.dutyCycle(BridgeDutyCycle.INVOKER);
        }
        try (EvtchnHub hub = EvtchnHub.start(hubConfig);
            EvtchnBridge bridge = EvtchnBridge.start(hub, config);
            DutyLoop loop = oneLoop ? new DutyLoop(hub, bridge) : null)
        {
            System.out.println("READY " + bridge);
            final Thread up = new Thread(() ->
            {
                try
                {
                    if (bridge.awaitUp(args[3], Duration.ofMinutes(2)))
                    {
                        System.out.println("UP");
                    }
                }
                catch (final InterruptedException ignore)
                {
                    // exiting
                }
            });
            up.setDaemon(true);
            up.start();
            serve(hub, bridge);
        }
    }

    private static void serve(final EvtchnHub hub, final EvtchnBridge bridge) throws Exception
    {
        final BufferedReader commands = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        for (String line = commands.readLine(); line != null && !line.equals("exit"); line = commands.readLine())
        {
            final String[] words = line.trim().split(" ");
            switch (words[0])
            {
                case "status":
                    final PortStatus status = hub.portStatus(Integer.parseInt(words[1]));
                    System.out.println("STATUS " + status.kind() + " " + status.remoteDomain() + " " + status.remotePort());
                    break;
                case "counter":
                    System.out.println("COUNTER " + bridge.counter(BridgeCounter.valueOf(words[1])));
                    break;
                case "hubcounter":
                    System.out.println("COUNTER " + hub.counter(HubCounter.valueOf(words[1])));
                    break;
                case "allocated":
                    System.out.println("ALLOCATED " + hub.allocatedPorts());
                    break;
                default:
                    System.out.println("UNKNOWN " + line);
                    break;
            }
        }
    }

    /**
     * One thread that runs the hub's request polling and the bridge's duty cycle in turn, yielding its core
     * when neither had work, until closed (before the bridge and the hub close).
     */
    private static final class DutyLoop implements AutoCloseable
    {
        private final Thread thread;
        private volatile boolean running = true;

        DutyLoop(final EvtchnHub hub, final EvtchnBridge bridge)
        {
            thread = new Thread(() ->
            {
                final IdleStrategy idle = new YieldingIdleStrategy();
                while (running)
                {
                    idle.idle(hub.pollRequests() + bridge.doWork());
                }
            }, "hub-and-bridge-duty");
            thread.start();
        }

        @Override
        public void close() throws InterruptedException
        {
            running = false;
            thread.join(TimeUnit.SECONDS.toMillis(10));
        }
    }
}

package dev.evring.bridge;

import dev.evring.evtchn.EvtchnHub;
import dev.evring.evtchn.HubConfig;
import dev.evring.evtchn.PortStatus;
import io.aeron.driver.ext.DebugReceiveChannelEndpoint;
import io.aeron.driver.ext.RandomLossGenerator;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;

/**
 * A hub with its bridge in a process of its own: {@code name dir listenPort peerName peerPort keyFile
 * lossRate [peerTimeoutMs]}. Prints {@code READY}, then {@code UP} when the peer is up, and answers {@code status <port>},
 * {@code counter <BridgeCounter>}, {@code allocated} and {@code exit}.
 */
public final class HubMain
{
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
        try (EvtchnHub hub = EvtchnHub.start(HubConfig.directory(Path.of(args[1])));
            EvtchnBridge bridge = EvtchnBridge.start(hub, config))
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
                case "allocated":
                    System.out.println("ALLOCATED " + hub.allocatedPorts());
                    break;
                default:
                    System.out.println("UNKNOWN " + line);
                    break;
            }
        }
    }
}

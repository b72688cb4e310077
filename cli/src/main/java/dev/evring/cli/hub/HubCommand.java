package dev.evring.cli.hub;

import dev.evring.bridge.BridgeConfig;
import dev.evring.evtchn.HubConfig;
import dev.evring.evtchn.HubProgram;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.util.concurrent.Callable;

/**
 * {@code evring hub}: run an event-channel hub in this process until SIGINT or SIGTERM, as
 * {@link HubProgram#serve} does (the same options as {@code EvtchnHubMain}). Prints one line,
 * {@code evtchn hub ready dir=<directory> pid=<pid>}, once handles may open it. On a signal the hub
 * releases every handle and removes its files before the JVM exits (with the JVM's usual status for
 * that signal, 130 or 143).
 *
 * <p>With {@code --bridge-listen} (and {@code --bridge-key}, {@code --bridge-peer NAME=HOST:PORT} ...) the hub
 * runs an {@link dev.evring.bridge.EvtchnBridge} too ({@link BridgeOptions}): its ready line then ends with
 * {@code bridge=<host name>@<host:port>}, and {@code evring stat} shows the bridge's counters and domid map.
 */
@Command(
    name = "hub",
    mixinStandardHelpOptions = true,
    description = "Run an evtchn hub (domain 0: ports, virqs, the interrupt handler) until interrupted; with --bridge-listen, "
        + "bridged to hubs on other hosts over Aeron UDP.")
public final class HubCommand implements Callable<Integer>
{
    @Mixin
    HubLocation location = new HubLocation();

    @Mixin
    BridgeOptions bridge = new BridgeOptions();

    @Option(names = "--timer-period-ms", description = "VIRQ_TIMER period in milliseconds (default: ${DEFAULT-VALUE}).")
    long timerPeriodMs = HubConfig.DEFAULT_TIMER_PERIOD.toMillis();

    @Option(names = "--max-ports", description = "Number of port numbers; binds fail with ENOSPC beyond (default: ${DEFAULT-VALUE}).")
    int maxPorts = HubConfig.DEFAULT_MAX_PORTS;

    @Option(names = "--ring-capacity-limit", description = "Largest event ring per handle (default: ${DEFAULT-VALUE}).")
    int ringCapacityLimit = HubConfig.DEFAULT_RING_CAPACITY_LIMIT;

    @Option(names = "--busy-spin", description = "The request thread busy-spins instead of backing off to 50 us parks: "
        + "the lowest notify latency, at the price of one core kept busy.")
    boolean busySpin;

    /**
     * The configuration the options describe.
     *
     * @return the hub configuration.
     */
    public HubConfig config()
    {
        return HubProgram.config(location.directory(), timerPeriodMs, maxPorts, ringCapacityLimit, busySpin);
    }

    /**
     * Run the hub until a shutdown signal.
     *
     * @return 0 after a clean stop, 1 if the hub (or its bridge) could not start, 2 for a bad option.
     */
    @Override
    public Integer call()
    {
        final HubConfig config;
        final BridgeConfig bridgeConfig;
        try
        {
            config = config();
            bridgeConfig = bridge.bridged() ? bridge.config(config.directory().getFileName().toString()) : null;
        }
        catch (final IllegalArgumentException ex)
        {
            System.err.println("evring hub: " + ex.getMessage());
            return HubProgram.USAGE;
        }
        return bridgeConfig == null ? HubProgram.serve(config, "evring hub", System.out, System.err)
            : BridgedHubProgram.serve(config, bridgeConfig, "evring hub", System.out, System.err);
    }
}

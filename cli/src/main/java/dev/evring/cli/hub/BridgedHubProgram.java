package dev.evring.cli.hub;

import dev.evring.bridge.BridgeConfig;
import dev.evring.bridge.EvtchnBridge;
import dev.evring.evtchn.EvtchnHub;
import dev.evring.evtchn.HubConfig;
import dev.evring.evtchn.HubProgram;
import org.agrona.SystemUtil;
import org.agrona.concurrent.ShutdownSignalBarrier;

import java.io.PrintStream;

/**
 * {@code evring hub} with a bridge: {@link HubProgram#serve} plus an {@link EvtchnBridge} in the same
 * process. The bridge publishes its domid map in the hub's counters file, where {@code evring stat} shows it.
 */
final class BridgedHubProgram
{
    private BridgedHubProgram()
    {
    }

    /**
     * Run a hub and its bridge until SIGINT or SIGTERM. Prints the hub's ready line followed by the bridge,
     * {@code evtchn hub ready dir=<directory> pid=<pid> bridge=<host name>@<host:port>}, once handles may
     * open the hub and the bridge listens (its peers may come up later). On a signal the bridge stops first
     * (channels across hosts go back to unbound on both sides), then the hub; the map is removed.
     *
     * @param hubConfig    the hub's configuration.
     * @param bridgeConfig the bridge's.
     * @param program      the name that prefixes an error line.
     * @param out          where the ready line goes.
     * @param err          where a one-line error goes.
     * @return 0 after a clean stop, {@link HubProgram#FAILED} if the hub or its bridge could not start.
     */
    static int serve(
        final HubConfig hubConfig, final BridgeConfig bridgeConfig, final String program, final PrintStream out,
        final PrintStream err)
    {
        try (ShutdownSignalBarrier barrier = new ShutdownSignalBarrier();
            EvtchnHub hub = EvtchnHub.start(hubConfig);
            EvtchnBridge bridge = EvtchnBridge.start(hub, bridgeConfig))
        {
            out.println("evtchn hub ready dir=" + hub.directory() + " pid=" + SystemUtil.getPid() + " bridge="
                + bridgeConfig.hostName() + '@' + bridgeConfig.listenEndpoint());
            out.flush();
            barrier.await();
            return 0;
        }
        catch (final Exception ex)
        {
            err.println(program + ": " + ex.getMessage());
            return HubProgram.FAILED;
        }
    }
}

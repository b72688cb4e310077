package dev.evring.evtchn;

import picocli.CommandLine;

/**
 * Runs an event-channel hub as its own process: {@code java ... dev.evring.evtchn.EvtchnHubMain --name N}
 * or {@code --dir D} (the same options as {@code evring hub}, see {@link HubCommand}).
 */
public final class EvtchnHubMain
{
    private EvtchnHubMain()
    {
    }

    /**
     * Run the hub until SIGINT or SIGTERM. A hub that cannot start says why in one line on stderr (no
     * stack trace), leaves no file behind and exits with status 1 (H5); bad options exit with 2.
     *
     * @param args {@link HubCommand}'s options.
     */
    public static void main(final String[] args)
    {
        int status;
        try
        {
            status = new CommandLine(new HubCommand()).execute(args);
        }
        catch (final Error ex) // HubCommand reports every exception itself; an error of the JVM still gets one line
        {
            System.err.println("evring hub: the JVM failed: " + ex);
            status = 1;
        }
        System.exit(status);
    }
}

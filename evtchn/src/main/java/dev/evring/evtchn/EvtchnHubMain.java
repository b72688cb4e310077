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
     * Run the hub until SIGINT or SIGTERM.
     *
     * @param args {@link HubCommand}'s options.
     */
    public static void main(final String[] args)
    {
        System.exit(new CommandLine(new HubCommand()).execute(args));
    }
}

package dev.evring.evtchn;

/**
 * Runs an event-channel hub as its own process: {@code java ... dev.evring.evtchn.EvtchnHubMain --name N}
 * or {@code --dir D} (the same options as {@code evring hub}, see {@link HubProgram}).
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
     * @param args {@link HubProgram}'s options.
     */
    public static void main(final String[] args)
    {
        System.exit(HubProgram.run(args, System.out, System.err));
    }
}

package dev.evring.evtchn;

/**
 * The names of the files a hub keeps in its directory, for tools that inspect or clean up a hub
 * directory from outside the hub (the demo, {@code evring stat}): {@code hub.lock} (held locked for the
 * hub's life), {@code hub.mark} (see {@link HubMark}), {@code hub.sock}, the counters file and each
 * handle's {@code h<N>.events} and {@code h<N>.requests} rings.
 */
public final class HubFiles
{
    /** The file a live hub holds an exclusive lock on; the lock dies with the hub's process. */
    public static final String LOCK_FILE = HubDirectory.LOCK_FILE;
    /** The hub's mark file: pid, start time and heartbeat (see {@link HubMark}). */
    public static final String MARK_FILE = HubDirectory.MARK_FILE;

    private HubFiles()
    {
    }

    /**
     * Whether a file name is one a hub makes in its directory, and so one a hub (or a tool cleaning up
     * after a dead hub) may delete.
     *
     * @param name a file name, without its directory.
     * @return true for a hub's file.
     */
    public static boolean isHubFile(final String name)
    {
        return HubDirectory.isHubFile(name);
    }
}

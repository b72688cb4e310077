package dev.evring.cli.hub;

import dev.evring.bridge.EvtchnBridge;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * Keeps a running bridge's {@link BridgeMap} up to date beside its hub directory: writes it at once, then
 * rewrites it from a daemon thread whenever a peer goes up or down; {@link #close()} stops the thread and
 * removes the file.
 */
final class BridgeMapWriter implements AutoCloseable
{
    /** How often the peers' states are looked at: a display period, as {@code stat}'s refresh. */
    static final long REFRESH_NS = TimeUnit.MILLISECONDS.toNanos(200);

    private final Path hubDirectory;
    private final EvtchnBridge bridge;
    private final PrintStream err;
    private final Thread thread;
    private volatile boolean running = true;
    private List<String> written;

    private BridgeMapWriter(final Path hubDirectory, final EvtchnBridge bridge, final PrintStream err) throws IOException
    {
        this.hubDirectory = hubDirectory;
        this.bridge = bridge;
        this.err = err;
        this.written = BridgeMap.describe(bridge);
        BridgeMap.write(hubDirectory, written);
        this.thread = new Thread(this::run, "evring-bridge-map");
        thread.setDaemon(true);
        thread.start();
    }

    /**
     * Write the map and keep it up to date.
     *
     * @param hubDirectory the hub directory.
     * @param bridge       its bridge.
     * @param err          where a failure to rewrite the map is said, once.
     * @return the writer; close it before the bridge.
     * @throws IOException if the map cannot be written.
     */
    static BridgeMapWriter start(final Path hubDirectory, final EvtchnBridge bridge, final PrintStream err)
        throws IOException
    {
        return new BridgeMapWriter(hubDirectory, bridge, err);
    }

    private void run()
    {
        while (running)
        {
            LockSupport.parkNanos(REFRESH_NS); // the refresh period, not synchronisation
            final List<String> now = BridgeMap.describe(bridge);
            if (running && !now.equals(written))
            {
                try
                {
                    BridgeMap.write(hubDirectory, now);
                    written = now;
                }
                catch (final IOException ex)
                {
                    err.println("evring hub: the bridge map " + BridgeMap.file(hubDirectory) + " cannot be updated ("
                        + ex.getMessage() + "); stat shows the last one written");
                    return;
                }
            }
        }
    }

    /**
     * Stop updating and remove the map.
     *
     * @throws IOException if the map cannot be removed.
     */
    @Override
    public void close() throws IOException
    {
        running = false;
        LockSupport.unpark(thread);
        try
        {
            thread.join();
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
        }
        BridgeMap.remove(hubDirectory);
    }
}

package dev.evring.cli.hub;

import dev.evring.bridge.BridgeConfig;
import dev.evring.bridge.BridgePeer;
import dev.evring.bridge.EvtchnBridge;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;

/**
 * Which local domid stands for which domain of which peer hub, and whether each peer is up (B1), as a
 * text file beside the hub directory ({@code <hub dir>.bridge}, as the bridge's driver lives in
 * {@code <hub dir>.aeron}), so that {@code evring stat} can show it from another process. {@code evring hub}
 * keeps it up to date while its bridge runs ({@link BridgeMapWriter}) and removes it when the hub stops.
 *
 * <pre>
 *   bridge a listening on 127.0.0.2:40100, peer timeout 2000 ms
 *   local domids 0..2047 = a's own domains
 *   peer b at 127.0.0.3:40100: domids 2048..4095 = b:0..2047 (up)
 * </pre>
 */
public final class BridgeMap
{
    /** The suffix of the map file, a sibling of the hub directory. */
    public static final String SUFFIX = ".bridge";

    private BridgeMap()
    {
    }

    /**
     * The map file of a hub directory.
     *
     * @param hubDirectory the hub directory.
     * @return {@code <hub dir>.bridge}.
     */
    public static Path file(final Path hubDirectory)
    {
        return hubDirectory.resolveSibling(hubDirectory.getFileName() + SUFFIX);
    }

    /**
     * The lines of a running bridge's map.
     *
     * @param bridge the bridge.
     * @return one line for this host, one for its own domids, one per peer with its state.
     */
    public static List<String> describe(final EvtchnBridge bridge)
    {
        final BridgeConfig config = bridge.config();
        final int last = config.domidSpan() - 1;
        final List<String> lines = new ArrayList<>();
        lines.add("bridge " + config.hostName() + " listening on " + listenEndpoint(config) + ", peer timeout "
            + config.peerTimeout().toMillis() + " ms");
        lines.add("local domids 0.." + last + " = " + config.hostName() + "'s own domains");
        for (final BridgePeer peer : config.peers())
        {
            lines.add("peer " + peer.name() + " at " + peer.endpoint() + ": domids " + bridge.domidOf(peer.name(), 0) + ".."
                + bridge.domidOf(peer.name(), last) + " = " + peer.name() + ":0.." + last
                + (bridge.isUp(peer.name()) ? " (up)" : " (down)"));
        }
        return lines;
    }

    /**
     * Where a bridge listens, as its peers name it.
     *
     * @param config the bridge's configuration.
     * @return {@code host:port}.
     */
    public static String listenEndpoint(final BridgeConfig config)
    {
        return new BridgePeer(config.hostName(), config.listen()).endpoint();
    }

    /**
     * Write the map of a hub's bridge (whole, by a rename, so a reader never sees half of it).
     *
     * @param hubDirectory the hub directory.
     * @param lines        the map, as {@link #describe} gives it.
     * @return the file.
     * @throws IOException if it cannot be written.
     */
    public static Path write(final Path hubDirectory, final List<String> lines) throws IOException
    {
        final Path file = file(hubDirectory);
        final Path partial = file.resolveSibling(file.getFileName() + ".tmp");
        Files.write(partial, lines, StandardCharsets.UTF_8);
        return Files.move(partial, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    /**
     * Read a hub's map, if its hub runs a bridge. A map older than the hub was left by an earlier hub of
     * that directory that was killed, and is not this hub's.
     *
     * @param hubDirectory the hub directory.
     * @param hubStartMs   when the running hub started (its mark file's start time, epoch milliseconds).
     * @return the lines, none if the hub has no bridge.
     * @throws IOException if the file exists but cannot be read.
     */
    public static List<String> read(final Path hubDirectory, final long hubStartMs) throws IOException
    {
        final Path file = file(hubDirectory);
        if (!Files.exists(file) || Files.getLastModifiedTime(file).toMillis() < hubStartMs)
        {
            return List.of();
        }
        return Files.readAllLines(file, StandardCharsets.UTF_8);
    }

    /**
     * Remove a hub's map.
     *
     * @param hubDirectory the hub directory.
     * @throws IOException if it exists and cannot be removed.
     */
    public static void remove(final Path hubDirectory) throws IOException
    {
        Files.deleteIfExists(file(hubDirectory));
    }
}

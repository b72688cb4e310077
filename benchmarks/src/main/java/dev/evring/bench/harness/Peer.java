package dev.evring.bench.harness;

import java.nio.file.Path;
import java.util.List;

/**
 * What a mechanism's peer code gets: its role, the run's directory and shared control block, the watchdog
 * for its waiting loops and the plan of how much to do.
 *
 * @param role      which of the two peers this is.
 * @param directory the run's directory.
 * @param control   the shared control block and mechanism region.
 * @param watchdog  call {@link Watchdog#check()} from every waiting loop now and then.
 * @param plan      warm-up and measured counts.
 */
public record Peer(PeerRole role, Path directory, SharedControl control, Watchdog watchdog, RunPlan plan)
{
    /** Heap of each peer JVM and of a JVM a peer starts (a guest): they allocate almost nothing once running. */
    public static final List<String> JVM_ARGS = List.of("-Xms64m", "-Xmx256m");
}

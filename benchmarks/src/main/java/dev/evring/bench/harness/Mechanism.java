package dev.evring.bench.harness;

import org.agrona.concurrent.UnsafeBuffer;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * One IPC mechanism the cross-process harness measures. A mechanism is one class: the coordinator calls
 * {@link #prepare} before it starts the two peers, then peer A (on the first core) runs
 * {@link #initiate} while peer B (on the second core) runs {@link #respond}. Both peers busy-spin, detect a
 * dead partner through {@link Peer#watchdog()}, and check the data they receive.
 *
 * <p>Register a new mechanism in {@code dev.evring.bench.Mechanisms}.
 */
public interface Mechanism
{
    /**
     * The name used on the command line and in the results.
     *
     * @return the name, lower case with dashes.
     */
    String name();

    /**
     * One line saying what is measured.
     *
     * @return the description.
     */
    String description();

    /**
     * Whether this is a one-way stream (messages per second) rather than a round trip (latency
     * percentiles).
     *
     * @return true for a stream.
     */
    boolean isStream();

    /**
     * Whether both peers' threads spin through the mechanism phase, so that a CPU share below
     * {@code ResultRow.CPU_SHARE_THRESHOLD} means other load took their CPU (the row is then flagged).
     *
     * @return false for a mechanism whose peers park or sleep by design.
     */
    default boolean peersSpin()
    {
        return true;
    }

    /**
     * Bytes this mechanism needs in the shared file's region (page aligned, zeroed).
     *
     * @return the length, 0 if it keeps everything in its own files.
     */
    default int regionLength()
    {
        return 0;
    }

    /**
     * Set up shared state in the coordinator before either peer starts: create ring files in the run
     * directory, format rings in the region.
     *
     * @param directory the run's directory (on /dev/shm where there is one), empty apart from the shared
     *                  file.
     * @param region    the mechanism's region of the shared file.
     * @throws IOException if files cannot be created.
     */
    default void prepare(final Path directory, final UnsafeBuffer region) throws IOException
    {
    }

    /**
     * Files whose allocated size the report shows after the run (sparse ring files).
     *
     * @param directory the run's directory.
     * @return the files, possibly none.
     */
    default List<Path> footprintFiles(final Path directory)
    {
        return List.of();
    }

    /**
     * Peer A: send pings and time each round trip, or produce the stream and time it.
     *
     * @param peer the peer's context.
     * @return what was measured.
     * @throws Exception if the mechanism fails; the partner then gives up too.
     */
    Measurement initiate(Peer peer) throws Exception;

    /**
     * Peer B: echo each ping, or consume the stream and acknowledge its end.
     *
     * @param peer the peer's context.
     * @throws Exception if the mechanism fails; the partner then gives up too.
     */
    void respond(Peer peer) throws Exception;
}

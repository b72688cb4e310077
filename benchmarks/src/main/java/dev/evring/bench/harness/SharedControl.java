package dev.evring.bench.harness;

import dev.evring.ring.SharedMappedFile;
import org.agrona.concurrent.UnsafeBuffer;

import java.io.IOException;
import java.nio.file.Path;

/**
 * The memory-mapped file two benchmark peers share: a control block (who is there, which phase each has
 * reached, who gave up), the raw cache line the floor ping-pong runs on, and after them a region for the
 * mechanism's own rings.
 *
 * <pre>
 *    0  magic (8) | version (4) | mechanism region length (4)
 *  128  peer A block: pid (8) | phase reached (4) | aborted (4) | CPU share of the mechanism phase (8, double)
 *  256  peer B block: pid (8) | phase reached (4) | aborted (4) | CPU share of the mechanism phase (8, double)
 *  384  responder's count (8): how many messages the responder has taken (stream end-of-run ack)
 *  512  floor line: ping (8), written only by A | pong (8), written only by B
 *  640  stream end (8): 1 + the number of messages the producer sent in all, 0 while it still sends
 *  768  responder streaming (4): 1 once the stream's responder has opened its end and takes messages
 * 4096  mechanism region (page aligned)
 * </pre>
 *
 * Every hot field sits in its own 128-byte block.
 */
public final class SharedControl implements AutoCloseable
{
    /** Its file name in a run directory. */
    public static final String FILE_NAME = "shared";
    /** Where the mechanism region starts. */
    static final int REGION_OFFSET = 4096;

    private static final long MAGIC = 0x48434e45_42525645L; // "EVRBENCH" little-endian
    private static final int VERSION = 1;
    private static final int MAGIC_OFFSET = 0;
    private static final int VERSION_OFFSET = 8;
    private static final int REGION_LENGTH_OFFSET = 12;
    private static final int PEER_BLOCK_OFFSET = 128;
    private static final int PEER_BLOCK_LENGTH = 128;
    private static final int PID_IN_PEER = 0;
    private static final int PHASE_IN_PEER = 8;
    private static final int ABORTED_IN_PEER = 12;
    private static final int CPU_SHARE_IN_PEER = 16;
    private static final int RESPONDER_COUNT_OFFSET = 384;
    private static final int PING_OFFSET = 512;
    private static final int PONG_OFFSET = 520;
    private static final int STREAM_END_OFFSET = 640;
    private static final int RESPONDER_STREAMING_OFFSET = 768;

    private final SharedMappedFile mapped;
    private final UnsafeBuffer buffer;
    private final UnsafeBuffer region;

    private SharedControl(final SharedMappedFile mapped)
    {
        this.mapped = mapped;
        this.buffer = new UnsafeBuffer(mapped.mapping());
        final int regionLength = buffer.getInt(REGION_LENGTH_OFFSET);
        this.region = new UnsafeBuffer(buffer, REGION_OFFSET, regionLength);
    }

    /**
     * Create the shared file (zeroed; the control block's pages reserved, the mechanism region left sparse
     * for the mechanism to use as it needs) and write its header.
     *
     * @param file         the file to create; it must not exist.
     * @param regionLength bytes the mechanism needs after the control block.
     * @return the mapped control.
     * @throws IOException if the file cannot be created or mapped.
     */
    public static SharedControl create(final Path file, final int regionLength)
        throws IOException
    {
        if (regionLength < 0)
        {
            throw new IllegalArgumentException("regionLength must not be negative, got " + regionLength);
        }
        final SharedMappedFile mapped = SharedMappedFile.create(file, (long)REGION_OFFSET + regionLength, REGION_OFFSET);
        final UnsafeBuffer header = new UnsafeBuffer(mapped.mapping());
        header.putInt(VERSION_OFFSET, VERSION);
        header.putInt(REGION_LENGTH_OFFSET, regionLength);
        // publish the magic last: a peer that sees it sees the whole header
        header.putLongVolatile(MAGIC_OFFSET, MAGIC);
        return new SharedControl(mapped);
    }

    /**
     * Map a shared file the coordinator created.
     *
     * @param file the file.
     * @return the mapped control.
     * @throws IOException if it cannot be mapped or is not a benchmark control file.
     */
    public static SharedControl open(final Path file) throws IOException
    {
        final SharedMappedFile mapped = SharedMappedFile.open(file);
        final long length = mapped.length();
        if (length < REGION_OFFSET)
        {
            mapped.close();
            throw new IOException(file + " is " + length + " bytes: not a benchmark control file");
        }
        final UnsafeBuffer header = new UnsafeBuffer(mapped.mapping());
        if (header.getLongVolatile(MAGIC_OFFSET) != MAGIC || header.getInt(VERSION_OFFSET) != VERSION
            || REGION_OFFSET + (long)header.getInt(REGION_LENGTH_OFFSET) > length)
        {
            mapped.close();
            throw new IOException(file + " is not a benchmark control file of version " + VERSION);
        }
        return new SharedControl(mapped);
    }

    /**
     * The mechanism's region of the shared file, page aligned.
     *
     * @return a view of the region.
     */
    public UnsafeBuffer region()
    {
        return region;
    }

    /**
     * Announce a peer's process id.
     *
     * @param role the peer.
     * @param pid  its process id.
     */
    public void register(final PeerRole role, final long pid)
    {
        buffer.putLongRelease(peerOffset(role) + PID_IN_PEER, pid);
    }

    /**
     * A peer's process id.
     *
     * @param role the peer.
     * @return its pid, or 0 before it registered.
     */
    public long pid(final PeerRole role)
    {
        return buffer.getLongAcquire(peerOffset(role) + PID_IN_PEER);
    }

    /**
     * Record that a peer gave up, so its partner stops waiting at once.
     *
     * @param role the peer that gives up.
     */
    public void abort(final PeerRole role)
    {
        buffer.putIntVolatile(peerOffset(role) + ABORTED_IN_PEER, 1);
    }

    /**
     * Whether a peer gave up.
     *
     * @param role the peer.
     * @return true once it called {@link #abort(PeerRole)}.
     */
    boolean aborted(final PeerRole role)
    {
        return buffer.getIntVolatile(peerOffset(role) + ABORTED_IN_PEER) != 0;
    }

    /**
     * Record the share of the mechanism phase a peer's thread spent on a CPU (the rest it was descheduled).
     *
     * @param role  the peer.
     * @param share CPU time over wall time, 0 to 1.
     */
    public void cpuShare(final PeerRole role, final double share)
    {
        buffer.putLongRelease(peerOffset(role) + CPU_SHARE_IN_PEER, Double.doubleToRawLongBits(share));
    }

    /**
     * A peer's CPU share of the mechanism phase, once it has passed the next meeting.
     *
     * @param role the peer.
     * @return the share, 0 if not recorded.
     */
    public double cpuShare(final PeerRole role)
    {
        return Double.longBitsToDouble(buffer.getLongAcquire(peerOffset(role) + CPU_SHARE_IN_PEER));
    }

    /**
     * Meet the partner at a phase: announce this peer reached it, then wait until the partner has too.
     *
     * @param role     this peer.
     * @param phase    the phase number, increasing from 1.
     * @param watchdog stops the wait if the partner dies or the run's deadline passes.
     */
    public void meet(final PeerRole role, final int phase, final Watchdog watchdog)
    {
        // release: everything this peer did in the previous phase is visible before its arrival
        buffer.putIntRelease(peerOffset(role) + PHASE_IN_PEER, phase);
        final int partnerPhase = peerOffset(role.partner()) + PHASE_IN_PEER;
        long spins = 0;
        // acquire: pairs with the partner's release of its arrival
        while (buffer.getIntAcquire(partnerPhase) < phase)
        {
            Thread.onSpinWait();
            if ((++spins & Watchdog.CHECK_MASK) == 0)
            {
                watchdog.check();
            }
        }
    }

    /**
     * Publish how many messages the responder has taken.
     *
     * @param count the count.
     */
    void responderCount(final long count)
    {
        // release: the responder's reads of the stream happen before the producer sees the count
        buffer.putLongRelease(RESPONDER_COUNT_OFFSET, count);
    }

    /**
     * Wait until the responder has taken at least {@code count} messages.
     *
     * @param count    the count to reach.
     * @param watchdog stops the wait if the partner dies or the deadline passes.
     */
    void awaitResponderCount(final long count, final Watchdog watchdog)
    {
        awaitResponderCount(count, watchdog, Thread::onSpinWait);
    }

    /**
     * Wait until the responder has taken at least {@code count} messages, doing some work between looks
     * (a producer whose transport only moves while it runs the transport's duty cycle).
     *
     * @param count    the count to reach.
     * @param watchdog stops the wait if the partner dies or the deadline passes.
     * @param idle     what to do between looks.
     */
    void awaitResponderCount(final long count, final Watchdog watchdog, final Runnable idle)
    {
        long spins = 0;
        // acquire: pairs with the responder's release in responderCount
        while (buffer.getLongAcquire(RESPONDER_COUNT_OFFSET) < count)
        {
            idle.run();
            if ((++spins & Watchdog.CHECK_MASK) == 0)
            {
                watchdog.check();
            }
        }
    }

    /**
     * Producer: announce the stream is over after {@code total} messages.
     *
     * @param total messages sent in all, warm-up included.
     */
    void streamEnd(final long total)
    {
        // release: the last message is published before the end is
        buffer.putLongRelease(STREAM_END_OFFSET, total + 1);
    }

    /**
     * Consumer: how many messages the stream carries in all, once the producer has stopped.
     *
     * @return the total, or -1 while the producer still sends.
     */
    long streamEnd()
    {
        return buffer.getLongAcquire(STREAM_END_OFFSET) - 1; // acquire: pairs with the producer's release
    }

    /**
     * Responder: announce that its end of the stream is open and it takes messages, so the producer's
     * warm-up counts from here (opening a mechanism can take hundreds of milliseconds of class loading).
     */
    void responderStreaming()
    {
        buffer.putIntRelease(RESPONDER_STREAMING_OFFSET, 1);
    }

    /**
     * Producer: whether the responder has announced it takes messages.
     *
     * @return true once {@link #responderStreaming()} was called.
     */
    boolean isResponderStreaming()
    {
        return buffer.getIntAcquire(RESPONDER_STREAMING_OFFSET) == 1; // acquire: pairs with the release above
    }

    /**
     * The whole mapped file, for the floor ping-pong.
     *
     * @return the buffer.
     */
    public UnsafeBuffer buffer()
    {
        return buffer;
    }

    /**
     * Offset of the floor's ping word (written by A).
     *
     * @return the offset.
     */
    public static int pingOffset()
    {
        return PING_OFFSET;
    }

    /**
     * Offset of the floor's pong word (written by B), on the same cache line as the ping.
     *
     * @return the offset.
     */
    public static int pongOffset()
    {
        return PONG_OFFSET;
    }

    private static int peerOffset(final PeerRole role)
    {
        return PEER_BLOCK_OFFSET + role.ordinal() * PEER_BLOCK_LENGTH;
    }

    /**
     * Unmap the file.
     */
    @Override
    public void close()
    {
        mapped.close();
    }
}

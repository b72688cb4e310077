package dev.evring.bench.mechanism;

import dev.evring.bench.harness.Measurement;
import dev.evring.bench.harness.Peer;
import dev.evring.bench.harness.PeerFailure;
import dev.evring.bench.harness.RoundTrips;
import dev.evring.bench.harness.RunPlan;
import dev.evring.bench.harness.SharedControl;
import dev.evring.bench.harness.Watchdog;
import org.HdrHistogram.Histogram;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * The raw cache-line floor: the cheapest possible round trip between the two peers. Peer A stores a new
 * sequence number into the ping word, peer B sees it and stores it into the pong word of the same
 * 128-byte-aligned line, peer A sees the echo. Every mechanism is reported as a ratio to this, measured
 * inside the same two processes before and after it.
 *
 * <p>Every round-trip phase, here and in the other mechanisms, ends the same way: peer A stops after its
 * count or its time cap and sends one last, marked message; peer B echoes it and returns. So B never
 * needs to know how many round trips A will make.
 */
public final class Floor extends AbstractMechanism
{
    /**
     * The mechanism.
     */
    public Floor()
    {
        super("floor", "raw cache line ping-pong: A stores a sequence number, B echoes it on the same line", false);
    }

    /** Set in the last ping of a phase: peer B echoes it and stops. */
    static final long STOP = 1L << 62;

    /**
     * {@inheritDoc}
     */
    @Override
    public Measurement initiate(final Peer peer)
    {
        final RunPlan plan = peer.plan();
        return Measurement.roundTrips(
            ping(peer.control(), peer.watchdog(), plan.warmupRoundTrips(), plan.roundTrips(), plan.phaseCapMs()));
    }

    /**
     * {@inheritDoc}
     */
    @Override
    public void respond(final Peer peer)
    {
        echo(peer.control(), peer.watchdog());
    }

    /**
     * Peer A's side of the floor: time up to {@code measured} round trips after up to {@code warmup}
     * untimed ones, each part cut short at {@code capMs} (see {@link RoundTrips}); then one last ping with
     * the stop bit tells peer B the phase is over.
     *
     * @param control  the shared control block that holds the floor line.
     * @param watchdog stops the waits if peer B dies.
     * @param warmup   round trips not recorded.
     * @param measured round trips recorded at most.
     * @param capMs    the longest the warm-up, and then the recorded round trips, may take.
     * @return the round-trip histogram in nanoseconds.
     */
    public static Histogram ping(
        final SharedControl control, final Watchdog watchdog, final long warmup, final long measured, final long capMs)
    {
        final UnsafeBuffer line = control.buffer();
        final RoundTrips trips = new RoundTrips(warmup, measured, capMs);
        long seq = line.getLong(SharedControl.pingOffset()) & ~STOP; // only this peer writes the ping word
        for (long i = 0; trips.more(i); i++)
        {
            seq++;
            final long start = System.nanoTime();
            exchange(line, watchdog, seq);
            trips.record(i, start, System.nanoTime());
        }
        exchange(line, watchdog, (seq + 1) | STOP);
        return trips.histogram();
    }

    private static void exchange(final UnsafeBuffer line, final Watchdog watchdog, final long value)
    {
        final int pong = SharedControl.pongOffset();
        line.putLongRelease(SharedControl.pingOffset(), value); // store-release (smp_store_release): line to B
        long spins = 0;
        while (line.getLongAcquire(pong) != value) // load-acquire (smp_load_acquire): B's echo
        {
            Thread.onSpinWait();
            if ((++spins & Watchdog.CHECK_MASK) == 0)
            {
                watchdog.check();
            }
        }
    }

    /**
     * Peer B's side of the floor: echo every ping, up to and including the one with the stop bit.
     *
     * @param control  the shared control block that holds the floor line.
     * @param watchdog stops the waits if peer A dies.
     */
    public static void echo(final SharedControl control, final Watchdog watchdog)
    {
        final UnsafeBuffer line = control.buffer();
        final int ping = SharedControl.pingOffset();
        final int pong = SharedControl.pongOffset();
        long seen = line.getLong(pong); // only this peer writes the pong word
        while (true)
        {
            long seq;
            long spins = 0;
            while ((seq = line.getLongAcquire(ping)) == seen) // load-acquire (smp_load_acquire): A's ping
            {
                Thread.onSpinWait();
                if ((++spins & Watchdog.CHECK_MASK) == 0)
                {
                    watchdog.check();
                }
            }
            if ((seq & ~STOP) != (seen & ~STOP) + 1)
            {
                throw new PeerFailure("floor: expected ping " + ((seen & ~STOP) + 1) + ", saw " + seq);
            }
            line.putLongRelease(pong, seq); // store-release (smp_store_release): hand the line back to A
            if ((seq & STOP) != 0)
            {
                return;
            }
            seen = seq;
        }
    }
}

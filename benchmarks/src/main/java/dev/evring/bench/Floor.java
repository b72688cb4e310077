package dev.evring.bench;

import org.HdrHistogram.Histogram;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * The raw cache-line floor: the cheapest possible round trip between the two peers. Peer A stores a new
 * sequence number into the ping word, peer B sees it and stores it into the pong word of the same
 * 128-byte-aligned line, peer A sees the echo. Every mechanism is reported as a ratio to this, measured
 * inside the same two processes before and after it.
 */
final class Floor implements Mechanism
{
    /**
     * {@inheritDoc}
     */
    @Override
    public String name()
    {
        return "floor";
    }

    /**
     * {@inheritDoc}
     */
    @Override
    public String description()
    {
        return "raw cache line ping-pong: A stores a sequence number, B echoes it on the same line";
    }

    /**
     * {@inheritDoc}
     */
    @Override
    public boolean isStream()
    {
        return false;
    }

    /**
     * {@inheritDoc}
     */
    @Override
    public Measurement initiate(final Peer peer)
    {
        final RunPlan plan = peer.plan();
        return Measurement.roundTrips(ping(peer.control(), peer.watchdog(), plan.warmupRoundTrips(), plan.roundTrips()));
    }

    /**
     * {@inheritDoc}
     */
    @Override
    public void respond(final Peer peer)
    {
        final RunPlan plan = peer.plan();
        echo(peer.control(), peer.watchdog(), plan.warmupRoundTrips() + plan.roundTrips());
    }

    /**
     * Peer A's side of the floor: time {@code measured} round trips after {@code warmup} untimed ones.
     *
     * @param control  the shared control block that holds the floor line.
     * @param watchdog stops the waits if peer B dies.
     * @param warmup   round trips not recorded.
     * @param measured round trips recorded.
     * @return the round-trip histogram in nanoseconds.
     */
    static Histogram ping(final SharedControl control, final Watchdog watchdog, final long warmup, final long measured)
    {
        final UnsafeBuffer line = control.buffer();
        final int ping = SharedControl.pingOffset();
        final int pong = SharedControl.pongOffset();
        final Histogram histogram = Measurement.newHistogram();
        final long total = warmup + measured;
        long seq = line.getLong(ping); // only this peer writes the ping word
        for (long i = 0; i < total; i++)
        {
            seq++;
            final long start = System.nanoTime();
            line.putLongRelease(ping, seq); // store-release (smp_store_release): hand the line to B
            long spins = 0;
            while (line.getLongAcquire(pong) != seq) // load-acquire (smp_load_acquire): B's echo
            {
                Thread.onSpinWait();
                if ((++spins & Watchdog.CHECK_MASK) == 0)
                {
                    watchdog.check();
                }
            }
            final long roundTrip = System.nanoTime() - start;
            if (i >= warmup)
            {
                histogram.recordValue(Math.min(roundTrip, Measurement.HIGHEST_TRACKABLE_NS));
            }
        }
        return histogram;
    }

    /**
     * Peer B's side of the floor: echo {@code total} pings.
     *
     * @param control  the shared control block that holds the floor line.
     * @param watchdog stops the waits if peer A dies.
     * @param total    pings to echo, warm-up included.
     */
    static void echo(final SharedControl control, final Watchdog watchdog, final long total)
    {
        final UnsafeBuffer line = control.buffer();
        final int ping = SharedControl.pingOffset();
        final int pong = SharedControl.pongOffset();
        long seen = line.getLong(pong); // only this peer writes the pong word
        for (long i = 0; i < total; i++)
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
            if (seq != seen + 1)
            {
                throw new PeerFailure("floor: expected ping " + (seen + 1) + ", saw " + seq);
            }
            line.putLongRelease(pong, seq); // store-release (smp_store_release): hand the line back to A
            seen = seq;
        }
    }
}

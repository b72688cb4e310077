package dev.evring.bench.harness;

import java.util.function.LongPredicate;

/**
 * The receiving peer of every one-way stream: take batches until the producer's announced end count has
 * arrived, spinning (with the watchdog checked now and then) while there is nothing to take, and report
 * the count back. Each mechanism supplies how it takes one batch and checks its order. A stream whose
 * consumer takes fewer values than were sent (notifies of one port fold into one event) ends on a test of
 * its own instead ({@link #consumeUntil}).
 */
public final class StreamConsumer
{
    private StreamConsumer()
    {
    }

    /**
     * Takes one batch from a mechanism.
     */
    @FunctionalInterface
    public interface Batch
    {
        /**
         * Take what is there, up to one batch, checking each value is the next one expected.
         *
         * @return the number taken, 0 if there was nothing.
         */
        int take();
    }

    /**
     * Take batches until the stream's end, then report how many values arrived.
     *
     * @param peer  this peer (control block and watchdog).
     * @param batch how to take one batch.
     */
    public static void consumeUntilEnd(final Peer peer, final Batch batch)
    {
        final SharedControl control = peer.control();
        control.responderCount(consumeUntil(peer, batch, received -> received == control.streamEnd()));
    }

    /**
     * Announce this end of the stream open, then take batches until a batch comes back empty and the
     * stream is over by the mechanism's own test.
     *
     * @param peer  this peer (control block and watchdog).
     * @param batch how to take one batch.
     * @param over  whether the stream is over, given the values taken so far; asked only when a batch came
     *              back empty.
     * @return the number of values taken.
     */
    public static long consumeUntil(final Peer peer, final Batch batch, final LongPredicate over)
    {
        final Watchdog watchdog = peer.watchdog();
        long received = 0;
        long spins = 0;
        peer.control().responderStreaming();
        while (true)
        {
            final int n = batch.take();
            if (n == 0)
            {
                if (over.test(received))
                {
                    break;
                }
                Thread.onSpinWait();
                if ((++spins & Watchdog.CHECK_MASK) == 0)
                {
                    watchdog.check();
                }
                continue;
            }
            spins = 0;
            received += n;
        }
        return received;
    }

    /**
     * Checks that values read into an int array arrive as 0, 1, 2, ...
     */
    public static final class InOrder
    {
        private final String name;
        private int expected;

        /**
         * A checker for a named mechanism.
         *
         * @param name the mechanism, for the failure message.
         */
        public InOrder(final String name)
        {
            this.name = name;
        }

        /**
         * Check a batch.
         *
         * @param values the batch.
         * @param count  how many of it were read.
         * @return {@code count}.
         */
        public int check(final int[] values, final int count)
        {
            for (int k = 0; k < count; k++)
            {
                if (values[k] != expected)
                {
                    throw new PeerFailure(name + ": expected " + expected + ", read " + values[k]);
                }
                expected++;
            }
            return count;
        }
    }
}

package dev.evring.bench.mechanism;

import dev.evring.bench.harness.Measurement;
import dev.evring.bench.harness.Peer;
import dev.evring.bench.harness.PeerFailure;
import dev.evring.bench.harness.RoundTrips;
import dev.evring.bench.harness.RunPlan;
import dev.evring.bench.harness.Watchdog;
import net.openhft.chronicle.queue.ChronicleQueue;
import net.openhft.chronicle.queue.ExcerptAppender;
import net.openhft.chronicle.queue.ExcerptTailer;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueueBuilder;
import net.openhft.chronicle.wire.DocumentContext;

import java.nio.file.Path;

/**
 * Round trips over two Chronicle Queues in the run directory, one each way: A appends an 8-byte
 * sequence number to the A-to-B queue, B's tailer reads it and B appends it to the B-to-A queue, A's
 * tailer reads the echo. Every excerpt is one document written and read in place (no allocation).
 * Both tailers spin.
 */
public final class ChronicleQueuePingPong extends AbstractMechanism
{
    /**
     * The mechanism.
     */
    public ChronicleQueuePingPong()
    {
        super("chronicle-queue", "Chronicle Queue ping-pong, one queue each way, appender in one peer, spinning tailer in the other", false);
    }

    /** The last ping: B echoes it and stops. */
    private static final long STOP = -1;
    private static final String A_TO_B = "a-to-b.cq";
    private static final String B_TO_A = "b-to-a.cq";

    /**
     * {@inheritDoc}
     */
    @Override
    public Measurement initiate(final Peer peer)
    {
        final RunPlan plan = peer.plan();
        final Watchdog watchdog = peer.watchdog();
        final RoundTrips trips = new RoundTrips(plan.warmupRoundTrips(), plan.roundTrips(), plan.phaseCapMs());
        try (ChronicleQueue out = open(peer.directory(), A_TO_B);
            ChronicleQueue in = open(peer.directory(), B_TO_A);
            ExcerptAppender appender = out.createAppender();
            ExcerptTailer tailer = in.createTailer())
        {
            for (long i = 0; trips.more(i); i++)
            {
                final long start = System.nanoTime();
                append(appender, i);
                final long echo = take(tailer, watchdog);
                trips.record(i, start, System.nanoTime());
                if (echo != i)
                {
                    throw new PeerFailure("chronicle-queue: sent " + i + ", the echo was " + echo);
                }
            }
            append(appender, STOP);
            take(tailer, watchdog);
        }
        return Measurement.roundTrips(trips.histogram());
    }

    /**
     * {@inheritDoc}
     */
    @Override
    public void respond(final Peer peer)
    {
        final Watchdog watchdog = peer.watchdog();
        try (ChronicleQueue in = open(peer.directory(), A_TO_B);
            ChronicleQueue out = open(peer.directory(), B_TO_A);
            ExcerptAppender appender = out.createAppender();
            ExcerptTailer tailer = in.createTailer())
        {
            long value;
            do
            {
                value = take(tailer, watchdog);
                append(appender, value);
            }
            while (value != STOP);
        }
    }

    private static ChronicleQueue open(final Path directory, final String name)
    {
        return SingleChronicleQueueBuilder.binary(directory.resolve(name)).build();
    }

    private static void append(final ExcerptAppender appender, final long value)
    {
        try (DocumentContext document = appender.writingDocument())
        {
            document.wire().bytes().writeLong(value);
        }
    }

    private static long take(final ExcerptTailer tailer, final Watchdog watchdog)
    {
        long spins = 0;
        while (true)
        {
            try (DocumentContext document = tailer.readingDocument())
            {
                if (document.isPresent())
                {
                    return document.wire().bytes().readLong();
                }
            }
            Thread.onSpinWait();
            if ((++spins & Watchdog.CHECK_MASK) == 0)
            {
                watchdog.check();
            }
        }
    }
}

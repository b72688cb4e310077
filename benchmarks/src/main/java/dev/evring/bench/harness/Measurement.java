package dev.evring.bench.harness;

import org.HdrHistogram.Histogram;

/**
 * What the initiator of a mechanism measured: a histogram of round-trip times, or a message count, the
 * time the stream took and a histogram of how long each chunk of {@value #CHUNK} messages took. A notify
 * stream's message count is the events its consumer read, and it carries the notifies issued and sent
 * besides ({@link NotifyCounts}).
 */
public final class Measurement
{
    /** Largest round trip a histogram tracks; longer ones are recorded as this. */
    static final long HIGHEST_TRACKABLE_NS = 60_000_000_000L;
    /** Messages per timed chunk of a stream: 16 ring capacities, so filling a drained ring barely counts. */
    public static final int CHUNK = 16 * 1024;

    private final Histogram roundTrips;
    private final long messages;
    private final long elapsedNs;
    private final Histogram chunks;
    private final NotifyCounts notifies;

    private Measurement(final Histogram roundTrips, final long messages, final long elapsedNs, final Histogram chunks,
        final NotifyCounts notifies)
    {
        this.roundTrips = roundTrips;
        this.messages = messages;
        this.elapsedNs = elapsedNs;
        this.chunks = chunks;
        this.notifies = notifies;
    }

    /**
     * A new histogram for round-trip times in nanoseconds (three significant digits).
     *
     * @return the empty histogram.
     */
    public static Histogram newHistogram()
    {
        return new Histogram(HIGHEST_TRACKABLE_NS, 3);
    }

    /**
     * A round-trip measurement.
     *
     * @param histogram round-trip times in nanoseconds.
     * @return the measurement.
     */
    public static Measurement roundTrips(final Histogram histogram)
    {
        return new Measurement(histogram, 0, 0, null, null);
    }

    /**
     * A one-way stream measurement.
     *
     * @param messages  messages carried while the clock ran.
     * @param elapsedNs how long they took.
     * @param chunks    nanoseconds each complete chunk of {@link #CHUNK} messages took (possibly none).
     * @return the measurement.
     */
    public static Measurement stream(final long messages, final long elapsedNs, final Histogram chunks)
    {
        return stream(messages, elapsedNs, chunks, null);
    }

    /**
     * A notify stream's measurement: the events its consumer read (the stream's messages), and the
     * notifies issued and sent, over the same time. Its chunks are not timed (the producer's chunks of
     * notifies say nothing of the consumer's events).
     *
     * @param read      events the consumer read while the clock ran, at most {@code notifies.issued()}.
     * @param elapsedNs how long it took.
     * @param notifies  the notifies issued and sent meanwhile.
     * @return the measurement.
     */
    public static Measurement notifyStream(final long read, final long elapsedNs, final NotifyCounts notifies)
    {
        return stream(read, elapsedNs, newHistogram(), notifies);
    }

    /**
     * A stream measurement, with or without notify counts.
     *
     * @param messages  messages carried while the clock ran.
     * @param elapsedNs how long they took.
     * @param chunks    nanoseconds each complete chunk took (possibly none).
     * @param notifies  a notify stream's counts (then {@code messages} are the events read, no more than the
     *                  notifies issued), or null.
     * @return the measurement.
     */
    public static Measurement stream(final long messages, final long elapsedNs, final Histogram chunks,
        final NotifyCounts notifies)
    {
        if (messages < 1 || elapsedNs < 1)
        {
            throw new IllegalArgumentException("a stream measurement needs messages and time, got " + messages
                + " messages in " + elapsedNs + " ns");
        }
        if (notifies != null && messages > notifies.issued())
        {
            throw new IllegalArgumentException("the consumer read " + messages + " events of " + notifies.issued()
                + " notifies: more than were issued");
        }
        return new Measurement(null, messages, elapsedNs, chunks, notifies);
    }

    /**
     * Whether this is a round-trip measurement.
     *
     * @return true for round trips, false for a stream.
     */
    public boolean isRoundTrip()
    {
        return roundTrips != null;
    }

    /**
     * The round-trip histogram.
     *
     * @return the histogram, or null for a stream.
     */
    public Histogram histogram()
    {
        return roundTrips;
    }

    /**
     * Stream messages measured.
     *
     * @return the count, 0 for round trips.
     */
    public long messages()
    {
        return messages;
    }

    /**
     * Stream time.
     *
     * @return nanoseconds, 0 for round trips.
     */
    public long elapsedNs()
    {
        return elapsedNs;
    }

    /**
     * Stream rate over the whole measured time.
     *
     * @return messages per second.
     */
    public double messagesPerSecond()
    {
        return messages * 1e9 / elapsedNs;
    }

    /**
     * A notify stream's notifies issued and sent.
     *
     * @return the counts, or null for round trips and other streams.
     */
    public NotifyCounts notifies()
    {
        return notifies;
    }

    /**
     * The stream's chunk times.
     *
     * @return nanoseconds per chunk of {@link #CHUNK} messages, or null for round trips.
     */
    public Histogram chunks()
    {
        return chunks;
    }

    /**
     * Stream rate of the median chunk: the rate while both peers ran, robust against the scheduler taking
     * a peer's CPU away now and then (a stalled chunk is one slow sample, not a lower average).
     *
     * @return messages per second, or null if no chunk completed.
     */
    public Double medianChunkMessagesPerSecond()
    {
        if (chunks == null || chunks.getTotalCount() == 0)
        {
            return null;
        }
        return CHUNK * 1e9 / chunks.getValueAtPercentile(50.0);
    }
}

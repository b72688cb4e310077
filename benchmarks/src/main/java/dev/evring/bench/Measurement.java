package dev.evring.bench;

import org.HdrHistogram.Histogram;

/**
 * What the initiator of a mechanism measured: a histogram of round-trip times, or a message count and the
 * time the stream took.
 */
final class Measurement
{
    /** Largest round trip a histogram tracks; longer ones are recorded as this. */
    static final long HIGHEST_TRACKABLE_NS = 60_000_000_000L;

    private final Histogram roundTrips;
    private final long messages;
    private final long elapsedNs;

    private Measurement(final Histogram roundTrips, final long messages, final long elapsedNs)
    {
        this.roundTrips = roundTrips;
        this.messages = messages;
        this.elapsedNs = elapsedNs;
    }

    /**
     * A new histogram for round-trip times in nanoseconds (three significant digits).
     *
     * @return the empty histogram.
     */
    static Histogram newHistogram()
    {
        return new Histogram(HIGHEST_TRACKABLE_NS, 3);
    }

    /**
     * A round-trip measurement.
     *
     * @param histogram round-trip times in nanoseconds.
     * @return the measurement.
     */
    static Measurement roundTrips(final Histogram histogram)
    {
        return new Measurement(histogram, 0, 0);
    }

    /**
     * A one-way stream measurement.
     *
     * @param messages  messages carried while the clock ran.
     * @param elapsedNs how long they took.
     * @return the measurement.
     */
    static Measurement stream(final long messages, final long elapsedNs)
    {
        if (messages < 1 || elapsedNs < 1)
        {
            throw new IllegalArgumentException("a stream measurement needs messages and time, got " + messages
                + " messages in " + elapsedNs + " ns");
        }
        return new Measurement(null, messages, elapsedNs);
    }

    /**
     * Whether this is a round-trip measurement.
     *
     * @return true for round trips, false for a stream.
     */
    boolean isRoundTrip()
    {
        return roundTrips != null;
    }

    /**
     * The round-trip histogram.
     *
     * @return the histogram, or null for a stream.
     */
    Histogram histogram()
    {
        return roundTrips;
    }

    /**
     * Stream messages measured.
     *
     * @return the count, 0 for round trips.
     */
    long messages()
    {
        return messages;
    }

    /**
     * Stream time.
     *
     * @return nanoseconds, 0 for round trips.
     */
    long elapsedNs()
    {
        return elapsedNs;
    }

    /**
     * Stream rate.
     *
     * @return messages per second.
     */
    double messagesPerSecond()
    {
        return messages * 1e9 / elapsedNs;
    }
}

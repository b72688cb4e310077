package dev.evring.bench.report;

import dev.evring.bench.harness.Measurement;
import dev.evring.bench.harness.NotifyCounts;

/**
 * A notify stream's figures besides its rate of events read (the row's msgs/s): how fast its producer
 * issued notifies, how fast messages carried them, and the share of notifies folded on the way (by the
 * sender into a message not yet sent, or by the receiving hub into an event not yet read).
 *
 * @param notifiesPerSecond  notifies the producer issued per second.
 * @param messagesPerSecond  messages that carried them per second.
 * @param coalescedFraction  {@code 1 - read / issued}: the share of notifies that came to no event of their own.
 */
public record NotifyRates(double notifiesPerSecond, double messagesPerSecond, double coalescedFraction)
{
    /**
     * The figures of a notify stream's measurement.
     *
     * @param measurement a stream measurement.
     * @return the figures, or null if it is not a notify stream.
     */
    static NotifyRates of(final Measurement measurement)
    {
        final NotifyCounts notifies = measurement.notifies();
        if (notifies == null)
        {
            return null;
        }
        final long elapsedNs = measurement.elapsedNs();
        // the formula of Measurement.messagesPerSecond: counts in order give rates in order, equal ones equal
        return new NotifyRates(notifies.issued() * 1e9 / elapsedNs, notifies.sent() * 1e9 / elapsedNs,
            1 - measurement.messages() / (double)notifies.issued());
    }
}

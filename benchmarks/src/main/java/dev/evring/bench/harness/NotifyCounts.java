package dev.evring.bench.harness;

/**
 * What a notify stream counts over its measured time besides the events its consumer read: the notifies
 * its producer issued, and the messages that carried them to the consumer's host. A sender folds a
 * port's notifies that are not yet sent into one message, and the receiving hub folds those that find
 * the port still masked into one event, so {@code issued >= sent} and {@code issued >=} the events read.
 *
 * @param issued the notifies the producer issued.
 * @param sent   the messages that carried them.
 */
public record NotifyCounts(long issued, long sent)
{
    /**
     * Counts, checked.
     *
     * @param issued the notifies the producer issued, at least 1.
     * @param sent   the messages that carried them, from 0 to {@code issued}.
     */
    public NotifyCounts
    {
        if (issued < 1 || sent < 0 || sent > issued)
        {
            throw new IllegalArgumentException("a notify stream issues at least one notify and sends at most one "
                + "message for each, got " + issued + " issued and " + sent + " sent");
        }
    }
}

package dev.evring.cli.demo;

import org.HdrHistogram.Histogram;
import org.HdrHistogram.HistogramIterationValue;

import java.io.PrintWriter;
import java.util.List;
import java.util.Locale;

/**
 * What {@code evring demo} prints: the live status line, the summary (one {@code name: value} fact per
 * line, stable for scripts to grep) and a text histogram of the round-trip latencies.
 */
final class DemoReport
{
    /** The percentiles the summary lists. */
    static final double[] PERCENTILES = {50.0, 90.0, 99.0, 99.9, 99.99};

    private static final int BAR_WIDTH = 50;
    private static final long FIRST_BUCKET_NS = 1_000;

    private DemoReport()
    {
    }

    /**
     * The facts of a finished run.
     *
     * @param consumers        consumer JVMs started.
     * @param idle             how handles waited.
     * @param elapsedNs        how long traffic ran.
     * @param events           ports taken by every handle (consumers and domain 0).
     * @param roundTrips       round trips measured.
     * @param timerTicks       VIRQ_TIMER events taken.
     * @param latency          every round trip.
     * @param portsBoundPeak   the most ports bound at once, from the hub's counters.
     * @param overflows        event-ring overflows, from the hub's counters.
     * @param hubErrors        requests the hub refused.
     * @param consumerFailures consumers that did not finish cleanly.
     * @param filesLeft        files left in the hub directory after the hub closed.
     * @param directoryRemoved whether the hub directory itself is gone.
     * @param directoryKept    whether the directory existed before the demo (then it is kept).
     * @param failures         why the run failed, empty if it did not.
     */
    record Summary(
        int consumers, DemoIdle idle, long elapsedNs, long events, long roundTrips, long timerTicks, Histogram latency,
        long portsBoundPeak, long overflows, long hubErrors, int consumerFailures, List<String> filesLeft,
        boolean directoryRemoved, boolean directoryKept, List<String> failures)
    {
        /**
         * Whether the run met every promise: events flowed, nothing overflowed, every consumer finished,
         * and no file was left behind.
         */
        boolean ok()
        {
            return failures.isEmpty();
        }
    }

    /**
     * The live status line.
     *
     * @param elapsedNs    time since traffic started.
     * @param eventsPerSec events per second over the last interval.
     * @param window       round trips of the last interval.
     * @param crossHost    round trips across the bridge in the last interval, null with one host.
     * @param portsBound   ports bound now.
     * @param overflows    overflows so far.
     * @return one line, without a line end.
     */
    static String status(
        final long elapsedNs, final double eventsPerSec, final Histogram window, final Histogram crossHost,
        final long portsBound, final long overflows)
    {
        return String.format(Locale.ROOT, "[%5.1f s] events/s %,12.0f | round trip %s%s | ports bound %d | overflows %d",
            elapsedNs / 1e9, eventsPerSec, percentiles(window),
            crossHost == null ? "" : " | cross-host " + percentiles(crossHost), portsBound, overflows);
    }

    private static String percentiles(final Histogram window)
    {
        return window.getTotalCount() == 0 ? "p50 - p99 -"
            : "p50 " + micros(window.getValueAtPercentile(50)) + " p99 " + micros(window.getValueAtPercentile(99));
    }

    /**
     * Print the summary, then the latency histogram.
     */
    static void print(final PrintWriter out, final Summary summary)
    {
        final double seconds = summary.elapsedNs() / 1e9;
        final Histogram latency = summary.latency();
        out.println();
        out.println("== evring demo summary ==");
        out.println("consumers: " + summary.consumers());
        out.println("idle: " + summary.idle().label());
        out.println(String.format(Locale.ROOT, "duration: %.1f s", seconds));
        out.println("events: " + summary.events());
        out.println(String.format(Locale.ROOT, "events/s: %.0f", seconds > 0 ? summary.events() / seconds : 0.0));
        out.println("round trips: " + summary.roundTrips());
        out.println("timer ticks: " + summary.timerTicks());
        for (final double percentile : PERCENTILES)
        {
            out.println("latency p" + percentileLabel(percentile) + ": "
                + (latency.getTotalCount() == 0 ? "-" : micros(latency.getValueAtPercentile(percentile))));
        }
        out.println("latency max: " + (latency.getTotalCount() == 0 ? "-" : micros(latency.getMaxValue())));
        out.println("ports bound (peak): " + summary.portsBoundPeak());
        out.println("overflows: " + summary.overflows());
        out.println("hub errors: " + summary.hubErrors());
        out.println("consumer failures: " + summary.consumerFailures());
        out.println("files left: " + summary.filesLeft().size()
            + (summary.filesLeft().isEmpty() ? "" : " (" + String.join(", ", summary.filesLeft()) + ')'));
        out.println("hub directory removed: " + (summary.directoryRemoved() ? "yes"
            : summary.directoryKept() ? "no (it existed before the demo; its hub files are gone)" : "no"));
        out.println("result: " + (summary.ok() ? "ok" : "FAILED (" + String.join("; ", summary.failures()) + ')'));
        out.println();
        out.print(histogram(latency));
        out.flush();
    }

    /**
     * A text histogram of round-trip latencies: one bar per power-of-two bucket from 1 microsecond up,
     * from the first bucket with a count to the largest value (bucket bounds are rounded to the
     * microsecond; HdrHistogram's buckets end at its equivalent-value boundaries).
     *
     * @param latency round trips in nanoseconds.
     * @return the lines, each ended by a line separator.
     */
    static String histogram(final Histogram latency)
    {
        final String nl = System.lineSeparator();
        final StringBuilder text = new StringBuilder();
        text.append("round-trip latency histogram (").append(String.format(Locale.ROOT, "%,d", latency.getTotalCount()))
            .append(" round trips)").append(nl);
        if (latency.getTotalCount() == 0)
        {
            return text.append("  (no round trips)").append(nl).toString();
        }
        long largest = 0;
        for (final HistogramIterationValue bucket : latency.logarithmicBucketValues(FIRST_BUCKET_NS, 2))
        {
            largest = Math.max(largest, bucket.getCountAddedInThisIterationStep());
        }
        long lower = 0;
        boolean started = false;
        for (final HistogramIterationValue bucket : latency.logarithmicBucketValues(FIRST_BUCKET_NS, 2))
        {
            final long count = bucket.getCountAddedInThisIterationStep();
            final long upper = bucket.getValueIteratedTo();
            started |= count > 0;
            if (started)
            {
                final int width = (int)Math.round((double)count * BAR_WIDTH / largest);
                text.append(String.format(Locale.ROOT, "  %9s - %9s us %12s |%s%n",
                    microsBound(lower), microsBound(upper), String.format(Locale.ROOT, "%,d", count),
                    "#".repeat(count > 0 ? Math.max(1, width) : 0)));
            }
            lower = upper;
        }
        return text.toString();
    }

    static String micros(final long nanos)
    {
        return String.format(Locale.ROOT, "%.1f us", nanos / 1e3);
    }

    private static String microsBound(final long nanos)
    {
        return String.format(Locale.ROOT, "%,d", Math.round(nanos / 1e3));
    }

    private static String percentileLabel(final double percentile)
    {
        return percentile == Math.rint(percentile) ? Long.toString((long)percentile) : Double.toString(percentile);
    }
}

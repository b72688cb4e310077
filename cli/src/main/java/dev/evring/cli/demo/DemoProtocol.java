package dev.evring.cli.demo;

import dev.evring.bench.harness.HistogramText;
import org.HdrHistogram.Histogram;

import java.util.Base64;

/**
 * The lines the demo and its consumer JVMs exchange over the consumers' standard input and output.
 *
 * <pre>
 * demo -&gt; consumer                       consumer -&gt; demo
 *                                         DOMID &lt;domid&gt;                       (once the handle is open)
 * alloc &lt;domid&gt;                           PORT &lt;port&gt;   an unbound port for that domain; this side pings
 * bind &lt;domid&gt; &lt;port&gt;                    PORT &lt;port&gt;   connect to it; this side echoes
 * hub &lt;port&gt;                              PORT &lt;port&gt;   connect to domain 0's port; this side pings
 * timer                                   PORT &lt;port&gt;   bind VIRQ_TIMER
 * go                                      STAT &lt;events&gt; &lt;round trips&gt; &lt;ticks&gt; &lt;histogram&gt;   periodically
 * stop (or end of input)                  DONE                                after the last STAT
 *                                         FAILED &lt;message&gt;                    then exit status 1
 * </pre>
 *
 * The counts in {@code STAT} are running totals; the histogram (HdrHistogram's compressed encoding in
 * Base64) holds the round trips since the previous {@code STAT}.
 */
final class DemoProtocol
{
    static final String DOMID = "DOMID";
    static final String PORT = "PORT";
    static final String STAT = "STAT";
    static final String DONE = "DONE";
    static final String FAILED = "FAILED";
    static final String ALLOC = "alloc";
    static final String BIND = "bind";
    static final String HUB = "hub";
    static final String TIMER = "timer";
    static final String GO = "go";
    static final String STOP = "stop";

    private DemoProtocol()
    {
    }

    static String encode(final Histogram histogram)
    {
        return HistogramText.encode(histogram);
    }

    static Histogram decode(final String text)
    {
        return HistogramText.decode(text, DemoLoop.MAX_LATENCY_NS);
    }

    /**
     * The {@code FAILED} line for a message, kept to one line whatever the message holds.
     */
    static String failed(final String message)
    {
        return FAILED + ' ' + String.valueOf(message).replaceAll("\\s+", " ").strip();
    }

    static String stat(final DemoLoop loop)
    {
        return STAT + ' ' + loop.events() + ' ' + loop.roundTrips() + ' ' + loop.ticks() + ' ' + encode(loop.takeInterval());
    }
}

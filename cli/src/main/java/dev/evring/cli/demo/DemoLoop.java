package dev.evring.cli.demo;

import dev.evring.evtchn.Evtchn;
import dev.evring.evtchn.EvtchnException;
import org.HdrHistogram.Histogram;
import org.agrona.collections.Int2IntHashMap;
import org.agrona.concurrent.IdleStrategy;

import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

/**
 * One handle's event loop in the demo, the same in a consumer JVM and in the hub's domain 0: take the next
 * fired port, unmask it, and answer it. On an <em>echo</em> port the loop notifies straight back; on an
 * <em>initiator</em> port the event is the answer to this loop's last notify, so the loop records the round
 * trip and notifies again (one ping in flight per channel); the timer virq is counted.
 */
final class DemoLoop
{
    /** The largest round trip the histograms hold; longer ones are recorded as this. */
    static final long MAX_LATENCY_NS = TimeUnit.SECONDS.toNanos(60);
    /** Significant decimal digits of every demo histogram. */
    static final int DIGITS = 3;

    private static final int TIMER = -2;
    private static final int ECHO = -3;
    private static final int NONE = -1;
    private static final long BLOCK_SLICE_NS = TimeUnit.MILLISECONDS.toNanos(50);

    private final Evtchn xce;
    private final DemoIdle idle;
    private final Int2IntHashMap roles = new Int2IntHashMap(NONE);
    private int[] initiatorPorts = new int[0];
    private long[] sentAt = new long[0];
    private final Histogram interval = newHistogram();
    private long events;
    private long roundTrips;
    private long ticks;

    DemoLoop(final Evtchn xce, final DemoIdle idle)
    {
        this.xce = xce;
        this.idle = idle;
    }

    static Histogram newHistogram()
    {
        return new Histogram(1, MAX_LATENCY_NS, DIGITS);
    }

    void addTimer(final int port)
    {
        roles.put(port, TIMER);
    }

    void addEcho(final int port)
    {
        roles.put(port, ECHO);
    }

    void addInitiator(final int port)
    {
        final int index = initiatorPorts.length;
        initiatorPorts = Arrays.copyOf(initiatorPorts, index + 1);
        sentAt = Arrays.copyOf(sentAt, index + 1);
        initiatorPorts[index] = port;
        roles.put(port, index);
    }

    /**
     * Run until {@code stop} answers true: send the first ping on every initiator port, then answer every
     * fired port. Every {@code reportPeriodNs} (and once at the end) hand this loop to {@code reporter},
     * on this thread, to read the counts and take the interval histogram.
     */
    void run(final BooleanSupplier stop, final long reportPeriodNs, final Consumer<DemoLoop> reporter)
        throws EvtchnException, InterruptedException
    {
        final Evtchn xce = this.xce;
        final IdleStrategy strategy = idle.newStrategy();
        for (int i = 0; i < initiatorPorts.length; i++)
        {
            sentAt[i] = System.nanoTime();
            xce.notify(initiatorPorts[i]);
        }
        long nextReport = System.nanoTime() + reportPeriodNs;
        while (!stop.getAsBoolean())
        {
            final long now = System.nanoTime();
            if (now - nextReport >= 0)
            {
                reporter.accept(this);
                nextReport = now + reportPeriodNs;
            }
            final int port;
            if (strategy == null)
            {
                port = xce.awaitPending(Math.min(BLOCK_SLICE_NS, Math.max(1, nextReport - now)), TimeUnit.NANOSECONDS);
            }
            else
            {
                port = xce.pending();
                if (port < 0)
                {
                    strategy.idle();
                    continue;
                }
                strategy.reset();
            }
            if (port > 0)
            {
                answer(xce, port);
            }
        }
        reporter.accept(this);
    }

    private void answer(final Evtchn xce, final int port) throws EvtchnException
    {
        events++;
        xce.unmask(port);
        final int role = roles.get(port);
        if (role == TIMER)
        {
            ticks++;
        }
        else if (role == ECHO)
        {
            xce.notify(port);
        }
        else if (role >= 0)
        {
            final long now = System.nanoTime();
            interval.recordValue(Math.min(Math.max(1, now - sentAt[role]), MAX_LATENCY_NS));
            roundTrips++;
            sentAt[role] = now;
            xce.notify(port);
        }
    }

    long events()
    {
        return events;
    }

    long roundTrips()
    {
        return roundTrips;
    }

    long ticks()
    {
        return ticks;
    }

    /**
     * The round trips recorded since the last call; the loop starts a new interval.
     */
    Histogram takeInterval()
    {
        final Histogram copy = interval.copy();
        interval.reset();
        return copy;
    }
}

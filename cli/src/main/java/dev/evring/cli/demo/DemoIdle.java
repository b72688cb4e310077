package dev.evring.cli.demo;

import dev.evring.evtchn.Evtchn;
import org.agrona.concurrent.BackoffIdleStrategy;
import org.agrona.concurrent.BusySpinIdleStrategy;
import org.agrona.concurrent.IdleStrategy;
import org.agrona.concurrent.YieldingIdleStrategy;

import java.util.Arrays;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * How the demo's handles wait for the next fired port ({@code evring demo --idle}): poll
 * {@link Evtchn#pending()} through an Agrona idle strategy, or block in {@link Evtchn#awaitPending} (which
 * sleeps on the handle's doorbell once its own back-off runs out).
 */
public enum DemoIdle
{
    /** Poll without pause ({@link BusySpinIdleStrategy}): lowest latency, one core per handle. */
    SPIN,
    /** Poll and yield the core between polls ({@link YieldingIdleStrategy}). */
    YIELD,
    /** Poll, spin, yield, then park up to 100 microseconds ({@link BackoffIdleStrategy}). */
    BACKOFF,
    /** {@link Evtchn#awaitPending}: back off, then sleep until the hub rings the doorbell. */
    BLOCK;

    /**
     * The mode named on the command line.
     *
     * @param name {@code spin}, {@code yield}, {@code backoff} or {@code block} (any case).
     * @return the mode.
     * @throws IllegalArgumentException for any other name.
     */
    public static DemoIdle parse(final String name)
    {
        for (final DemoIdle idle : values())
        {
            if (idle.label().equalsIgnoreCase(name.strip()))
            {
                return idle;
            }
        }
        throw new IllegalArgumentException("--idle must be one of " + choices() + ", got '" + name + "'");
    }

    /**
     * The modes as the command line spells them.
     *
     * @return e.g. {@code spin|yield|backoff|block}.
     */
    public static String choices()
    {
        return Arrays.stream(values()).map(DemoIdle::label).collect(Collectors.joining("|"));
    }

    /**
     * The name the command line uses.
     *
     * @return the lower-case name.
     */
    public String label()
    {
        return name().toLowerCase(Locale.ROOT);
    }

    /**
     * A new idle strategy for one polling thread.
     *
     * @return the strategy, or null for {@link #BLOCK}, which waits in {@link Evtchn#awaitPending}.
     */
    public IdleStrategy newStrategy()
    {
        switch (this)
        {
            case SPIN:
                return new BusySpinIdleStrategy();
            case YIELD:
                return new YieldingIdleStrategy();
            case BACKOFF:
                return new BackoffIdleStrategy(100, 10, TimeUnit.MICROSECONDS.toNanos(1), TimeUnit.MICROSECONDS.toNanos(100));
            default:
                return null;
        }
    }
}

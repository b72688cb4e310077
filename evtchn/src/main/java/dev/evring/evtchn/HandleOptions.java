package dev.evring.evtchn;

import dev.evring.ring.Errno;
import org.agrona.concurrent.BackoffIdleStrategy;
import org.agrona.concurrent.IdleStrategy;

import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * How an {@link Evtchn} handle waits and how long it trusts a silent hub. Immutable; each method returns
 * a changed copy.
 *
 * <pre>{@code
 * Evtchn.open(hubDir, HandleOptions.defaults()
 *     .idleStrategy(BusySpinIdleStrategy::new)        // awaitPending spins ...
 *     .spinBeforeSleep(Duration.ofMillis(10))         // ... for up to 10 ms before it sleeps on the doorbell
 *     .hubTimeout(Duration.ofSeconds(1)));            // a hub silent for 1 s fails the handle (ETIMEDOUT)
 * }</pre>
 *
 * <p><b>Waiting.</b> {@link Evtchn#awaitPending} first polls the event ring through the idle strategy for
 * {@link #spinBeforeSleep()}, then announces itself as a sleeper and blocks until the hub rings the
 * handle's doorbell (a frame on the control socket: two system calls and a thread wake-up, tens of
 * microseconds). Spinning longer keeps the wake-up on the shared-memory path (a cache-line hand-off) at
 * the price of a busy core while waiting; {@link Duration} values beyond a few seconds are the way to say
 * "spin always" for a dedicated thread. The defaults spin 50 microseconds with a backoff strategy.
 *
 * <p><b>Hub liveness.</b> The hub updates a heartbeat in its mark file ({@code hub.mark}) every 100 ms.
 * A watchdog thread (one per JVM, shared by all handles, gone when no handle is open) checks it; a hub
 * whose heartbeat has not moved for {@link #hubTimeout()} (stopped with SIGSTOP, hung, or starved of CPU)
 * fails the handle: every blocked and later call ends with {@link Errno#ETIMEDOUT}, and the handle drops
 * its connection, so the hub releases it if it ever resumes. A hub process that is gone fails it with
 * {@link Errno#ENODEV}. A hub whose heartbeat moves but that takes no connection, request or answer is
 * bounded too: opening waits at most the hub timeout for the hub to take the connection, and each call at
 * most {@link #requestTimeout()} for its request (E23).
 */
public final class HandleOptions
{
    /** Default time {@link Evtchn#awaitPending} polls before it sleeps on the doorbell. */
    public static final Duration DEFAULT_SPIN_BEFORE_SLEEP = Duration.ofNanos(TimeUnit.MICROSECONDS.toNanos(50));
    /** Default time a hub may leave its heartbeat unchanged before its handles fail. */
    public static final Duration DEFAULT_HUB_TIMEOUT = Duration.ofSeconds(2);
    /** The shortest hub timeout: several heartbeat periods, so a busy hub is not mistaken for a hung one. */
    public static final Duration MIN_HUB_TIMEOUT = Duration.ofMillis(500);
    /** Default polling strategy: spin, yield, then park from 1 to 50 microseconds. */
    public static final Supplier<IdleStrategy> DEFAULT_IDLE_STRATEGY = () -> new BackoffIdleStrategy(
        200, 50, TimeUnit.MICROSECONDS.toNanos(1), TimeUnit.MICROSECONDS.toNanos(50));

    /** Default time a call waits for the hub to answer a request, or to take one from a full request ring. */
    public static final Duration DEFAULT_REQUEST_TIMEOUT = Duration.ofSeconds(30);

    /** Default time a closed handle's rings stay mapped (the default resource linger of Aeron's client). */
    public static final Duration DEFAULT_RING_LINGER = Duration.ofSeconds(3);

    private static final HandleOptions DEFAULTS = new HandleOptions(
        DEFAULT_IDLE_STRATEGY, DEFAULT_SPIN_BEFORE_SLEEP.toNanos(), DEFAULT_HUB_TIMEOUT.toNanos(),
        DEFAULT_RING_LINGER.toNanos(), DEFAULT_REQUEST_TIMEOUT.toNanos(), 0);

    private final Supplier<IdleStrategy> idleStrategy;
    private final long spinBeforeSleepNs;
    private final long hubTimeoutNs;
    private final long ringLingerNs;
    private final long requestTimeoutNs;
    private final long processId;

    private HandleOptions(
        final Supplier<IdleStrategy> idleStrategy, final long spinBeforeSleepNs, final long hubTimeoutNs,
        final long ringLingerNs, final long requestTimeoutNs, final long processId)
    {
        this.idleStrategy = idleStrategy;
        this.spinBeforeSleepNs = spinBeforeSleepNs;
        this.hubTimeoutNs = hubTimeoutNs;
        this.ringLingerNs = ringLingerNs;
        this.requestTimeoutNs = requestTimeoutNs;
        this.processId = processId;
    }

    /**
     * The defaults: backoff polling for 50 microseconds, then the doorbell; a 2 s hub timeout; a 30 s
     * request timeout; rings unmapped 3 s after close.
     *
     * @return the default options.
     */
    public static HandleOptions defaults()
    {
        return DEFAULTS;
    }

    /**
     * How {@link Evtchn#awaitPending} polls the event ring before it sleeps. Each waiting thread gets its
     * own strategy from the supplier (strategies keep state).
     *
     * @param supplier makes a strategy, e.g. {@code BusySpinIdleStrategy::new}.
     * @return the changed copy.
     */
    public HandleOptions idleStrategy(final Supplier<IdleStrategy> supplier)
    {
        Objects.requireNonNull(supplier, "supplier");
        return new HandleOptions(supplier, spinBeforeSleepNs, hubTimeoutNs, ringLingerNs, requestTimeoutNs, processId);
    }

    /**
     * How long {@link Evtchn#awaitPending} polls with the idle strategy before it sleeps on the doorbell.
     *
     * @param duration zero or more; it is capped at the call's own timeout.
     * @return the changed copy.
     */
    public HandleOptions spinBeforeSleep(final Duration duration)
    {
        if (duration.isNegative())
        {
            throw new IllegalArgumentException("spin before sleep must not be negative, got " + duration);
        }
        return new HandleOptions(idleStrategy, saturatedNanos(duration), hubTimeoutNs, ringLingerNs, requestTimeoutNs, processId);
    }

    /**
     * How long the hub's heartbeat may stand still before the handle fails with {@link Errno#ETIMEDOUT}.
     *
     * @param timeout at least {@link #MIN_HUB_TIMEOUT}.
     * @return the changed copy.
     */
    public HandleOptions hubTimeout(final Duration timeout)
    {
        if (timeout.compareTo(MIN_HUB_TIMEOUT) < 0)
        {
            throw new IllegalArgumentException("hub timeout must be at least " + MIN_HUB_TIMEOUT + ", got " + timeout);
        }
        return new HandleOptions(idleStrategy, spinBeforeSleepNs, saturatedNanos(timeout), ringLingerNs, requestTimeoutNs, processId);
    }

    /**
     * How long a remote handle's rings stay mapped after {@link Evtchn#close()}. The non-blocking calls
     * ({@code pending}, {@code read}, {@code notify}, {@code unmask}, {@code unmaskAndNotify}) are not
     * counted, so that they cost no atomic instruction, and close does not wait for them: one that was
     * already past its closed check finishes on rings that are still mapped. A thread stopped inside such
     * a call for longer than the linger would touch unmapped memory, so keep it well above any pause the
     * JVM or the machine may impose (Aeron's client makes the same trade with its resource linger).
     *
     * @param linger zero or more; zero unmaps them in {@code close} itself, for a program whose threads
     *               never call a handle while it closes.
     * @return the changed copy.
     */
    public HandleOptions ringLinger(final Duration linger)
    {
        if (linger.isNegative())
        {
            throw new IllegalArgumentException("ring linger must not be negative, got " + linger);
        }
        return new HandleOptions(idleStrategy, spinBeforeSleepNs, hubTimeoutNs, saturatedNanos(linger), requestTimeoutNs, processId);
    }

    /**
     * How long a call waits for the hub to answer a control request (bind, unbind, reset, restrict), or to
     * take a posted one (notify, unmask) from the handle's full request ring, before it fails with
     * {@link Errno#ETIMEDOUT}: a hub whose heartbeat moves but that serves nobody (hung in its request
     * path, or hostile) never holds a call forever (E23). The call is then abandoned; the handle stays open.
     *
     * @param timeout a positive duration.
     * @return the changed copy.
     */
    public HandleOptions requestTimeout(final Duration timeout)
    {
        if (timeout.isNegative() || timeout.isZero())
        {
            throw new IllegalArgumentException("request timeout must be positive, got " + timeout);
        }
        return new HandleOptions(idleStrategy, spinBeforeSleepNs, hubTimeoutNs, ringLingerNs, saturatedNanos(timeout), processId);
    }

    /**
     * The process id the handle announces to the hub, which keys its domain: handles that announce the
     * same id share a domain. 0 (the default) announces this process's pid. Tests use other values to get
     * several domains in one JVM.
     */
    HandleOptions processId(final long pid)
    {
        return new HandleOptions(idleStrategy, spinBeforeSleepNs, hubTimeoutNs, ringLingerNs, requestTimeoutNs, pid);
    }

    /**
     * What makes the polling strategy.
     *
     * @return the supplier.
     */
    public Supplier<IdleStrategy> idleStrategy()
    {
        return idleStrategy;
    }

    /**
     * How long awaitPending polls before it sleeps.
     *
     * @return the duration.
     */
    public Duration spinBeforeSleep()
    {
        return Duration.ofNanos(spinBeforeSleepNs);
    }

    /**
     * How long the hub's heartbeat may stand still.
     *
     * @return the timeout.
     */
    public Duration hubTimeout()
    {
        return Duration.ofNanos(hubTimeoutNs);
    }

    /**
     * How long a closed handle's rings stay mapped.
     *
     * @return the linger.
     */
    public Duration ringLinger()
    {
        return Duration.ofNanos(ringLingerNs);
    }

    /**
     * How long a call waits for the hub to answer or take a request.
     *
     * @return the timeout.
     */
    public Duration requestTimeout()
    {
        return Duration.ofNanos(requestTimeoutNs);
    }

    long requestTimeoutNs()
    {
        return requestTimeoutNs;
    }

    long ringLingerNs()
    {
        return ringLingerNs;
    }

    long spinBeforeSleepNs()
    {
        return spinBeforeSleepNs;
    }

    long hubTimeoutNs()
    {
        return hubTimeoutNs;
    }

    long processId()
    {
        return processId;
    }

    private static long saturatedNanos(final Duration duration)
    {
        try
        {
            return duration.toNanos();
        }
        catch (final ArithmeticException ex)
        {
            return Long.MAX_VALUE;
        }
    }

    /**
     * {@inheritDoc}
     */
    @Override
    public String toString()
    {
        return "HandleOptions{spinBeforeSleep=" + spinBeforeSleep() + ", hubTimeout=" + hubTimeout() + ", ringLinger="
            + ringLinger() + ", requestTimeout=" + requestTimeout() + '}';
    }
}

package dev.evring.evtchn;

import org.agrona.concurrent.BackoffIdleStrategy;
import org.agrona.concurrent.IdleStrategy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * How to run an {@link EvtchnHub}: where its directory is and its limits. Immutable; each {@code with}
 * method returns a changed copy.
 *
 * <pre>{@code
 * HubConfig.named("demo")                       // /dev/shm/evring-$USER/demo
 * HubConfig.directory(Path.of("/tmp/my-hub"))   // an explicit directory
 *     .timerPeriod(Duration.ofMillis(10))       // VIRQ_TIMER every 10 ms
 *     .maxPorts(4096)                           // ports 1..4095, then ENOSPC
 *     .idleStrategy(BusySpinIdleStrategy::new)  // the request thread spins: lowest latency, one core busy
 * }</pre>
 */
public final class HubConfig
{
    /** Default number of port numbers (Xen's FIFO ABI limit); port 0 is never handed out. */
    public static final int DEFAULT_MAX_PORTS = 1 << 17;
    /** The most ports a hub may be configured with: a request word keeps 24 bits for the port. */
    public static final int MAX_PORTS_LIMIT = 1 << 24;
    /** Default maximum capacity of a handle's event ring. */
    public static final int DEFAULT_RING_CAPACITY_LIMIT = 1 << 17;
    /** Default VIRQ_TIMER period. */
    public static final Duration DEFAULT_TIMER_PERIOD = Duration.ofMillis(100);
    /** Default capacity of a handle's request ring (unmask and notify words). */
    public static final int DEFAULT_REQUEST_RING_CAPACITY = 4096;
    /** Default bound on how long a client's socket may stay unwritable before the client is disconnected. */
    public static final Duration DEFAULT_CLIENT_WRITE_TIMEOUT = Duration.ofSeconds(5);
    /**
     * Default idle strategy of the hub's request thread: spin, yield, then park from 1 to 50 microseconds.
     */
    public static final Supplier<IdleStrategy> DEFAULT_IDLE_STRATEGY = () -> new BackoffIdleStrategy(
        100, 10, TimeUnit.MICROSECONDS.toNanos(1), TimeUnit.MICROSECONDS.toNanos(50));

    private final Path directory;
    private final Duration timerPeriod;
    private final int maxPorts;
    private final int ringCapacityLimit;
    private final int requestRingCapacity;
    private final Duration clientWriteTimeout;
    private final Supplier<IdleStrategy> idleStrategy;
    private final RequestPolling requestPolling;

    private HubConfig(
        final Path directory, final Duration timerPeriod, final int maxPorts, final int ringCapacityLimit,
        final int requestRingCapacity, final Duration clientWriteTimeout, final Supplier<IdleStrategy> idleStrategy,
        final RequestPolling requestPolling)
    {
        this.directory = directory;
        this.timerPeriod = timerPeriod;
        this.maxPorts = maxPorts;
        this.ringCapacityLimit = ringCapacityLimit;
        this.requestRingCapacity = requestRingCapacity;
        this.clientWriteTimeout = clientWriteTimeout;
        this.idleStrategy = idleStrategy;
        this.requestPolling = requestPolling;
    }

    /**
     * A hub in the default directory for a name: {@code /dev/shm/evring-$USER/<name>}, or under
     * {@code java.io.tmpdir} where there is no {@code /dev/shm}.
     *
     * @param name a plain name (letters, digits, '.', '_', '-').
     * @return the configuration.
     */
    public static HubConfig named(final String name)
    {
        return directory(defaultDirectory(name));
    }

    /**
     * A hub in an explicit directory (created with mode 0700 if missing).
     *
     * @param directory the hub directory.
     * @return the configuration.
     */
    public static HubConfig directory(final Path directory)
    {
        return new HubConfig(
            Objects.requireNonNull(directory, "directory").toAbsolutePath(), DEFAULT_TIMER_PERIOD, DEFAULT_MAX_PORTS,
            DEFAULT_RING_CAPACITY_LIMIT, DEFAULT_REQUEST_RING_CAPACITY, DEFAULT_CLIENT_WRITE_TIMEOUT,
            DEFAULT_IDLE_STRATEGY, RequestPolling.POLLER_THREAD);
    }

    /**
     * The default directory of a named hub.
     *
     * @param name a plain name (letters, digits, '.', '_', '-').
     * @return {@code /dev/shm/evring-$USER/<name>}, or the same under {@code java.io.tmpdir}.
     * @throws IllegalArgumentException if the name could escape the directory.
     */
    public static Path defaultDirectory(final String name)
    {
        Objects.requireNonNull(name, "name");
        if (!name.matches("[A-Za-z0-9._-]+") || name.equals(".") || name.equals(".."))
        {
            throw new IllegalArgumentException("hub name '" + name + "' must be letters, digits, '.', '_' or '-'");
        }
        final Path shm = Path.of("/dev/shm");
        final Path base = Files.isDirectory(shm) && Files.isWritable(shm) ? shm : Path.of(System.getProperty("java.io.tmpdir"));
        return base.resolve("evring-" + System.getProperty("user.name")).resolve(name);
    }

    /**
     * Fire VIRQ_TIMER in every domain that bound it once per period.
     *
     * @param period a positive period.
     * @return the changed copy.
     */
    public HubConfig timerPeriod(final Duration period)
    {
        if (period.isNegative() || period.isZero())
        {
            throw new IllegalArgumentException("timer period must be positive, got " + period);
        }
        return new HubConfig(
            directory, period, maxPorts, ringCapacityLimit, requestRingCapacity, clientWriteTimeout, idleStrategy,
            requestPolling);
    }

    /**
     * The number of port numbers: ports 1 to {@code maxPorts - 1} are handed out, then binds fail with
     * ENOSPC, and unbinding a port at or beyond it is EINVAL.
     *
     * @param maxPorts between 2 and {@link #MAX_PORTS_LIMIT}.
     * @return the changed copy.
     */
    public HubConfig maxPorts(final int maxPorts)
    {
        if (maxPorts < 2 || maxPorts > MAX_PORTS_LIMIT)
        {
            throw new IllegalArgumentException("maxPorts must lie in [2, " + MAX_PORTS_LIMIT + "], got " + maxPorts);
        }
        return new HubConfig(
            directory, timerPeriod, maxPorts, ringCapacityLimit, requestRingCapacity, clientWriteTimeout, idleStrategy,
            requestPolling);
    }

    /**
     * The largest event ring a handle may grow to; a bind that would need more fails with ENOMEM.
     *
     * @param limit a power of two, at least 64.
     * @return the changed copy.
     */
    public HubConfig ringCapacityLimit(final int limit)
    {
        if (limit < 64 || Integer.bitCount(limit) != 1)
        {
            throw new IllegalArgumentException("ring capacity limit must be a power of two >= 64, got " + limit);
        }
        return new HubConfig(
            directory, timerPeriod, maxPorts, limit, requestRingCapacity, clientWriteTimeout, idleStrategy,
            requestPolling);
    }

    /**
     * The capacity of each handle's request ring; a handle that outruns the hub waits for room.
     *
     * @param capacity a power of two, at least 2.
     * @return the changed copy.
     */
    public HubConfig requestRingCapacity(final int capacity)
    {
        if (capacity < 2 || Integer.bitCount(capacity) != 1)
        {
            throw new IllegalArgumentException("request ring capacity must be a power of two >= 2, got " + capacity);
        }
        return new HubConfig(
            directory, timerPeriod, maxPorts, ringCapacityLimit, capacity, clientWriteTimeout, idleStrategy,
            requestPolling);
    }

    /**
     * How long a client's control socket may stay unwritable (the client reads none of its replies) before
     * the hub disconnects it. The hub never blocks on a client's socket: replies wait in a small buffer of
     * the client's session, and a doorbell for a client whose socket is full is kept as one owed doorbell.
     *
     * @param timeout a positive duration.
     * @return the changed copy.
     */
    public HubConfig clientWriteTimeout(final Duration timeout)
    {
        if (timeout.isNegative() || timeout.isZero())
        {
            throw new IllegalArgumentException("client write timeout must be positive, got " + timeout);
        }
        return new HubConfig(
            directory, timerPeriod, maxPorts, ringCapacityLimit, requestRingCapacity, timeout, idleStrategy,
            requestPolling);
    }

    /**
     * How the hub's request thread idles between polls of the request rings (unmask and notify words).
     * The default ({@link #DEFAULT_IDLE_STRATEGY}) spins briefly, yields, then parks up to 50 microseconds:
     * cheap on an idle machine, but a notify that arrives during a park waits for it to end. A
     * {@link org.agrona.concurrent.BusySpinIdleStrategy} gives the lowest and steadiest latency (a
     * notify is seen within a cache-line transfer) at the price of one core kept busy for the hub's life;
     * a {@link org.agrona.concurrent.YieldingIdleStrategy} sits between the two. Unused with
     * {@link RequestPolling#INVOKER}, where the hub has no request thread.
     *
     * @param supplier makes the strategy, once per hub start (strategies keep state).
     * @return the changed copy.
     */
    public HubConfig idleStrategy(final Supplier<IdleStrategy> supplier)
    {
        return new HubConfig(
            directory, timerPeriod, maxPorts, ringCapacityLimit, requestRingCapacity, clientWriteTimeout,
            Objects.requireNonNull(supplier, "supplier"), requestPolling);
    }

    /**
     * Who applies the request words of remote handles: the hub's own request thread (the default,
     * {@link RequestPolling#POLLER_THREAD}), or the embedding program's threads through
     * {@link EvtchnHub#pollRequests()} and waiting in-process handles ({@link RequestPolling#INVOKER}: one
     * spinning thread fewer, for machines with few cores).
     *
     * <pre>{@code
     * try (EvtchnHub hub = EvtchnHub.start(HubConfig.named("demo").requestPolling(RequestPolling.INVOKER));
     *      Evtchn dom0 = hub.openLocal())
     * {
     *     int fired;
     *     while ((fired = dom0.pending()) < 0)   // an empty ring: dom0 runs the hub's duty cycle
     *     {
     *         Thread.onSpinWait();
     *     }
     * }
     * }</pre>
     *
     * @param polling the mode.
     * @return the changed copy.
     */
    public HubConfig requestPolling(final RequestPolling polling)
    {
        return new HubConfig(
            directory, timerPeriod, maxPorts, ringCapacityLimit, requestRingCapacity, clientWriteTimeout, idleStrategy,
            Objects.requireNonNull(polling, "polling"));
    }

    /**
     * The hub directory.
     *
     * @return an absolute path.
     */
    public Path directory()
    {
        return directory;
    }

    /**
     * The VIRQ_TIMER period.
     *
     * @return the period.
     */
    public Duration timerPeriod()
    {
        return timerPeriod;
    }

    /**
     * The number of port numbers.
     *
     * @return max ports.
     */
    public int maxPorts()
    {
        return maxPorts;
    }

    /**
     * The largest event ring a handle may grow to.
     *
     * @return the limit.
     */
    public int ringCapacityLimit()
    {
        return ringCapacityLimit;
    }

    /**
     * The capacity of each handle's request ring.
     *
     * @return the capacity.
     */
    public int requestRingCapacity()
    {
        return requestRingCapacity;
    }

    /**
     * How long a client's socket may stay unwritable before the client is disconnected.
     *
     * @return the timeout.
     */
    public Duration clientWriteTimeout()
    {
        return clientWriteTimeout;
    }

    /**
     * What makes the request thread's idle strategy.
     *
     * @return the supplier.
     */
    public Supplier<IdleStrategy> idleStrategy()
    {
        return idleStrategy;
    }

    /**
     * Who applies the request words of remote handles.
     *
     * @return the mode.
     */
    public RequestPolling requestPolling()
    {
        return requestPolling;
    }

    /**
     * {@inheritDoc}
     */
    @Override
    public String toString()
    {
        return "HubConfig{directory=" + directory + ", timerPeriod=" + timerPeriod + ", maxPorts=" + maxPorts
            + ", ringCapacityLimit=" + ringCapacityLimit + ", requestRingCapacity=" + requestRingCapacity
            + ", clientWriteTimeout=" + clientWriteTimeout + ", requestPolling=" + requestPolling + '}';
    }
}

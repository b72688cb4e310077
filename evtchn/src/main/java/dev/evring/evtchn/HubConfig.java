package dev.evring.evtchn;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;

/**
 * How to run an {@link EvtchnHub}: where its directory is and its limits. Immutable; each {@code with}
 * method returns a changed copy.
 *
 * <pre>{@code
 * HubConfig.named("demo")                       // /dev/shm/evring-$USER/demo
 * HubConfig.directory(Path.of("/tmp/my-hub"))   // an explicit directory
 *     .timerPeriod(Duration.ofMillis(10))       // VIRQ_TIMER every 10 ms
 *     .maxPorts(4096)                           // ports 1..4095, then ENOSPC
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

    private final Path directory;
    private final Duration timerPeriod;
    private final int maxPorts;
    private final int ringCapacityLimit;
    private final int requestRingCapacity;

    private HubConfig(
        final Path directory, final Duration timerPeriod, final int maxPorts, final int ringCapacityLimit,
        final int requestRingCapacity)
    {
        this.directory = directory;
        this.timerPeriod = timerPeriod;
        this.maxPorts = maxPorts;
        this.ringCapacityLimit = ringCapacityLimit;
        this.requestRingCapacity = requestRingCapacity;
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
            DEFAULT_RING_CAPACITY_LIMIT, DEFAULT_REQUEST_RING_CAPACITY);
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
        return new HubConfig(directory, period, maxPorts, ringCapacityLimit, requestRingCapacity);
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
        return new HubConfig(directory, timerPeriod, maxPorts, ringCapacityLimit, requestRingCapacity);
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
        return new HubConfig(directory, timerPeriod, maxPorts, limit, requestRingCapacity);
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
        return new HubConfig(directory, timerPeriod, maxPorts, ringCapacityLimit, capacity);
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
     * {@inheritDoc}
     */
    @Override
    public String toString()
    {
        return "HubConfig{directory=" + directory + ", timerPeriod=" + timerPeriod + ", maxPorts=" + maxPorts
            + ", ringCapacityLimit=" + ringCapacityLimit + ", requestRingCapacity=" + requestRingCapacity + '}';
    }
}

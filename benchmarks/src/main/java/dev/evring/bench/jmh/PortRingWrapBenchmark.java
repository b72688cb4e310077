package dev.evring.bench.jmh;

import dev.evring.ring.PortRing;
import dev.evring.ring.ReaderWaiting;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

import java.util.concurrent.TimeUnit;

/**
 * One thread fills a ring of {@value #CAPACITY} and reads it all back with one
 * {@link PortRing#read(int[], int, int)} call. With {@code wrapped=false} the indices stay multiples of
 * the capacity, so every read is one contiguous copy; with {@code wrapped=true} they are offset by half
 * the capacity, so every read crosses the end of the entries and copies two chunks.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
@State(Scope.Thread)
public class PortRingWrapBenchmark
{
    private static final int CAPACITY = 1024;

    /** Whether each read crosses the wrap. */
    @Param({"false", "true"})
    public boolean wrapped;

    private PortRing ring;
    private final int[] dst = new int[CAPACITY];

    /**
     * A ring whose indices start at 0 or at half the capacity.
     */
    @Setup(Level.Trial)
    public void open()
    {
        ring = PortRing.allocate(CAPACITY, CAPACITY, ReaderWaiting.SPIN);
        if (wrapped)
        {
            for (int i = 0; i < CAPACITY / 2; i++)
            {
                ring.offer(i);
            }
            if (ring.read(dst, 0, CAPACITY) != CAPACITY / 2)
            {
                throw new IllegalStateException("could not move the indices to half the capacity");
            }
        }
    }

    /**
     * Free the ring.
     */
    @TearDown(Level.Trial)
    public void close()
    {
        ring.close();
    }

    /**
     * Fill the ring, then read it all.
     *
     * @param blackhole takes what was read.
     */
    @Benchmark
    public void fillThenReadAll(final Blackhole blackhole)
    {
        final PortRing ring = this.ring;
        final int[] dst = this.dst;
        for (int i = 0; i < CAPACITY; i++)
        {
            ring.offer(i);
        }
        final int n = ring.read(dst, 0, CAPACITY);
        if (n != CAPACITY)
        {
            throw new IllegalStateException("read " + n + " of " + CAPACITY);
        }
        blackhole.consume(dst[0]);
        blackhole.consume(dst[CAPACITY - 1]);
    }
}

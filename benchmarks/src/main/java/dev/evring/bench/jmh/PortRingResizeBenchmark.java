package dev.evring.bench.jmh;

import dev.evring.ring.PortRing;
import dev.evring.ring.PortRingDescriptor;
import dev.evring.ring.ReaderWaiting;
import org.agrona.BufferUtil;
import org.agrona.concurrent.UnsafeBuffer;
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

import java.util.concurrent.TimeUnit;

/**
 * The cost of one {@link PortRing#resize(int)} from {@code size} to twice that, on a full, wrapped ring
 * (the double copy of every entry). Each invocation lays a fresh ring out in the same buffer (untimed),
 * fills it with its indices half a ring along, and times the resize alone.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
@State(Scope.Thread)
public class PortRingResizeBenchmark
{
    /** The capacity before the resize. */
    @Param({"64", "1024", "16384", "131072"})
    public int size;

    private UnsafeBuffer buffer;
    private PortRing ring;
    private int[] scratch;

    /**
     * One buffer for every invocation.
     */
    @Setup(Level.Trial)
    public void allocate()
    {
        final int length = PortRingDescriptor.requiredLength(2 * size);
        buffer = new UnsafeBuffer(BufferUtil.allocateDirectAligned(length, 64));
        scratch = new int[size];
    }

    /**
     * A full ring of {@code size}, indices half a ring along, laid out afresh.
     */
    @Setup(Level.Invocation)
    public void fill()
    {
        buffer.setMemory(0, buffer.capacity(), (byte)0);
        ring = PortRing.format(buffer, size, 2 * size, ReaderWaiting.SPIN);
        for (int i = 0; i < size / 2; i++)
        {
            ring.offer(i);
        }
        ring.read(scratch, 0, size / 2);
        for (int i = 0; i < size; i++)
        {
            ring.offer(i);
        }
    }

    /**
     * Release the invocation's ring (the buffer stays).
     */
    @TearDown(Level.Invocation)
    public void release()
    {
        ring.close();
    }

    /**
     * Grow the ring.
     *
     * @return the new capacity.
     */
    @Benchmark
    public int resizeToDouble()
    {
        ring.resize(2 * size);
        return ring.capacity();
    }
}

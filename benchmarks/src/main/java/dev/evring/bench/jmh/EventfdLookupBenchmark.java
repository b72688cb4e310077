package dev.evring.bench.jmh;

import dev.evring.lguest.EventfdMap;
import dev.evring.lguest.NotifyTarget;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Group;
import org.openjdk.jmh.annotations.GroupThreads;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The lguest device's notify routing: a lookup in the copy-on-write {@link EventfdMap}, alone and while
 * another thread keeps attaching (each attach copies the table, publishes it and waits a grace period for
 * the readers). Lookups never lock, so their cost should barely move when an attacher runs beside them.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
@State(Scope.Group)
public class EventfdLookupBenchmark
{
    /** Attachments in the table while lookups run. */
    @Param({"4", "64"})
    public int attached;

    private EventfdMap map;
    private final AtomicInteger nextSlot = new AtomicInteger();
    private long attachAddress;

    /**
     * A map with {@code attached} targets and a slot for every lookup thread.
     */
    @Setup(Level.Iteration)
    public void fill()
    {
        map = new EventfdMap(2);
        nextSlot.set(0);
        for (int i = 1; i <= attached; i++)
        {
            map.add(address(i), CountingTarget.INSTANCE);
        }
        attachAddress = address(attached + 1);
    }

    /**
     * A lookup thread's reader slot.
     */
    @State(Scope.Thread)
    public static class Reader
    {
        int slot = -1;
        int next;

        int slot(final EventfdLookupBenchmark benchmark)
        {
            if (slot < 0)
            {
                slot = benchmark.nextSlot.getAndIncrement();
            }
            return slot;
        }
    }

    /**
     * A lookup of an attached address with no writer around.
     *
     * @param reader this thread's slot.
     * @return whether a target took it (always true).
     */
    @Benchmark
    @Group("alone")
    @GroupThreads(1)
    public boolean lookupAlone(final Reader reader)
    {
        return lookup(reader);
    }

    /**
     * A lookup of an attached address while another thread attaches.
     *
     * @param reader this thread's slot.
     * @return whether a target took it (always true).
     */
    @Benchmark
    @Group("duringAttach")
    @GroupThreads(1)
    public boolean lookupDuringAttach(final Reader reader)
    {
        return lookup(reader);
    }

    /**
     * The writer beside {@link #lookupDuringAttach}: attach one more address; once the table has doubled,
     * start again from the original attachments so lookups see tables of a steady size.
     *
     * @return the table size after the attach.
     */
    @Benchmark
    @Group("duringAttach")
    @GroupThreads(1)
    public int attach()
    {
        if (map.size() >= 2 * attached)
        {
            map.clear();
            for (int i = 1; i <= attached; i++)
            {
                map.add(address(i), CountingTarget.INSTANCE);
            }
        }
        map.add(attachAddress++, CountingTarget.INSTANCE);
        return map.size();
    }

    private boolean lookup(final Reader reader)
    {
        final int index = 1 + (reader.next++ % attached);
        return map.deliver(reader.slot(this), address(index));
    }

    private static long address(final int index)
    {
        return 0x1000L * index;
    }

    /**
     * A target that only counts, so the benchmark measures the lookup, not the signal.
     */
    private static final class CountingTarget implements NotifyTarget
    {
        static final CountingTarget INSTANCE = new CountingTarget();

        @Override
        public void acquire()
        {
            // nothing to hold
        }

        @Override
        public boolean signal()
        {
            return true;
        }

        @Override
        public void release()
        {
            // nothing to let go
        }
    }
}

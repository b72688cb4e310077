package dev.evring.bench.jmh;

import dev.evring.ring.PortRing;
import dev.evring.ring.ReaderWaiting;
import org.openjdk.jmh.annotations.AuxCounters;
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
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.util.concurrent.TimeUnit;

/**
 * PortRing throughput between threads of one JVM: one producer with {@link PortRing#offer(int)} (group
 * {@code spsc}) or two producers with {@link PortRing#offerConcurrent(int)} (group {@code mpsc}), and one
 * reader taking up to {@code batch} ports per {@link PortRing#read(int[], int, int)}. A producer offers a
 * batch only into room it knows is free (a full PortRing overflows rather than blocks), so the
 * {@code ports} counters (ports per second moved by each side) are the figure to read; the plain
 * operation rate also counts calls that found no room or nothing to read. Compare with
 * {@link AgronaRingBufferBenchmark}.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
@State(Scope.Group)
public class PortRingThroughputBenchmark
{
    /** Ring capacity: room for several of the largest batches. */
    static final int CAPACITY = 4096;
    private static final int MPSC_PRODUCERS = 2;

    /** Ports per offer batch and per read call. */
    @Param({"1", "16", "256", "1024"})
    public int batch;

    private PortRing ring;

    /**
     * Per-thread counts of ports moved, reported by JMH next to the call rate.
     */
    @State(Scope.Thread)
    @AuxCounters(AuxCounters.Type.OPERATIONS)
    public static class Ports
    {
        /** Ports offered by this thread. */
        public long offered;
        /** Ports read by this thread. */
        public long read;

        private int[] dst;

        /**
         * Reset the counters and make the reader's array.
         */
        @Setup(Level.Iteration)
        public void reset()
        {
            offered = 0;
            read = 0;
            dst = new int[CAPACITY];
        }
    }

    /**
     * A fresh ring per trial.
     */
    @Setup(Level.Trial)
    public void open()
    {
        ring = PortRing.allocate(CAPACITY, CAPACITY, ReaderWaiting.SPIN);
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
     * One producer: offer a batch if the ring has room for it.
     *
     * @param ports this thread's counters.
     * @return ports offered by this call.
     */
    @Benchmark
    @Group("spsc")
    @GroupThreads(1)
    public int spscOffer(final Ports ports)
    {
        return offerBatch(ports, false, 1);
    }

    /**
     * The reader of the one-producer group.
     *
     * @param ports this thread's counters.
     * @return ports read by this call.
     */
    @Benchmark
    @Group("spsc")
    @GroupThreads(1)
    public int spscRead(final Ports ports)
    {
        return readBatch(ports);
    }

    /**
     * Two producers: offer a batch with {@link PortRing#offerConcurrent(int)} if the ring has room for a
     * batch from each.
     *
     * @param ports this thread's counters.
     * @return ports offered by this call.
     */
    @Benchmark
    @Group("mpsc")
    @GroupThreads(MPSC_PRODUCERS)
    public int mpscOffer(final Ports ports)
    {
        return offerBatch(ports, true, MPSC_PRODUCERS);
    }

    /**
     * The reader of the two-producer group.
     *
     * @param ports this thread's counters.
     * @return ports read by this call.
     */
    @Benchmark
    @Group("mpsc")
    @GroupThreads(1)
    public int mpscRead(final Ports ports)
    {
        return readBatch(ports);
    }

    private int offerBatch(final Ports ports, final boolean concurrent, final int producers)
    {
        final PortRing ring = this.ring;
        final int batch = this.batch;
        // each producer's claims complete before another's room check sees them, so room for a batch from
        // every producer means this batch fits whatever the others do meanwhile
        final int room = ring.capacity() - ring.size();
        if (room < batch * producers)
        {
            return 0;
        }
        for (int i = 0; i < batch; i++)
        {
            final boolean added = concurrent ? ring.offerConcurrent(i + 1) : ring.offer(i + 1);
            if (!added)
            {
                throw new IllegalStateException("the ring overflowed with room for the batch");
            }
        }
        ports.offered += batch;
        return batch;
    }

    private int readBatch(final Ports ports)
    {
        final int n = ring.read(ports.dst, 0, batch);
        ports.read += n;
        return n;
    }
}

package dev.evring.bench.jmh;

import org.agrona.BufferUtil;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.MessageHandler;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.ringbuffer.ManyToOneRingBuffer;
import org.agrona.concurrent.ringbuffer.OneToOneRingBuffer;
import org.agrona.concurrent.ringbuffer.RingBuffer;
import org.agrona.concurrent.ringbuffer.RingBufferDescriptor;
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
import org.openjdk.jmh.annotations.Warmup;

import java.nio.ByteBuffer;
import java.util.concurrent.TimeUnit;

/**
 * The Agrona equivalents of {@link PortRingThroughputBenchmark}: 4-byte messages through a
 * {@link OneToOneRingBuffer} (one producer, group {@code spsc}) or a {@link ManyToOneRingBuffer} (two
 * producers, group {@code mpsc}) with room for {@value PortRingThroughputBenchmark#CAPACITY} of them, the
 * reader taking up to {@code batch} per {@code read}. A producer writes until the batch is done or the
 * buffer is full; the {@code ports} counters are the messages moved.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
@State(Scope.Group)
public class AgronaRingBufferBenchmark
{
    /** Bytes one 4-byte message takes in an Agrona ring buffer: 8-byte header, aligned to 8. */
    private static final int RECORD_BYTES = 16;
    private static final int MSG_TYPE = 1;

    /** Messages per producer batch and per read call. */
    @Param({"1", "16", "256", "1024"})
    public int batch;

    private RingBuffer oneToOne;
    private RingBuffer manyToOne;

    /**
     * Per-thread counts of messages moved, reported by JMH next to the call rate.
     */
    @State(Scope.Thread)
    @AuxCounters(AuxCounters.Type.OPERATIONS)
    public static class Ports
    {
        /** Messages written by this thread. */
        public long offered;
        /** Messages read by this thread. */
        public long read;

        private final UnsafeBuffer message = new UnsafeBuffer(new byte[Integer.BYTES]);
        private final MessageHandler handler = this::onMessage;
        private int sum;

        /**
         * Reset the counters.
         */
        @Setup(Level.Iteration)
        public void reset()
        {
            offered = 0;
            read = 0;
        }

        private void onMessage(final int msgTypeId, final MutableDirectBuffer buffer, final int index, final int length)
        {
            sum += buffer.getInt(index);
        }
    }

    /**
     * Fresh buffers per trial.
     */
    @Setup(Level.Trial)
    public void open()
    {
        oneToOne = new OneToOneRingBuffer(newBuffer());
        manyToOne = new ManyToOneRingBuffer(newBuffer());
    }

    private static UnsafeBuffer newBuffer()
    {
        final int length = PortRingThroughputBenchmark.CAPACITY * RECORD_BYTES + RingBufferDescriptor.TRAILER_LENGTH;
        final ByteBuffer buffer = BufferUtil.allocateDirectAligned(length, 64);
        return new UnsafeBuffer(buffer);
    }

    /**
     * One producer writes a batch.
     *
     * @param ports this thread's counters.
     * @return messages written by this call.
     */
    @Benchmark
    @Group("spsc")
    @GroupThreads(1)
    public int spscOffer(final Ports ports)
    {
        return writeBatch(oneToOne, ports);
    }

    /**
     * The reader of the one-producer group.
     *
     * @param ports this thread's counters.
     * @return the sum of the messages read (kept live).
     */
    @Benchmark
    @Group("spsc")
    @GroupThreads(1)
    public int spscRead(final Ports ports)
    {
        return readBatch(oneToOne, ports);
    }

    /**
     * Two producers write batches.
     *
     * @param ports this thread's counters.
     * @return messages written by this call.
     */
    @Benchmark
    @Group("mpsc")
    @GroupThreads(2)
    public int mpscOffer(final Ports ports)
    {
        return writeBatch(manyToOne, ports);
    }

    /**
     * The reader of the two-producer group.
     *
     * @param ports this thread's counters.
     * @return the sum of the messages read (kept live).
     */
    @Benchmark
    @Group("mpsc")
    @GroupThreads(1)
    public int mpscRead(final Ports ports)
    {
        return readBatch(manyToOne, ports);
    }

    private int writeBatch(final RingBuffer ring, final Ports ports)
    {
        final UnsafeBuffer message = ports.message;
        int written = 0;
        while (written < batch)
        {
            message.putInt(0, written + 1);
            if (!ring.write(MSG_TYPE, message, 0, Integer.BYTES))
            {
                break;
            }
            written++;
        }
        ports.offered += written;
        return written;
    }

    private int readBatch(final RingBuffer ring, final Ports ports)
    {
        final int n = ring.read(ports.handler, batch);
        ports.read += n;
        return ports.sum;
    }
}

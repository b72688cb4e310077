package dev.evring.ring;

import org.agrona.concurrent.BackoffIdleStrategy;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import static dev.evring.ring.PortRingDescriptor.requiredLength;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * R6, R8 and R9 under load in one JVM: one producer thread offers sequence numbers, resizing and
 * resetting the ring as it goes, while three reader threads with different rooms read at once. Every
 * sequence number must be read exactly once or have been dropped by a reset, and each reader must see
 * strictly increasing values.
 *
 * <p>The number of ports is {@code -Devring.stress.ports} (default 50,000,000).
 */
@ExtendWith(RingLeakCheck.class)
final class PortRingStressTest
{
    private static final int PORTS = Integer.getInteger("evring.stress.ports", 50_000_000);
    private static final int[] READER_ROOMS = { 1, 61, 1024 };
    private static final int INITIAL_CAPACITY = 4;
    private static final int MAX_CAPACITY = 1 << 14;
    private static final int RESET_EVERY = 333_331;
    private static final long STALL_LIMIT_NS = TimeUnit.SECONDS.toNanos(60);

    @Test
    @Timeout(value = 240, unit = TimeUnit.SECONDS)
    void r6_oneProducerThreeReadersWithResizesAndResetsLoseNothing() throws InterruptedException
    {
        stress(PORTS, false);
    }

    /**
     * The same with a producer that claimed the exclusive role, whose offers skip the owner check and
     * which takes each new size from its own resize; a fifth of the ports.
     */
    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void r6_exclusiveProducerThreeReadersWithResizesAndResetsLoseNothing() throws InterruptedException
    {
        stress(PORTS / 5, true);
    }

    private static void stress(final int ports, final boolean exclusive) throws InterruptedException
    {
        final int resizes = Integer.numberOfTrailingZeros(MAX_CAPACITY / INITIAL_CAPACITY);
        final int resizeEvery = Math.max(1, ports / (resizes + 1));
        try (PortRing ring = PortRing.allocate(INITIAL_CAPACITY, MAX_CAPACITY, ReaderWaiting.SPIN))
        {
            final AtomicBoolean done = new AtomicBoolean();
            final AtomicReference<Throwable> failure = new AtomicReference<>();
            final List<Reader> readers = new ArrayList<>();
            for (int r = 0; r < READER_ROOMS.length; r++)
            {
                final Reader reader = new Reader(ring, r, READER_ROOMS[r], done, failure);
                readers.add(reader);
                reader.start();
            }
            if (exclusive)
            {
                ring.claimExclusiveProducer();
            }

            final BitSet dropped = new BitSet(ports);
            int resets = 0;
            int port = 0;
            long lastProgress = System.nanoTime();
            while (port < ports && failure.get() == null)
            {
                if (Thread.interrupted())
                {
                    throw new InterruptedException("stopped at port " + port);
                }
                int room = ring.capacity() - ring.size();
                if (room == 0)
                {
                    if (System.nanoTime() - lastProgress > STALL_LIMIT_NS)
                    {
                        throw new AssertionError("readers stopped reading at port " + port);
                    }
                    Thread.yield();
                    continue;
                }
                lastProgress = System.nanoTime();
                while (room-- > 0 && port < ports)
                {
                    if (!ring.offer(port))
                    {
                        throw new AssertionError("unplanned overflow offering " + port + " with room");
                    }
                    port++;
                    if (port % resizeEvery == 0 && ring.capacity() < MAX_CAPACITY)
                    {
                        ring.resize(ring.capacity() << 1);
                    }
                    if (port % RESET_EVERY == 0)
                    {
                        // with one producer the dropped ports are the last ones offered
                        final int drop = ring.reset();
                        dropped.set(port - drop, port);
                        resets++;
                        room = 0;
                    }
                }
            }
            done.set(true);
            for (final Reader reader : readers)
            {
                reader.join(TimeUnit.SECONDS.toMillis(60));
                assertFalse(reader.isAlive(), reader.getName() + " did not finish");
            }
            assertNull(failure.get(), () -> "failed: " + failure.get());
            assertEquals(ports, port);
            assertEquals(MAX_CAPACITY, ring.capacity(), "every resize happened");
            assertTrue(resets >= ports / RESET_EVERY, "resets: " + resets);

            final BitSet accounted = (BitSet)dropped.clone();
            long read = 0;
            int readersThatRead = 0;
            for (final Reader reader : readers)
            {
                assertFalse(accounted.intersects(reader.seen),
                    reader.getName() + " read a port another reader read, or one a reset dropped");
                accounted.or(reader.seen);
                read += reader.count;
                readersThatRead += reader.count > 0 ? 1 : 0;
            }
            assertTrue(readersThatRead >= 2, "the readers really shared the ring");
            assertEquals(ports - dropped.cardinality(), read, "each port read once");
            assertEquals(ports, accounted.cardinality(), "every port read or dropped");
            assertEquals(ports, accounted.nextClearBit(0));
            final StringBuilder summary = new StringBuilder();
            readers.forEach(reader -> summary.append(' ').append(reader.getName()).append('=').append(reader.count));
            System.out.printf("stress%s: %,d ports, %d resets dropped %,d,%s%n",
                exclusive ? " (exclusive producer)" : "", ports, resets, dropped.cardinality(), summary);
        }
    }

    /**
     * R8 with readers racing every resize: a ring that starts at capacity 1 is doubled to 1024 while it
     * is nearly full and two reader threads read with rooms of 1 and 3, so a reader often holds a
     * snapshot of the old size while the producer resizes and fills the new slots. When the ring is at
     * its maximum the readers pause, the ring is put back to capacity 1 at the same indices, and the
     * cycle repeats (the number of cycles is {@code -Devring.stress.resizeCycles}, default 20,000).
     */
    @Test
    @Timeout(value = 180, unit = TimeUnit.SECONDS)
    void r8_resizeRacingReaderThreadsLosesNothing() throws InterruptedException
    {
        final int cycles = Integer.getInteger("evring.stress.resizeCycles", 20_000);
        final int maxCapacity = 1024;
        final UnsafeBuffer buffer = new UnsafeBuffer(ByteBuffer.allocateDirect(requiredLength(maxCapacity)));
        try (PortRing ring = PortRing.format(buffer, 1, maxCapacity, ReaderWaiting.SPIN))
        {
            final AtomicBoolean pause = new AtomicBoolean();
            final AtomicInteger paused = new AtomicInteger();
            final AtomicBoolean done = new AtomicBoolean();
            final AtomicReference<Throwable> failure = new AtomicReference<>();
            final PausingReader[] readers = { new PausingReader(ring, 1, pause, paused, done, failure),
                new PausingReader(ring, 3, pause, paused, done, failure) };
            for (final PausingReader reader : readers)
            {
                reader.start();
            }
            int port = 0;
            for (int cycle = 0; cycle < cycles && failure.get() == null; cycle++)
            {
                while (ring.capacity() < maxCapacity && failure.get() == null)
                {
                    // fill to one short of full, so readers race a nearly full ring, then double it
                    final int capacity = ring.capacity();
                    final int target = Math.max(1, capacity - 1);
                    for (int k = 0; k < 4 * capacity && ring.size() < target; k++)
                    {
                        if (!ring.offer(port))
                        {
                            throw new AssertionError("unplanned overflow offering " + port);
                        }
                        port++;
                    }
                    ring.resize(ring.capacity() << 1);
                }
                // let the readers empty the ring, hold them outside read(), shrink the quiet ring back
                pause.set(true);
                Await.until(() -> paused.get() == readers.length || failure.get() != null, 60, TimeUnit.SECONDS,
                    () -> "the readers to pause");
                assertTrue(ring.isEmpty() || failure.get() != null);
                PortRingResizeTest.place(buffer, 1, ring.producerIndex());
                pause.set(false);
                Await.until(() -> paused.get() == 0 || failure.get() != null, 60, TimeUnit.SECONDS,
                    () -> "the readers to resume");
            }
            done.set(true);
            final BitSet union = new BitSet(port);
            long read = 0;
            for (final PausingReader reader : readers)
            {
                reader.join(TimeUnit.SECONDS.toMillis(60));
                assertFalse(reader.isAlive(), reader.getName() + " did not finish");
                assertNull(failure.get(), () -> "failed: " + failure.get());
                assertFalse(union.intersects(reader.seen), "a port reached both readers");
                union.or(reader.seen);
                read += reader.seen.cardinality();
            }
            assertEquals(port, read, "no port read twice");
            assertEquals(port, union.nextClearBit(0), "no port lost");
        }
    }

    /**
     * A reader for the resize race: reads whenever it can, and when the ring is empty and a pause is
     * asked for, waits outside {@code read()} until it is lifted.
     */
    private static final class PausingReader extends Thread
    {
        private final PortRing ring;
        private final int room;
        private final AtomicBoolean pause;
        private final AtomicInteger paused;
        private final AtomicBoolean done;
        private final AtomicReference<Throwable> failure;
        private final BitSet seen = new BitSet();

        PausingReader(
            final PortRing ring, final int room, final AtomicBoolean pause, final AtomicInteger paused,
            final AtomicBoolean done, final AtomicReference<Throwable> failure)
        {
            super("resize-race-reader-room-" + room);
            setDaemon(true);
            this.ring = ring;
            this.room = room;
            this.pause = pause;
            this.paused = paused;
            this.done = done;
            this.failure = failure;
        }

        @Override
        public void run()
        {
            try
            {
                final int[] dst = new int[room];
                int last = -1;
                while (failure.get() == null)
                {
                    final boolean finished = done.get();
                    final int n = ring.read(dst, 0, room);
                    for (int i = 0; i < n; i++)
                    {
                        if (dst[i] <= last)
                        {
                            throw new AssertionError(getName() + " read " + dst[i] + " after " + last);
                        }
                        last = dst[i];
                        seen.set(last);
                    }
                    if (n == 0)
                    {
                        if (finished)
                        {
                            return;
                        }
                        if (pause.get() && ring.isEmpty())
                        {
                            paused.incrementAndGet();
                            while (pause.get() && failure.get() == null)
                            {
                                Thread.yield();
                            }
                            paused.decrementAndGet();
                        }
                        else
                        {
                            Thread.yield();
                        }
                    }
                }
            }
            catch (final Throwable ex)
            {
                failure.compareAndSet(null, ex);
            }
        }
    }

    /**
     * A reader thread: reads until the producer is done and the ring is empty, recording what it read.
     */
    private static final class Reader extends Thread
    {
        private final PortRing ring;
        private final int room;
        private final AtomicBoolean done;
        private final AtomicReference<Throwable> failure;
        private final BitSet seen = new BitSet(PORTS);
        private long count;

        Reader(
            final PortRing ring, final int id, final int room, final AtomicBoolean done,
            final AtomicReference<Throwable> failure)
        {
            super("stress-reader-" + id + "-room-" + room);
            setDaemon(true);
            this.ring = ring;
            this.room = room;
            this.done = done;
            this.failure = failure;
        }

        @Override
        public void run()
        {
            try
            {
                final int[] dst = new int[room];
                final BackoffIdleStrategy idle = new BackoffIdleStrategy(
                    100, 10, TimeUnit.MICROSECONDS.toNanos(1), TimeUnit.MICROSECONDS.toNanos(100));
                int last = -1;
                while (failure.get() == null)
                {
                    final boolean finished = done.get(); // read before the ring: a later empty ring is final
                    final int n = ring.read(dst, 0, room);
                    if (n == 0)
                    {
                        if (finished)
                        {
                            return;
                        }
                        idle.idle();
                        continue;
                    }
                    idle.reset();
                    for (int i = 0; i < n; i++)
                    {
                        final int port = dst[i];
                        if (port <= last || port >= PORTS)
                        {
                            throw new AssertionError(getName() + " read " + port + " after " + last);
                        }
                        seen.set(port);
                        last = port;
                    }
                    count += n;
                }
            }
            catch (final Throwable ex)
            {
                failure.compareAndSet(null, ex);
            }
        }
    }
}

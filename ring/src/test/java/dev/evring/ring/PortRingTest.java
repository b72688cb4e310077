package dev.evring.ring;

import net.openhft.chronicle.core.io.AbstractCloseable;
import org.agrona.concurrent.BackoffIdleStrategy;
import org.agrona.concurrent.NoOpIdleStrategy;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.YieldingIdleStrategy;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import static dev.evring.ring.PortRingDescriptor.CONS_OFFSET;
import static dev.evring.ring.PortRingDescriptor.ENTRIES_OFFSET;
import static dev.evring.ring.PortRingDescriptor.MAGIC_OFFSET;
import static dev.evring.ring.PortRingDescriptor.MAX_CAPACITY_OFFSET;
import static dev.evring.ring.PortRingDescriptor.OVERFLOW_OFFSET;
import static dev.evring.ring.PortRingDescriptor.PRODUCER_LOCK_OFFSET;
import static dev.evring.ring.PortRingDescriptor.PROD_OFFSET;
import static dev.evring.ring.PortRingDescriptor.READER_WAITING_OFFSET;
import static dev.evring.ring.PortRingDescriptor.SIZE_OFFSET;
import static dev.evring.ring.PortRingDescriptor.VERSION_OFFSET;
import static dev.evring.ring.PortRingDescriptor.requiredLength;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * One test (at least) per SEMANTICS.md line R1–R11, in one JVM. Several readers in other processes are
 * in {@link PortRingCrossProcessTest}, the exhaustive resize check in {@link PortRingResizeTest}, the
 * long run in {@link PortRingStressTest}.
 */
@ExtendWith(RingLeakCheck.class)
@Timeout(value = 120, unit = TimeUnit.SECONDS)
final class PortRingTest
{
    private static final long ROUND_LIMIT_S = 20;

    @TempDir
    Path dir;

    // ----------------------------------------------------------------------------------------------
    // R1
    // ----------------------------------------------------------------------------------------------

    @Test
    void r1_capacityIsPowerOfTwoAndMaxFixed() throws IOException
    {
        for (final int bad : new int[]{ 0, -1, -64, 3, 48, 1000, PortRingDescriptor.MAX_CAPACITY << 1 })
        {
            final IllegalArgumentException ex = assertThrows(
                IllegalArgumentException.class, () -> PortRing.allocate(bad).close(), "maxCapacity " + bad);
            assertTrue(ex.getMessage().contains("power of two"), ex.getMessage());
            assertThrows(IllegalArgumentException.class,
                () -> PortRing.allocate(bad, 1024, ReaderWaiting.SPIN).close(), "initialCapacity " + bad);
        }
        assertThrows(IllegalArgumentException.class, () -> PortRing.allocate(128, 64, ReaderWaiting.SPIN).close());
        final Path refused = dir.resolve("refused");
        assertThrows(IllegalArgumentException.class, () -> PortRing.create(refused, 100).close());
        assertFalse(Files.exists(refused), "a refused create leaves no file behind");

        final Path file = dir.resolve("ring");
        try (PortRing ring = PortRing.create(file, 4, 1024, ReaderWaiting.DOORBELL))
        {
            assertEquals(4, ring.capacity());
            assertEquals(1024, ring.maxCapacity());
            assertEquals(requiredLength(1024), Files.size(file), "the file reserves maxCapacity entries");
            for (final int bad : new int[]{ 2, 3, 12, 48, 2048, 1 << 20 })
            {
                assertThrows(IllegalArgumentException.class, () -> ring.resize(bad), "resize to " + bad);
                assertEquals(4, ring.capacity());
            }
            for (final int next : new int[]{ 4, 8, 64, 512, 1024 })
            {
                ring.resize(next);
                assertEquals(next, ring.capacity());
                assertEquals(1, Integer.bitCount(ring.capacity()));
                assertEquals(1024, ring.maxCapacity());
            }
        }
        try (PortRing reopened = PortRing.open(file))
        {
            assertEquals(1024, reopened.maxCapacity(), "the maximum recorded at creation");
            assertEquals(1024, reopened.capacity());
            assertThrows(IllegalArgumentException.class, () -> reopened.resize(2048));
            assertEquals(requiredLength(1024), Files.size(file), "the file never grows");
        }
        try (PortRing small = PortRing.allocate(16))
        {
            assertEquals(16, small.capacity(), "the initial capacity is capped by the maximum");
            assertEquals(16, small.maxCapacity());
        }
    }

    // ----------------------------------------------------------------------------------------------
    // R2
    // ----------------------------------------------------------------------------------------------

    @Test
    void r2_offerOnFullStoresNothingAndSetsOverflow()
    {
        final UnsafeBuffer buffer = zeroedBuffer(requiredLength(16));
        try (PortRing ring = PortRing.format(buffer, 8, 16, ReaderWaiting.DOORBELL))
        {
            final CountingDoorbell bell = new CountingDoorbell();
            ring.doorbell(bell);
            final int[] dst = new int[8];
            for (int i = 0; i < 5; i++)
            {
                assertTrue(ring.offer(900 + i));
            }
            assertEquals(5, ring.read(dst, 0, 5)); // cons = 5: the full ring below wraps
            for (int i = 0; i < 8; i++)
            {
                assertTrue(ring.offer(100 + i), "offer " + i + " fits");
                assertFalse(ring.overflowed());
            }
            assertEquals(8, ring.size());
            final byte[] before = bytes(buffer, 0, requiredLength(16));

            assertFalse(ring.offer(999), "a full ring refuses the port");
            assertTrue(ring.overflowed(), "and sets the overflow flag");
            assertFalse(ring.offer(998));
            assertFalse(ring.offer(997));

            final byte[] after = bytes(buffer, 0, requiredLength(16));
            after[OVERFLOW_OFFSET] = 0;
            assertArrayEquals(before, after, "nothing but the overflow flag changed: no slot was overwritten, "
                + "prod did not move");
            assertEquals(8, ring.size());
            assertEquals(13, ring.producerIndex());
            assertTrue(ring.overflowed(), "the flag is sticky");
            assertEquals(0, bell.rings(), "a refused port wakes nobody");
        }
    }

    // ----------------------------------------------------------------------------------------------
    // R3
    // ----------------------------------------------------------------------------------------------

    @Test
    void r3_overflowMakesReadsEfbigAndPollErrUntilReset() throws InterruptedException
    {
        try (PortRing ring = PortRing.allocate(4, 4, ReaderWaiting.SPIN))
        {
            final int[] dst = new int[8];
            assertEquals(PortRing.POLLOUT, ring.pollMask(), "empty: writable, nothing to read");
            for (int i = 0; i < 4; i++)
            {
                assertTrue(ring.offer(i));
            }
            assertEquals(PortRing.POLLOUT | PortRing.POLLIN, ring.pollMask());
            assertFalse(ring.offer(4));

            for (int attempt = 0; attempt < 3; attempt++)
            {
                final RingOverflowException ex = assertThrows(RingOverflowException.class, () -> ring.read(dst, 0, 8));
                assertEquals(Errno.EFBIG, ex.errno());
                assertEquals(27, ex.errno().number());
                assertTrue(ex.getMessage().startsWith("EFBIG"), ex.getMessage());
                assertThrows(RingOverflowException.class, () -> ring.read(dst, 0, 1));
                assertThrows(RingOverflowException.class, () -> ring.drain(port -> fail("no port"), 10));
                assertEquals(PortRing.POLLERR, ring.pollMask(), "POLLERR alone");
            }
            assertTrue(ring.awaitReadable(0, TimeUnit.SECONDS, new NoOpIdleStrategy()),
                "an overflowed ring is ready: the read reports the error");
            assertEquals(0, ring.consumerIndex(), "a failed read claims nothing");
            assertEquals(4, ring.producerIndex());

            assertEquals(4, ring.reset());
            assertFalse(ring.overflowed());
            assertEquals(PortRing.POLLOUT, ring.pollMask());
            assertEquals(0, ring.read(dst, 0, 8));
            assertTrue(ring.offer(42));
            assertEquals(PortRing.POLLOUT | PortRing.POLLIN, ring.pollMask());
            assertEquals(1, ring.read(dst, 0, 8));
            assertEquals(42, dst[0]);
        }
    }

    // ----------------------------------------------------------------------------------------------
    // R4
    // ----------------------------------------------------------------------------------------------

    @Test
    void r4_readTruncatesToRoomAndCopiesTwoChunksWhenWrapped()
    {
        try (PortRing ring = PortRing.allocate(8, 8, ReaderWaiting.SPIN))
        {
            final int[] dst = new int[12];
            for (int i = 0; i < 6; i++)
            {
                assertTrue(ring.offer(i));
            }
            assertEquals(6, ring.read(dst, 0, 12));
            assertEquals(6, ring.consumerIndex());

            // indices 6..10: slots 6, 7, 0, 1, 2 (the live range wraps)
            for (int i = 10; i < 15; i++)
            {
                assertTrue(ring.offer(i));
            }
            Arrays.fill(dst, -1);
            assertEquals(0, ring.read(dst, 3, 0), "no room: nothing copied");
            assertEquals(6, ring.consumerIndex(), "and nothing claimed");
            assertArrayEquals(filled(12, -1), dst);

            assertEquals(1, ring.read(dst, 2, 1), "truncated to the room");
            assertEquals(7, ring.consumerIndex());
            assertEquals(10, dst[2]);

            assertEquals(4, ring.read(dst, 3, 7), "slot 7, then slots 0..2");
            assertEquals(11, ring.consumerIndex());
            assertArrayEquals(new int[]{ -1, -1, 10, 11, 12, 13, 14, -1, -1, -1, -1, -1 }, dst);

            // indices 11..18: slots 3..7 then 0..2, a full ring; a room of 6 cuts the second chunk
            for (int i = 20; i < 28; i++)
            {
                assertTrue(ring.offer(i));
            }
            Arrays.fill(dst, -1);
            assertEquals(6, ring.read(dst, 1, 6));
            assertEquals(17, ring.consumerIndex());
            assertArrayEquals(new int[]{ -1, 20, 21, 22, 23, 24, 25, -1, -1, -1, -1, -1 }, dst);
            // a room of 3 that ends inside the first chunk
            assertTrue(ring.offer(28));
            assertTrue(ring.offer(29));
            Arrays.fill(dst, -1);
            assertEquals(3, ring.read(dst, 0, 3));
            assertEquals(20, ring.consumerIndex());
            assertArrayEquals(new int[]{ 26, 27, 28, -1, -1, -1, -1, -1, -1, -1, -1, -1 }, dst);
            assertEquals(1, ring.read(dst, 11, 1));
            assertEquals(29, dst[11]);
            assertEquals(0, ring.read(dst, 0, 12), "empty");
            assertThrows(IndexOutOfBoundsException.class, () -> ring.read(dst, 10, 3));
        }
    }

    // ----------------------------------------------------------------------------------------------
    // R5
    // ----------------------------------------------------------------------------------------------

    @Test
    void r5_oneProducerKeepsOrderAcrossWrapsAndResizes()
    {
        final long seed = System.nanoTime();
        final Random random = new Random(seed);
        try (PortRing ring = PortRing.allocate(2, 1 << 12, ReaderWaiting.SPIN))
        {
            final int[] dst = new int[1 << 12];
            int next = 0;
            int expected = 0;
            for (int step = 0; step < 20_000; step++)
            {
                if (step % 1500 == 1499 && ring.capacity() < ring.maxCapacity())
                {
                    ring.resize(ring.capacity() << 1);
                }
                final int room = ring.capacity() - ring.size();
                final int offers = random.nextInt(room + 1);
                for (int i = 0; i < offers; i++)
                {
                    assertTrue(ring.offer(next++));
                }
                final int n = ring.read(dst, 0, 1 + random.nextInt(ring.capacity()));
                for (int i = 0; i < n; i++)
                {
                    if (dst[i] != expected)
                    {
                        fail("seed " + seed + " step " + step + ": read " + dst[i] + ", expected " + expected);
                    }
                    expected++;
                }
            }
            assertEquals(ring.maxCapacity(), ring.capacity());
            expected += ring.drain(port -> { }, Integer.MAX_VALUE);
            assertEquals(next, expected, "seed " + seed);
        }
    }

    @Test
    void r5_orderHoldsWithProducerAndReaderThreads() throws InterruptedException
    {
        final int ports = 2_000_000;
        try (PortRing ring = PortRing.allocate(4, 1 << 14, ReaderWaiting.SPIN))
        {
            final AtomicReference<Throwable> failure = new AtomicReference<>();
            final Thread producer = new Thread(() ->
            {
                try
                {
                    for (int port = 0; port < ports && failure.get() == null; )
                    {
                        if (port % 150_000 == 0 && port > 0 && ring.capacity() < ring.maxCapacity())
                        {
                            ring.resize(ring.capacity() << 1);
                        }
                        if (ring.size() < ring.capacity())
                        {
                            if (!ring.offer(port))
                            {
                                throw new AssertionError("offer of " + port + " failed with room");
                            }
                            port++;
                        }
                        else
                        {
                            Thread.yield();
                        }
                    }
                }
                catch (final Throwable ex)
                {
                    failure.compareAndSet(null, ex);
                }
            }, "r5-producer");
            producer.setDaemon(true);
            producer.start();

            final int[] dst = new int[97];
            final BackoffIdleStrategy idle = new BackoffIdleStrategy();
            final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
            int expected = 0;
            while (expected < ports && failure.get() == null)
            {
                final int n = ring.read(dst, 0, dst.length);
                for (int i = 0; i < n; i++)
                {
                    assertEquals(expected, dst[i], "ports come out in the order they went in");
                    expected++;
                }
                if (n == 0)
                {
                    assertTrue(System.nanoTime() - deadline < 0, "stuck at " + expected);
                    idle.idle();
                }
                else
                {
                    idle.reset();
                }
            }
            producer.join(TimeUnit.SECONDS.toMillis(30));
            assertNull(failure.get(), () -> "producer failed: " + failure.get());
            assertEquals(ports, expected);
            assertEquals(1 << 14, ring.capacity(), "resized along the way");
        }
    }

    // ----------------------------------------------------------------------------------------------
    // R6
    // ----------------------------------------------------------------------------------------------

    /**
     * Four readers share a ring: two read batches with {@code read}, two take one port per call with
     * {@code readOne}.
     */
    @Test
    void r6_severalReaderThreadsReadEachPortExactlyOnce() throws InterruptedException
    {
        final int ports = 2_000_000;
        final int readers = 4;
        try (PortRing ring = PortRing.allocate(256, 256, ReaderWaiting.SPIN))
        {
            final AtomicBoolean done = new AtomicBoolean();
            final AtomicReference<Throwable> failure = new AtomicReference<>();
            final BitSet[] seen = new BitSet[readers];
            final int[] counts = new int[readers];
            final List<Thread> threads = new ArrayList<>();
            final CountDownLatch running = new CountDownLatch(readers);
            for (int r = 0; r < readers; r++)
            {
                final int reader = r;
                seen[r] = new BitSet(ports);
                final Thread thread = new Thread(() ->
                {
                    try
                    {
                        running.countDown();
                        counts[reader] = readUntilDone(ring, reader, 1 + reader * 37, done, seen[reader]);
                    }
                    catch (final Throwable ex)
                    {
                        failure.compareAndSet(null, ex);
                    }
                }, "r6-reader-" + r);
                thread.setDaemon(true);
                threads.add(thread);
                thread.start();
            }
            // on a loaded machine a thread may start long after the producer: a ring shared by one reader proves nothing
            assertTrue(running.await(60, TimeUnit.SECONDS), "the readers started");
            int port = 0;
            while (port < ports && failure.get() == null)
            {
                int room = ring.capacity() - ring.size();
                if (room == 0)
                {
                    Thread.yield();
                }
                while (room-- > 0 && port < ports)
                {
                    assertTrue(ring.offer(port++));
                }
            }
            done.set(true);
            for (final Thread thread : threads)
            {
                thread.join(TimeUnit.SECONDS.toMillis(60));
                assertFalse(thread.isAlive(), thread.getName() + " did not finish");
            }
            assertNull(failure.get(), () -> "reader failed: " + failure.get());
            final BitSet union = new BitSet(ports);
            long total = 0;
            int readersThatRead = 0;
            for (int r = 0; r < readers; r++)
            {
                assertFalse(union.intersects(seen[r]), "reader " + r + " read a port another reader read");
                union.or(seen[r]);
                total += counts[r];
                readersThatRead += counts[r] > 0 ? 1 : 0;
            }
            assertTrue(readersThatRead >= 2, "readers really shared the ring: " + Arrays.toString(counts));
            assertEquals(ports, total, "no port read twice");
            assertEquals(ports, union.cardinality(), "no port lost");
            assertEquals(ports, union.nextClearBit(0));
        }
    }

    /**
     * A reader thread: reads with the given room until the producer is done and the ring is empty,
     * checking each port is new and larger than the last it read.
     */
    private static int readUntilDone(
        final PortRing ring, final int reader, final int room, final AtomicBoolean done, final BitSet seen)
    {
        final int[] dst = new int[room];
        final boolean oneAtATime = reader % 2 == 1; // odd readers take one port per call, with readOne
        final YieldingIdleStrategy idle = new YieldingIdleStrategy();
        int last = -1;
        int count = 0;
        while (true)
        {
            final boolean finished = done.get(); // read before the ring: a later empty ring is final
            final int n = oneAtATime ? readOne(ring, dst) : ring.read(dst, 0, room);
            if (n == 0)
            {
                if (finished)
                {
                    return count;
                }
                idle.idle();
                continue;
            }
            for (int i = 0; i < n; i++)
            {
                final int port = dst[i];
                if (port <= last || seen.get(port))
                {
                    throw new AssertionError("reader " + reader + " read " + port + " after " + last);
                }
                seen.set(port);
                last = port;
            }
            count += n;
        }
    }

    private static int readOne(final PortRing ring, final int[] dst)
    {
        final long port = ring.readOne();
        if (port == PortRing.NONE)
        {
            return 0;
        }
        dst[0] = (int)port;
        return 1;
    }

    @Test
    void readOneTakesTheOldestPortAsAnUnsignedValueAndNoneWhenEmpty()
    {
        try (PortRing ring = PortRing.allocate(4, 8, ReaderWaiting.SPIN))
        {
            assertEquals(PortRing.NONE, ring.readOne());
            for (int lap = 0; lap < 3; lap++) // the unread range wraps past the end of the entries
            {
                assertTrue(ring.offer(lap));
                assertTrue(ring.offer(-1));
                assertTrue(ring.offer(Integer.MIN_VALUE));
                assertEquals(lap, ring.readOne(), "from its slot, two more unread");
                assertEquals(0xFFFF_FFFFL, ring.readOne(), "port -1 is not NONE");
                assertEquals(0x8000_0000L, ring.readOne(), "the last unread port, from the producer word");
                assertEquals(PortRing.NONE, ring.readOne());
            }
            assertTrue(ring.offer(10));
            ring.resize(8); // copies the unread port twice, as the kernel does
            assertTrue(ring.offer(11));
            assertEquals(10, ring.readOne());
            assertEquals(11, ring.readOne());
            assertEquals(PortRing.NONE, ring.readOne());
            int offered = 0;
            while (ring.offer(offered))
            {
                offered++;
            }
            assertEquals(8, offered);
            assertThrows(RingOverflowException.class, ring::readOne);
        }
    }

    @Test
    void r6_concurrentProducersAndReadersLoseNothing() throws InterruptedException
    {
        final int perProducer = 300_000;
        final int producers = 2;
        try (PortRing ring = PortRing.allocate(64, 64, ReaderWaiting.SPIN))
        {
            final AtomicBoolean done = new AtomicBoolean();
            final AtomicReference<Throwable> failure = new AtomicReference<>();
            final BitSet[] seen = { new BitSet(), new BitSet() };
            final List<Thread> threads = new ArrayList<>();
            final AtomicInteger producing = new AtomicInteger(producers);
            for (int p = 0; p < producers; p++)
            {
                final int base = p * perProducer;
                threads.add(new Thread(() ->
                {
                    try
                    {
                        for (int i = 0; i < perProducer && failure.get() == null; )
                        {
                            // each producer has at most one offer in flight after its check: a margin of one
                            // slot per producer means no planned offer ever finds the ring full
                            if (ring.size() < ring.capacity() - producers)
                            {
                                if (!ring.offerConcurrent(base + i))
                                {
                                    throw new AssertionError("overflow with " + ring.size() + " queued");
                                }
                                i++;
                            }
                            else
                            {
                                Thread.yield();
                            }
                        }
                    }
                    catch (final Throwable ex)
                    {
                        failure.compareAndSet(null, ex);
                    }
                    finally
                    {
                        if (producing.decrementAndGet() == 0)
                        {
                            done.set(true);
                        }
                    }
                }, "producer-" + p));
            }
            for (int r = 0; r < 2; r++)
            {
                final BitSet mine = seen[r];
                threads.add(new Thread(() ->
                {
                    try
                    {
                        final int[] dst = new int[7];
                        while (true)
                        {
                            final boolean finished = done.get();
                            final int n = ring.read(dst, 0, dst.length);
                            if (n == 0 && finished)
                            {
                                return;
                            }
                            for (int i = 0; i < n; i++)
                            {
                                if (mine.get(dst[i]))
                                {
                                    throw new AssertionError("read " + dst[i] + " twice");
                                }
                                mine.set(dst[i]);
                            }
                            if (n == 0)
                            {
                                Thread.yield();
                            }
                        }
                    }
                    catch (final Throwable ex)
                    {
                        failure.compareAndSet(null, ex);
                    }
                }, "reader-" + r));
            }
            threads.forEach(thread ->
            {
                thread.setDaemon(true);
                thread.start();
            });
            for (final Thread thread : threads)
            {
                thread.join(TimeUnit.SECONDS.toMillis(60));
                assertFalse(thread.isAlive(), thread.getName() + " did not finish");
            }
            assertNull(failure.get(), () -> "failed: " + failure.get());
            assertFalse(seen[0].intersects(seen[1]), "a port reached both readers");
            seen[0].or(seen[1]);
            assertEquals(producers * perProducer, seen[0].cardinality());
            assertEquals(producers * perProducer, seen[0].nextClearBit(0));
        }
    }

    // ----------------------------------------------------------------------------------------------
    // R7
    // ----------------------------------------------------------------------------------------------

    @Test
    void r7_wakesSleepingReaderOnlyOnEmptyToNonEmpty() throws Exception
    {
        try (PortRing ring = PortRing.allocate(64))
        {
            final CountingDoorbell bell = new CountingDoorbell();
            ring.doorbell(bell);
            final int[] dst = new int[64];

            assertTrue(ring.offer(1), "no sleeper: no ring");
            assertEquals(0, ring.wakeups());
            assertEquals(1, ring.read(dst, 0, 64));

            final CountDownLatch release = new CountDownLatch(1);
            final DoorbellWaiter heldAsleep = (mark, timeoutNs) -> release.await(timeoutNs, TimeUnit.NANOSECONDS);
            final AtomicReference<Object> outcome = new AtomicReference<>();
            final Thread reader = new Thread(() ->
            {
                try
                {
                    outcome.set(ring.awaitReadable(60, TimeUnit.SECONDS, new NoOpIdleStrategy(), heldAsleep));
                }
                catch (final Throwable ex)
                {
                    outcome.set(ex);
                }
            }, "r7-sleeper");
            reader.setDaemon(true);
            reader.start();
            Await.until(() -> ring.sleepers() == 1, ROUND_LIMIT_S, TimeUnit.SECONDS, () -> "the reader to sleep");

            for (int i = 0; i < 50; i++)
            {
                assertTrue(ring.offer(100 + i));
            }
            assertEquals(1, ring.wakeups(), "one ring for the empty -> non-empty transition, not one per port");
            assertEquals(1, bell.rings());
            assertEquals(1, ring.sleepers(), "the reader is still held asleep");

            release.countDown();
            reader.join(TimeUnit.SECONDS.toMillis(ROUND_LIMIT_S));
            assertEquals(Boolean.TRUE, outcome.get());
            assertEquals(0, ring.sleepers());
            assertEquals(50, ring.read(dst, 0, 64));
            assertEquals(100, dst[0]);

            assertTrue(ring.offer(7), "the sleeper left: no ring");
            assertEquals(1, ring.wakeups());
            assertEquals(1, bell.rings());
            assertEquals(1, ring.read(dst, 0, 64));
        }
    }

    @Test
    void r7_noLostWakeUpWhenPortArrivesAsReaderGoesToSleep() throws Exception
    {
        final int rounds = 10_000;
        final long seed = System.nanoTime();
        final Random random = new Random(seed);
        try (PortRing ring = PortRing.allocate(64))
        {
            final LocalDoorbell bell = new LocalDoorbell();
            ring.doorbell(bell);
            final AtomicInteger lastRead = new AtomicInteger(-1);
            final AtomicReference<Throwable> failure = new AtomicReference<>();
            final Thread reader = new Thread(() ->
            {
                try
                {
                    final int[] dst = new int[4];
                    final NoOpIdleStrategy idle = new NoOpIdleStrategy();
                    for (int round = 0; round < rounds; round++)
                    {
                        if (!ring.awaitReadable(10 * ROUND_LIMIT_S, TimeUnit.SECONDS, idle, bell))
                        {
                            throw new AssertionError("round " + round + ": awaitReadable timed out");
                        }
                        final int n = ring.read(dst, 0, dst.length);
                        if (n != 1 || dst[0] != round)
                        {
                            throw new AssertionError("round " + round + ": read " + n + " ports, first " + dst[0]);
                        }
                        lastRead.set(round);
                    }
                }
                catch (final Throwable ex)
                {
                    failure.set(ex);
                }
            }, "r7-reader");
            reader.setDaemon(true);
            reader.start();

            for (int round = 0; round < rounds; round++)
            {
                if (round % 2 == 0)
                {
                    // the reader has announced itself: the port lands while it is between the
                    // announcement, the re-check and the block
                    Await.until(() -> ring.sleepers() == 1 || failure.get() != null,
                        ROUND_LIMIT_S, TimeUnit.SECONDS, () -> "the reader to announce its sleep");
                }
                else
                {
                    // somewhere around the spin -> sleep switch (the reader spins about 50 us)
                    final long until = System.nanoTime() + random.nextInt(120_000);
                    while (System.nanoTime() - until < 0)
                    {
                        Thread.onSpinWait();
                    }
                }
                assertTrue(ring.offer(round));
                final int expected = round;
                Await.until(() -> lastRead.get() == expected || failure.get() != null, ROUND_LIMIT_S,
                    TimeUnit.SECONDS, () -> "the reader to wake for round " + expected + " (seed " + seed
                    + "): lost wake-up? sleepers " + ring.sleepers() + ", queued " + ring.size());
                assertNull(failure.get(), () -> "reader failed: " + failure.get());
            }
            reader.join(TimeUnit.SECONDS.toMillis(ROUND_LIMIT_S));
            assertNull(failure.get());
            assertTrue(ring.wakeups() >= rounds / 2, "every announced sleeper was rung: " + ring.wakeups());
            assertTrue(ring.wakeups() <= rounds, "at most one ring per port: " + ring.wakeups());
        }
    }

    @Test
    void r7_noLostWakeUpWhileReaderConsumesAsPortsArrive() throws Exception
    {
        final int ports = 100_000;
        final long seed = System.nanoTime();
        final Random random = new Random(seed);
        try (PortRing ring = PortRing.allocate(1024))
        {
            final LocalDoorbell bell = new LocalDoorbell();
            ring.doorbell(bell);
            final AtomicInteger read = new AtomicInteger();
            final AtomicReference<Throwable> failure = new AtomicReference<>();
            final Thread reader = new Thread(() ->
            {
                try
                {
                    final int[] dst = new int[3];
                    final NoOpIdleStrategy idle = new NoOpIdleStrategy();
                    int expected = 0;
                    while (expected < ports)
                    {
                        if (!ring.awaitReadable(10 * ROUND_LIMIT_S, TimeUnit.SECONDS, idle, bell))
                        {
                            throw new AssertionError("awaitReadable timed out at port " + expected);
                        }
                        final int n = ring.read(dst, 0, 1 + (expected & 1) * 2);
                        for (int i = 0; i < n; i++)
                        {
                            if (dst[i] != expected)
                            {
                                throw new AssertionError("read " + dst[i] + ", expected " + expected);
                            }
                            expected++;
                        }
                        read.set(expected);
                    }
                }
                catch (final Throwable ex)
                {
                    failure.set(ex);
                }
            }, "r7-consumer");
            reader.setDaemon(true);
            reader.start();

            // bursts with pauses around the reader's spin -> sleep switch: the ring empties and refills
            // while the reader is claiming, re-checking or falling asleep
            int port = 0;
            while (port < ports && failure.get() == null)
            {
                final int burst = Math.min(ports - port, 1 + random.nextInt(4));
                for (int i = 0; i < burst; i++)
                {
                    assertTrue(ring.offer(port++), "the reader keeps up with bursts of 4");
                }
                final int sent = port;
                Await.until(() -> ring.size() < ring.capacity() - 4 || failure.get() != null, ROUND_LIMIT_S,
                    TimeUnit.SECONDS, () -> "room (reader stuck at " + read.get() + "?)");
                final long until = System.nanoTime() + random.nextInt(80_000);
                while (System.nanoTime() - until < 0)
                {
                    if (read.get() == sent)
                    {
                        break; // the reader emptied the ring: offer as it goes back to sleep
                    }
                    Thread.onSpinWait();
                }
            }
            Await.until(() -> read.get() == ports || failure.get() != null, ROUND_LIMIT_S, TimeUnit.SECONDS,
                () -> "the reader to read every port (seed " + seed + "): lost wake-up? read " + read.get()
                + ", queued " + ring.size() + ", sleepers " + ring.sleepers());
            reader.join(TimeUnit.SECONDS.toMillis(ROUND_LIMIT_S));
            assertNull(failure.get(), () -> "reader failed: " + failure.get());
            assertTrue(ring.wakeups() > 0, "the reader slept at least once");
        }
    }

    @Test
    void r7_readerAsleepOnSocketDoorbellFailsPromptlyWhenProducerGoesAway() throws Exception
    {
        final Path socket = dir.resolve("ring.bell");
        final SocketDoorbell bell = SocketDoorbell.bind(socket);
        try (PortRing ring = PortRing.create(dir.resolve("bell-ring"), 64);
            SocketDoorbellWaiter waiter = SocketDoorbellWaiter.connect(socket);
            SocketDoorbellWaiter otherWaiter = SocketDoorbellWaiter.connect(socket))
        {
            ring.doorbell(bell);
            final AtomicReference<Object> first = sleepInBackground(ring, waiter);
            Await.until(() -> ring.sleepers() == 1, ROUND_LIMIT_S, TimeUnit.SECONDS, () -> "the reader to sleep");
            assertTrue(ring.offer(1));
            Await.until(() -> first.get() != null, ROUND_LIMIT_S, TimeUnit.SECONDS, () -> "the wake-up");
            assertEquals(Boolean.TRUE, first.get());
            assertEquals(1, ring.wakeups());
            assertEquals(1, ring.read(new int[1], 0, 1));

            // the ring accepted both connections made before it; one made after it is never accepted
            try (SocketDoorbellWaiter late = SocketDoorbellWaiter.connect(socket))
            {
                final AtomicReference<Object> second = sleepInBackground(ring, otherWaiter);
                final AtomicReference<Object> third = sleepInBackground(ring, late);
                Await.until(() -> ring.sleepers() == 2, ROUND_LIMIT_S, TimeUnit.SECONDS, () -> "two sleepers");
                bell.close(); // the producer goes away
                Await.until(() -> second.get() != null && third.get() != null, ROUND_LIMIT_S, TimeUnit.SECONDS,
                    () -> "the sleepers to notice the producer's doorbell is gone");
                assertTrue(second.get() instanceof UncheckedIOException, String.valueOf(second.get()));
                assertTrue(third.get() instanceof UncheckedIOException, String.valueOf(third.get()));
                assertEquals(0, ring.sleepers(), "a failed sleep withdraws its announcement");
            }
        }
        finally
        {
            bell.close();
        }
    }

    @Test
    void r7_socketWaiterWithUnboundedTimeoutSleepsUntilRung() throws Exception
    {
        final Path socket = dir.resolve("forever.bell");
        try (SocketDoorbell bell = SocketDoorbell.bind(socket);
            SocketDoorbellWaiter waiter = SocketDoorbellWaiter.connect(socket))
        {
            final AtomicReference<Object> outcome = new AtomicReference<>();
            final Thread sleeper = new Thread(() ->
            {
                try
                {
                    outcome.set(waiter.await(waiter.mark(), Long.MAX_VALUE)); // "wait forever"
                }
                catch (final Throwable ex)
                {
                    outcome.set(ex);
                }
            }, "forever-sleeper");
            sleeper.setDaemon(true);
            sleeper.start();
            // false means "timed out": an unbounded wait must not come back on its own
            final long quietUntil = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(500);
            while (System.nanoTime() - quietUntil < 0)
            {
                assertNull(outcome.get(), "an unbounded wait returned without a ring");
                Thread.yield();
            }
            bell.ring();
            sleeper.join(TimeUnit.SECONDS.toMillis(ROUND_LIMIT_S));
            assertEquals(Boolean.TRUE, outcome.get());
        }
    }

    @Test
    void r7_interruptedSleeperWithdrawsItsAnnouncement() throws Exception
    {
        try (PortRing ring = PortRing.allocate(64))
        {
            final CountingDoorbell rings = new CountingDoorbell();
            ring.doorbell(rings);
            final LocalDoorbell bell = new LocalDoorbell();
            final AtomicReference<Object> outcome = new AtomicReference<>();
            final Thread sleeper = new Thread(() ->
            {
                try
                {
                    outcome.set(ring.awaitReadable(60, TimeUnit.SECONDS, new NoOpIdleStrategy(), bell));
                }
                catch (final Throwable ex)
                {
                    outcome.set(ex);
                }
            }, "r7-interrupted");
            sleeper.setDaemon(true);
            sleeper.start();
            Await.until(() -> ring.sleepers() == 1, ROUND_LIMIT_S, TimeUnit.SECONDS, () -> "the reader to sleep");
            sleeper.interrupt();
            sleeper.join(TimeUnit.SECONDS.toMillis(ROUND_LIMIT_S));
            assertTrue(outcome.get() instanceof InterruptedException, String.valueOf(outcome.get()));
            assertEquals(0, ring.sleepers());
            assertTrue(ring.offer(1));
            assertEquals(0, rings.rings(), "nobody sleeps, so nobody is rung");
            assertEquals(0, ring.wakeups());
            assertEquals(1, ring.read(new int[1], 0, 1));
        }
    }

    private static AtomicReference<Object> sleepInBackground(final PortRing ring, final DoorbellWaiter waiter)
    {
        final AtomicReference<Object> outcome = new AtomicReference<>();
        final Thread sleeper = new Thread(() ->
        {
            try
            {
                outcome.set(ring.awaitReadable(60, TimeUnit.SECONDS, new NoOpIdleStrategy(), waiter));
            }
            catch (final Throwable ex)
            {
                outcome.set(ex);
            }
        }, "sleeper");
        sleeper.setDaemon(true);
        sleeper.start();
        return outcome;
    }

    @Test
    void r7_spinRingNeverRingsAndRefusesSleepers() throws InterruptedException
    {
        try (PortRing ring = PortRing.allocate(8, 8, ReaderWaiting.SPIN))
        {
            final CountingDoorbell bell = new CountingDoorbell();
            ring.doorbell(bell);
            assertEquals(ReaderWaiting.SPIN, ring.readerWaiting());
            assertThrows(IllegalStateException.class,
                () -> ring.awaitReadable(1, TimeUnit.MILLISECONDS, new NoOpIdleStrategy(), (mark, timeoutNs) -> true));
            assertFalse(ring.awaitReadable(1, TimeUnit.MILLISECONDS, new NoOpIdleStrategy()), "empty: times out");
            assertTrue(ring.offer(1));
            assertTrue(ring.awaitReadable(1, TimeUnit.MILLISECONDS, new NoOpIdleStrategy()));
            assertEquals(0, bell.rings());
            assertEquals(0, ring.wakeups());
        }
    }

    // ----------------------------------------------------------------------------------------------
    // R8 (the exhaustive and property checks are in PortRingResizeTest)
    // ----------------------------------------------------------------------------------------------

    @Test
    void r8_resizeOfFullWrappedRingKeepsEveryPort()
    {
        try (PortRing ring = PortRing.allocate(8, 64, ReaderWaiting.SPIN))
        {
            final int[] dst = new int[64];
            for (int i = 0; i < 5; i++)
            {
                assertTrue(ring.offer(-1));
            }
            assertEquals(5, ring.read(dst, 0, 5));
            for (int i = 0; i < 8; i++)
            {
                assertTrue(ring.offer(i), "full and wrapped: slots 5, 6, 7, 0, 1, 2, 3, 4");
            }
            ring.resize(64);
            assertEquals(64, ring.capacity());
            for (int i = 8; i < 64; i++)
            {
                assertTrue(ring.offer(i), "room for the new capacity");
            }
            assertFalse(ring.offer(64));
            ring.reset();
            for (int i = 0; i < 64; i++)
            {
                assertTrue(ring.offer(i));
            }
            final int[] expected = new int[64];
            Arrays.setAll(expected, i -> i);
            assertEquals(64, ring.read(dst, 0, 64));
            assertArrayEquals(expected, dst);
        }
    }

    // ----------------------------------------------------------------------------------------------
    // R9
    // ----------------------------------------------------------------------------------------------

    @Test
    void r9_resetEmptiesAndClearsOverflowOnly() throws InterruptedException
    {
        final int length = requiredLength(64);
        final UnsafeBuffer buffer = zeroedBuffer(length);
        try (PortRing ring = PortRing.format(buffer, 16, 64, ReaderWaiting.DOORBELL))
        {
            final LocalDoorbell bell = new LocalDoorbell();
            ring.doorbell(bell);
            ringOnce(ring, bell); // the wake-up counter is non-zero, so "untouched" means something
            ring.resize(32);
            final int[] dst = new int[64];
            for (int i = 0; i < 10; i++)
            {
                assertTrue(ring.offer(i));
            }
            assertEquals(3, ring.read(dst, 0, 3));
            assertEquals(7, ring.reset(), "the unread ports are dropped and counted");
            assertTrue(ring.isEmpty());
            assertEquals(0, ring.read(dst, 0, 64));

            int port = 100;
            while (ring.offer(port))
            {
                port++;
            }
            assertTrue(ring.overflowed());
            final byte[] before = bytes(buffer, 0, length);
            final long wakeups = ring.wakeups();

            assertEquals(32, ring.reset());
            assertFalse(ring.overflowed());
            assertTrue(ring.isEmpty());
            assertEquals(0, ring.size());
            assertEquals(PortRing.POLLOUT, ring.pollMask());
            assertEquals(32, ring.capacity(), "capacity untouched");
            assertEquals(64, ring.maxCapacity());
            assertEquals(wakeups, ring.wakeups());
            assertEquals(ring.producerIndex(), ring.consumerIndex());

            final byte[] after = bytes(buffer, 0, length);
            for (int i = 0; i < length; i++)
            {
                final boolean consWord = i >= CONS_OFFSET && i < CONS_OFFSET + Long.BYTES;
                final boolean overflowFlag = i >= OVERFLOW_OFFSET && i < OVERFLOW_OFFSET + Integer.BYTES;
                if (!consWord && !overflowFlag && before[i] != after[i])
                {
                    fail("reset changed byte " + i + " (only cons and the overflow flag may change)");
                }
            }
            assertEquals(0, ring.reset(), "nothing left to drop");
            assertTrue(ring.offer(7));
            assertEquals(1, ring.read(dst, 0, 64));
            assertEquals(7, dst[0]);
        }
    }

    private static void ringOnce(final PortRing ring, final LocalDoorbell bell) throws InterruptedException
    {
        final AtomicReference<Object> outcome = new AtomicReference<>();
        final Thread sleeper = new Thread(() ->
        {
            try
            {
                outcome.set(ring.awaitReadable(60, TimeUnit.SECONDS, new NoOpIdleStrategy(), bell));
            }
            catch (final Throwable ex)
            {
                outcome.set(ex);
            }
        });
        sleeper.setDaemon(true);
        sleeper.start();
        Await.until(() -> ring.sleepers() == 1, ROUND_LIMIT_S, TimeUnit.SECONDS, () -> "a sleeper");
        assertTrue(ring.offer(-5));
        sleeper.join(TimeUnit.SECONDS.toMillis(ROUND_LIMIT_S));
        assertEquals(Boolean.TRUE, outcome.get());
        assertEquals(1, ring.wakeups());
        assertEquals(1, ring.read(new int[1], 0, 1));
    }

    // ----------------------------------------------------------------------------------------------
    // R10
    // ----------------------------------------------------------------------------------------------

    @Test
    void r10_badRingFilesAreRefusedWithClearErrors() throws IOException
    {
        final Path good = dir.resolve("good");
        PortRing.create(good, 16, 64, ReaderWaiting.DOORBELL).close();
        try (PortRing ring = PortRing.open(good))
        {
            assertEquals(16, ring.capacity(), "the unmodified file opens");
        }

        assertRefused(good, "magic", f -> putLong(f, MAGIC_OFFSET, 0x1234_5678_9ABC_DEF0L), "not an evring PortRing");
        assertRefused(good, "version", f -> putInt(f, VERSION_OFFSET, 1), "layout version 1");
        assertRefused(good, "nonPow2Size", f -> putInt(f, SIZE_OFFSET, 48), "size 48");
        assertRefused(good, "zeroSize", f -> putInt(f, SIZE_OFFSET, 0), "size 0");
        assertRefused(good, "sizeAboveMax", f -> putInt(f, SIZE_OFFSET, 128), "size 128");
        assertRefused(good, "nonPow2Max", f -> putInt(f, MAX_CAPACITY_OFFSET, 96), "maxCapacity 96");
        assertRefused(good, "maxBeyondFile", f -> putInt(f, MAX_CAPACITY_OFFSET, 1 << 20), "truncated");
        assertRefused(good, "prodAheadBySizePlusOne", f ->
        {
            putInt(f, PROD_OFFSET, 27);
            putLong(f, CONS_OFFSET, 10);
        }, "impossible indices");
        assertRefused(good, "consAheadOfProd", f ->
        {
            putInt(f, PROD_OFFSET, 5);
            putLong(f, CONS_OFFSET, 10);
        }, "impossible indices");
        assertRefused(good, "overflowFlag", f -> putInt(f, OVERFLOW_OFFSET, 7), "overflow flag 7");
        assertRefused(good, "waitingMode", f -> putInt(f, READER_WAITING_OFFSET, 9), "reader-waiting mode 9");
        assertRefused(good, "truncatedEntries", f -> truncate(f, ENTRIES_OFFSET + 10), "truncated");
        assertRefused(good, "truncatedHeader", f -> truncate(f, 100), "100 bytes");
        assertRefused(good, "empty", f -> truncate(f, 0), "0 bytes");

        // a full ring at the edge of the free-running indices is possible, so it opens
        final Path edge = copy(good, "edge");
        putInt(edge, PROD_OFFSET, 15);
        putLong(edge, CONS_OFFSET, Integer.toUnsignedLong(-1));
        try (PortRing ring = PortRing.open(edge))
        {
            assertEquals(16, ring.size());
        }
    }

    @Test
    void r10_fileTruncatedWhileMappedIsReportedNotTouched() throws IOException
    {
        final Path file = dir.resolve("shrinking");
        try (PortRing ring = PortRing.create(file, 64))
        {
            assertTrue(ring.offer(3));
            ring.checkFile();
            truncate(file, 100);
            final RingFormatException ex = assertThrows(RingFormatException.class, ring::checkFile);
            assertTrue(ex.getMessage().contains("truncated"), ex.getMessage());
            assertThrows(RingFormatException.class, () -> PortRing.open(file).close());
        }
    }

    @Test
    void producerLockLeftByADeadProcessIsRecovered() throws Exception
    {
        final Process gone = new ProcessBuilder("true").start();
        assertTrue(gone.waitFor(ROUND_LIMIT_S, TimeUnit.SECONDS));
        final UnsafeBuffer buffer = zeroedBuffer(requiredLength(64));
        try (PortRing ring = PortRing.format(buffer, 8, 64, ReaderWaiting.SPIN))
        {
            buffer.putLongVolatile(PRODUCER_LOCK_OFFSET, gone.pid()); // as if it died inside resize()
            ring.resize(16);
            assertEquals(16, ring.capacity());
            assertEquals(0, buffer.getLongVolatile(PRODUCER_LOCK_OFFSET), "released after use");
            buffer.putLongVolatile(PRODUCER_LOCK_OFFSET, gone.pid());
            assertTrue(ring.offerConcurrent(4));
            assertEquals(1, ring.reset());
        }
    }

    /**
     * The other side of R10: a ring that is full and busy (a producer refilling it, a reader draining
     * it) is valid at every instant, so a process that opens it then must never be refused.
     */
    @Test
    void r10_busyFullRingIsNeverRefusedAsImpossible() throws InterruptedException
    {
        final int opens = 20_000_000;
        final long limitNs = TimeUnit.SECONDS.toNanos(8);
        final UnsafeBuffer buffer = zeroedBuffer(requiredLength(64));
        try (PortRing ring = PortRing.format(buffer, 4, 64, ReaderWaiting.SPIN))
        {
            final AtomicBoolean stop = new AtomicBoolean();
            final AtomicReference<Throwable> failure = new AtomicReference<>();
            final Thread producer = new Thread(() ->
            {
                try
                {
                    int port = 0;
                    int offers = 0;
                    while (!stop.get())
                    {
                        if (ring.size() < ring.capacity())
                        {
                            assertTrue(ring.offer(port++));
                            if (++offers % 50_000 == 0 && ring.capacity() < ring.maxCapacity())
                            {
                                ring.resize(ring.capacity() << 1);
                            }
                        }
                    }
                }
                catch (final Throwable ex)
                {
                    failure.compareAndSet(null, ex);
                }
            }, "busy-producer");
            final Thread reader = new Thread(() ->
            {
                try
                {
                    final int[] dst = new int[1];
                    while (!stop.get())
                    {
                        ring.read(dst, 0, 1);
                    }
                }
                catch (final Throwable ex)
                {
                    failure.compareAndSet(null, ex);
                }
            }, "busy-reader");
            producer.setDaemon(true);
            reader.setDaemon(true);
            producer.start();
            reader.start();
            try
            {
                final long start = System.nanoTime();
                for (int i = 0; i < opens && failure.get() == null && System.nanoTime() - start < limitNs; i++)
                {
                    try
                    {
                        // the check open() and wrap() make, without a ring object per attempt
                        PortRingDescriptor.validate(buffer, "busy ring");
                        if (i % 100_000 == 0)
                        {
                            PortRing.wrap(buffer).close();
                        }
                    }
                    catch (final RingFormatException ex)
                    {
                        fail("open #" + i + " of a valid, busy ring was refused: " + ex.getMessage());
                    }
                }
            }
            finally
            {
                stop.set(true);
                producer.join(TimeUnit.SECONDS.toMillis(ROUND_LIMIT_S));
                reader.join(TimeUnit.SECONDS.toMillis(ROUND_LIMIT_S));
            }
            assertNull(failure.get(), () -> "failed: " + failure.get());
        }
    }

    private void assertRefused(
        final Path good, final String name, final FileDamage damage, final String expectedInMessage)
        throws IOException
    {
        final Path bad = copy(good, name);
        damage.apply(bad);
        final RingFormatException ex = assertThrows(RingFormatException.class, () -> PortRing.open(bad).close(), name);
        assertTrue(ex.getMessage().contains(expectedInMessage), name + ": " + ex.getMessage());
        assertTrue(ex.getMessage().contains(bad.toString()), name + " names the file: " + ex.getMessage());

        final byte[] content = Files.readAllBytes(bad);
        final UnsafeBuffer buffer = zeroedBuffer(Math.max(content.length, 8));
        buffer.putBytes(0, content);
        final UnsafeBuffer exact = new UnsafeBuffer(buffer, 0, content.length);
        final RingFormatException wrapped = assertThrows(RingFormatException.class, () -> PortRing.wrap(exact).close());
        assertFalse(wrapped.getMessage().isBlank());
    }

    @FunctionalInterface
    private interface FileDamage
    {
        void apply(Path file) throws IOException;
    }

    private Path copy(final Path good, final String name) throws IOException
    {
        return Files.copy(good, dir.resolve(name));
    }

    private static void putInt(final Path file, final long offset, final int value) throws IOException
    {
        write(file, offset, ByteBuffer.allocate(Integer.BYTES).order(ByteOrder.nativeOrder()).putInt(0, value));
    }

    private static void putLong(final Path file, final long offset, final long value) throws IOException
    {
        write(file, offset, ByteBuffer.allocate(Long.BYTES).order(ByteOrder.nativeOrder()).putLong(0, value));
    }

    private static void write(final Path file, final long offset, final ByteBuffer bytes) throws IOException
    {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.WRITE))
        {
            channel.write(bytes, offset);
        }
    }

    private static void truncate(final Path file, final long length) throws IOException
    {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.WRITE))
        {
            channel.truncate(length);
        }
    }

    // ----------------------------------------------------------------------------------------------
    // R11
    // ----------------------------------------------------------------------------------------------

    @Test
    void r11_closeUnmapsAndLaterUseFailsCleanly() throws Exception
    {
        final Path file = dir.resolve("closing");
        final PortRing ring = PortRing.create(file, 64);
        assertTrue(ring.offer(11));
        assertTrue(mapsOf(file), "mapped while open");
        ring.close();
        assertTrue(ring.isClosed());
        assertFalse(mapsOf(file), "closing unmaps the file");
        ring.close(); // a second close is harmless

        final int[] dst = new int[4];
        final List<Executable> uses = List.of(
            () -> ring.offer(1),
            () -> ring.offerConcurrent(1),
            () -> ring.read(dst, 0, 4),
            () -> ring.drain(port -> { }, 4),
            () -> ring.resize(128),
            ring::reset,
            ring::pollMask,
            ring::overflowed,
            ring::isEmpty,
            ring::size,
            ring::capacity,
            ring::sleepers,
            ring::wakeups,
            ring::producerIndex,
            ring::consumerIndex,
            ring::checkFile,
            () -> ring.awaitReadable(1, TimeUnit.MILLISECONDS, new NoOpIdleStrategy()));
        for (int i = 0; i < uses.size(); i++)
        {
            final IllegalStateException ex = assertThrows(IllegalStateException.class, uses.get(i), "use #" + i);
            assertTrue(ex.getMessage().contains("closed"), "use #" + i + ": " + ex.getMessage());
        }

        assertTrue(Files.exists(file), "the file stays for other processes");
        try (PortRing reopened = PortRing.open(file))
        {
            assertEquals(1, reopened.read(dst, 0, 4), "what was written before close is still there");
            assertEquals(11, dst[0]);
        }
    }

    @Test
    void r11_leakedRingIsReported()
    {
        final PortRing leaked = PortRing.allocate(64);
        final AssertionError report = assertThrows(AssertionError.class, AbstractCloseable::assertCloseablesClosed);
        final StringBuilder text = new StringBuilder(String.valueOf(report.getMessage()));
        for (final Throwable suppressed : report.getSuppressed())
        {
            text.append('\n').append(suppressed);
        }
        assertTrue(text.toString().contains("Not closed PortRing"), "the report names the leaked ring: " + text);
        leaked.close();
        AbstractCloseable.assertCloseablesClosed();
    }

    private static boolean mapsOf(final Path file) throws IOException
    {
        final String target = file.toAbsolutePath().toString();
        try (var lines = Files.lines(Path.of("/proc/self/maps")))
        {
            return lines.anyMatch(line -> line.endsWith(target));
        }
    }

    // ----------------------------------------------------------------------------------------------
    // helpers
    // ----------------------------------------------------------------------------------------------

    private static UnsafeBuffer zeroedBuffer(final int length)
    {
        return new UnsafeBuffer(ByteBuffer.allocateDirect(length));
    }

    private static byte[] bytes(final UnsafeBuffer buffer, final int offset, final int length)
    {
        final byte[] copy = new byte[length];
        buffer.getBytes(offset, copy);
        return copy;
    }

    private static int[] filled(final int length, final int value)
    {
        final int[] array = new int[length];
        Arrays.fill(array, value);
        return array;
    }

    /**
     * A doorbell that counts its rings and wakes nobody.
     */
    private static final class CountingDoorbell implements Doorbell
    {
        private final AtomicInteger rings = new AtomicInteger();

        @Override
        public void ring()
        {
            rings.incrementAndGet();
        }

        int rings()
        {
            return rings.get();
        }
    }
}

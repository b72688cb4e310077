package dev.evring.ring;

import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static dev.evring.ring.PortRingDescriptor.CONS_OFFSET;
import static dev.evring.ring.PortRingDescriptor.OVERFLOW_OFFSET;
import static dev.evring.ring.PortRingDescriptor.PROD_OFFSET;
import static dev.evring.ring.PortRingDescriptor.SIZE_OFFSET;
import static dev.evring.ring.PortRingDescriptor.requiredLength;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The sole-reader role ({@link PortRing#claimExclusiveReader()}): every port once and in order across
 * wraps, resizes and a producer in another JVM (R5, R6, R8); a producer side that writes impossible
 * indices or sizes gets {@code EIO} and hands the reader nothing (H1); and a file cut again and again under
 * a live sole reader in an interpreted JVM ends each time in an error, never in a JVM killed by a signal.
 */
@ExtendWith(RingLeakCheck.class)
@Timeout(value = 180, unit = TimeUnit.SECONDS)
final class PortRingExclusiveReaderTest
{
    private static final int TRUNCATION_ROUNDS = 120;

    @TempDir(factory = ShmTempDir.class)
    Path dir;

    @Test
    void r5_r8_aSoleReaderTakesEveryPortOnceInOrderAcrossWrapsAndResizes() throws Exception
    {
        final int total = 400_000;
        final Path file = dir.resolve("ordered");
        try (PortRing producer = PortRing.create(file, 4, 1024, ReaderWaiting.SPIN);
            PortRing reader = PortRing.open(file))
        {
            producer.claimExclusiveProducer();
            reader.claimExclusiveReader();
            final CompletableFuture<Void> offers = CompletableFuture.runAsync(() -> offerAll(producer, total));
            final int[] dst = new int[13];
            int expected = 0;
            final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
            while (expected < total && System.nanoTime() - deadline < 0)
            {
                if ((expected & 1) == 0)
                {
                    final int n = reader.read(dst, 0, dst.length);
                    for (int i = 0; i < n; i++)
                    {
                        assertEquals(expected++, dst[i], "in order, none twice, none lost");
                    }
                }
                else
                {
                    final long port = reader.readOne();
                    if (port != PortRing.NONE)
                    {
                        assertEquals(expected++, port, "in order, none twice, none lost");
                    }
                }
            }
            offers.get(60, TimeUnit.SECONDS);
            assertEquals(total, expected, "every port read");
            assertEquals(PortRing.NONE, reader.readOne(), "and nothing more");
            assertEquals(1024, producer.capacity(), "the producer resized along the way");
            assertEquals(total, producer.consumerIndex(), "the sole reader published its cons for the producer");
        }
    }

    @Test
    void r6_aSoleReaderTakesEveryPortOfAProducerInAnotherJvmOnce() throws Exception
    {
        final int total = 200_000;
        final Path file = dir.resolve("cross");
        try (PortRing reader = PortRing.create(file, 64, 64, ReaderWaiting.SPIN))
        {
            reader.claimExclusiveReader();
            final Process child = ChildJvm.processBuilder(OfferingProcess.class, file.toString(), "exclusive").start();
            try
            {
                final int[] dst = new int[64];
                int expected = 0;
                final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
                while (expected < total && System.nanoTime() - deadline < 0)
                {
                    final int n = reader.read(dst, 0, Math.min(dst.length, total - expected)); // the child goes on
                    for (int i = 0; i < n; i++)
                    {
                        assertEquals(expected++, dst[i], "in order, none twice, none lost");
                    }
                }
                assertEquals(total, expected, "every port read within the deadline");
            }
            finally
            {
                child.destroyForcibly();
                assertTrue(child.waitFor(60, TimeUnit.SECONDS));
            }
        }
    }

    @Test
    void h1_anImpossibleProdOrSizeFromTheProducerSideIsEioAndHandsOutNothing() throws RingFormatException
    {
        final UnsafeBuffer shared = new UnsafeBuffer(ByteBuffer.allocateDirect(requiredLength(1024)));
        try (PortRing producer = PortRing.format(shared, 64, 1024, ReaderWaiting.SPIN);
            PortRing reader = PortRing.wrap(shared))
        {
            reader.claimExclusiveReader();
            for (int port = 1; port <= 3; port++)
            {
                assertTrue(producer.offer(port));
            }
            assertEquals(1, reader.readOne());
            final long honestProd = shared.getLongVolatile(PROD_OFFSET);

            for (final int prod : new int[] {1 + 64 + 1, 0, Integer.MIN_VALUE})
            {
                shared.putLongVolatile(PROD_OFFSET, prod & 0xFFFF_FFFFL);
                assertNothingHandedOut(reader, "prod " + prod + " against cons 1 and size 64");
            }
            shared.putLongVolatile(PROD_OFFSET, honestProd);
            for (final int size : new int[] {32, 0, 96, 2048, Integer.MIN_VALUE})
            {
                shared.putIntVolatile(SIZE_OFFSET, size);
                assertNothingHandedOut(reader, "size " + size);
            }
            shared.putIntVolatile(SIZE_OFFSET, 64);

            shared.putLongVolatile(CONS_OFFSET, 40); // the consumer word is the producers' view only
            assertEquals(1, reader.consumerIndex(), "the sole reader never reads cons back");
            final int[] dst = new int[8];
            assertEquals(2, reader.read(dst, 0, dst.length));
            assertArrayEquals(new int[] {2, 3}, Arrays.copyOf(dst, 2), "the ports after its own cons");
            assertTrue(reader.isEmpty());

            shared.putIntVolatile(OVERFLOW_OFFSET, 1);
            assertThrows(RingOverflowException.class, reader::readOne);
        }
    }

    @Test
    void r9_resetOnTheSoleReaderMovesItsOwnConsAndReleaseHandsTheConsumerWordBack()
    {
        try (PortRing ring = PortRing.allocate(8, 8, ReaderWaiting.SPIN))
        {
            ring.claimExclusiveReader();
            assertTrue(ring.isExclusiveReader());
            for (int port = 0; port < 9; port++)
            {
                ring.offer(port); // the ninth overflows
            }
            assertThrows(RingOverflowException.class, ring::readOne);
            assertEquals(8, ring.reset(), "dropped the eight unread ports");
            assertTrue(ring.isEmpty());
            assertTrue(ring.offer(20));
            assertTrue(ring.offer(21));
            assertEquals(20, ring.readOne());

            ring.releaseExclusiveReader();
            assertFalse(ring.isExclusiveReader());
            assertEquals(9, ring.consumerIndex(), "the consumer word holds the sole reader's cons");
            assertEquals(21, ring.readOne(), "shared readers claim from it");
            assertEquals(PortRing.NONE, ring.readOne());
        }
    }

    @Test
    void h1_aFileCutUnderALiveInterpretedSoleReaderIsAnErrorNeverADeadJvm() throws Exception
    {
        final List<String> command = ChildJvm.command(SoleReaderTruncationProcess.class.getName(), List.of("-Xint"),
            dir.toString(), Integer.toString(TRUNCATION_ROUNDS));
        final Process child = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        final long[] cuts = {0, 4096, 8192}; // the header page itself, or entries past the first page or two
        final List<String> ends = new ArrayList<>();
        try (BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8));
            OutputStream in = child.getOutputStream())
        {
            for (int round = 0; round < TRUNCATION_ROUNDS; round++)
            {
                assertEquals("ready " + round, out.readLine(), "the child created and filled ring " + round);
                try (FileChannel channel = FileChannel.open(dir.resolve("ring-" + round), StandardOpenOption.WRITE))
                {
                    channel.truncate(cuts[round % cuts.length]);
                }
                final String end = out.readLine();
                assertTrue(end != null && end.startsWith("round " + round + " "), "the child died: " + end);
                ends.add(end);
                in.write("next\n".getBytes(StandardCharsets.UTF_8));
                in.flush();
            }
            assertEquals("alive", out.readLine());
            assertTrue(child.waitFor(60, TimeUnit.SECONDS), "the child did not finish");
            assertEquals(0, child.exitValue(), "the child JVM died: " + ends);
        }
        finally
        {
            child.destroyForcibly();
        }
        for (final String end : ends)
        {
            assertTrue(end.contains("dev.evring.ring.RingException: EIO") || end.contains("java.lang.InternalError"),
                "a clear error ended the reads: " + end);
        }
        final long readerEio = ends.stream()
            .filter(end -> end.contains(" read") && end.contains("RingException: EIO")).count();
        assertTrue(readerEio > 0, "the sole reader itself failed with EIO: " + ends);
        try (Stream<Path> files = Files.list(dir))
        {
            assertFalse(files.anyMatch(file -> file.getFileName().toString().startsWith("hs_err")), "no crash log");
        }
    }

    private static void assertNothingHandedOut(final PortRing reader, final String damage)
    {
        final int[] dst = {-7, -7, -7, -7};
        final RingException batch = assertThrows(RingException.class, () -> reader.read(dst, 0, dst.length), damage);
        assertEquals(Errno.EIO, batch.errno(), damage + ": " + batch.getMessage());
        assertArrayEquals(new int[] {-7, -7, -7, -7}, dst, damage + ": nothing copied");
        final RingException one = assertThrows(RingException.class, reader::readOne, damage);
        assertEquals(Errno.EIO, one.errno(), damage + ": " + one.getMessage());
        assertEquals(1, reader.consumerIndex(), damage + ": cons did not move");
    }

    private static void offerAll(final PortRing producer, final int total)
    {
        for (int port = 0; port < total; port++)
        {
            if (port % 50_000 == 0 && producer.capacity() < producer.maxCapacity())
            {
                producer.resize(producer.capacity() << 1); // from the producing thread, as the hub does
            }
            while (!producer.tryOffer(port))
            {
                Thread.onSpinWait();
            }
        }
    }
}

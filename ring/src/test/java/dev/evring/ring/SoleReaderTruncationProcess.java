package dev.evring.ring;

import org.agrona.concurrent.UnsafeBuffer;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

import static dev.evring.ring.PortRingDescriptor.PROD_OFFSET;

/**
 * A child main for {@link PortRingExclusiveReaderTest}, meant to run with {@code -Xint} so that every ring
 * call stays interpreted (where a fault inside a compare-and-set kills the JVM): for each of
 * {@code rounds} rounds it creates a full ring of 4096 ports (slot {@code s} holds port {@code s}), claims
 * the sole-reader role, prints {@code ready <round>} and then reads without pause ({@code read} of 64 in
 * even rounds, {@code readOne} in odd ones) until a call fails, while the parent cuts the file. Whenever
 * the ring is empty it publishes 4096 more ports with one store of the producer word through a mapping
 * of its own (the slots already hold the right ports), so nearly all the time goes to reads and the cut
 * lands inside one. Every 4096 calls it makes the thread call into the VM, where HotSpot delivers a fault
 * in a plain access that it left pending (see {@link PortRing}'s class comment): that ends the round as
 * {@code late report}. It prints {@code round <round> <op> <what ended it>}, waits for a line on standard
 * input, closes the ring and goes on; {@code alive} at the end.
 */
public final class SoleReaderTruncationProcess
{
    private static final int CAPACITY = 1 << 12;
    private static final long GIVE_UP_NS = 60_000_000_000L;
    private static final long SURFACE_EVERY_MASK = CAPACITY - 1;

    private SoleReaderTruncationProcess()
    {
    }

    /**
     * Run the rounds.
     *
     * @param args the directory to create the rings in, and the number of rounds.
     * @throws Exception on an unexpected error.
     */
    public static void main(final String[] args) throws Exception
    {
        final Path dir = Path.of(args[0]);
        final int rounds = Integer.parseInt(args[1]);
        final BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        for (int round = 0; round < rounds; round++)
        {
            final Path file = dir.resolve("ring-" + round);
            try (PortRing ring = PortRing.create(file, CAPACITY, CAPACITY, ReaderWaiting.SPIN))
            {
                for (int port = 0; port < CAPACITY; port++)
                {
                    ring.offer(port);
                }
                ring.claimExclusiveReader();
                System.out.println("ready " + round);
                System.out.flush();
                System.out.println("round " + round + " " + readUntilFailure(ring, producerWord(file), round % 2 == 0));
                System.out.flush();
                in.readLine();
            }
            Files.deleteIfExists(file);
        }
        System.out.println("alive");
    }

    private static UnsafeBuffer producerWord(final Path file) throws Exception
    {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE))
        {
            return new UnsafeBuffer(channel.map(FileChannel.MapMode.READ_WRITE, 0, PROD_OFFSET + Long.BYTES));
        }
    }

    private static String readUntilFailure(final PortRing ring, final UnsafeBuffer producer, final boolean batches)
    {
        final int[] dst = new int[64];
        final long deadline = System.nanoTime() + GIVE_UP_NS;
        int prod = CAPACITY;
        String op = "read";
        try
        {
            for (long calls = 1; System.nanoTime() - deadline < 0; calls++)
            {
                if ((calls & SURFACE_EVERY_MASK) == 0)
                {
                    op = "late report";
                    TruncatedHotPathProcess.surfacePendingFault();
                }
                op = batches ? "read" : "readOne";
                final boolean empty = batches ? ring.read(dst, 0, dst.length) == 0 : ring.readOne() == PortRing.NONE;
                if (empty)
                {
                    op = "publish";
                    prod += CAPACITY;
                    producer.putLongRelease(PROD_OFFSET, ((long)(CAPACITY - 1) << 32) | (prod & 0xFFFF_FFFFL));
                }
            }
            return op + " none";
        }
        catch (final RingException | InternalError ex)
        {
            return op + " " + ex;
        }
    }
}

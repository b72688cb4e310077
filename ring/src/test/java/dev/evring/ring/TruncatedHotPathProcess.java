package dev.evring.ring;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

import org.agrona.concurrent.UnsafeBuffer;

/**
 * A child main for {@link PortRingTruncatedUnderUseTest}: creates four rings of 4096 ports in a directory
 * ({@code read}, {@code readOne}: full; {@code tryOffer}, {@code offerConcurrent}: empty), whose entries
 * span four pages past the header's; prints {@code ready}; waits for a line on standard input (the parent
 * cuts every file to its first page meanwhile); then runs each hot path on its ring through the vanished
 * pages. For each it prints {@code <op> <what ended it> wrong <n>} ({@code n}: ports a reader returned that
 * were never written, the documented limit of a reader). A fifth ring, {@code formatted}, is laid out by
 * {@link PortRing#format} over this process's own mapping, as the evtchn hub lays out event rings, and
 * claimed by an exclusive producer; the parent cuts it to nothing, and closing it (which gives the role
 * up, once a compare-and-set that killed the JVM with {@code SIGBUS} while still interpreted) first, and
 * prints {@code close-formatted <what ended it>}. Then {@code alive}.
 */
public final class TruncatedHotPathProcess
{
    /** The ring files, one per hot path. */
    static final String[] OPS = {"read", "readOne", "tryOffer", "offerConcurrent"};
    /** The ring laid out over this process's own mapping, which the parent cuts to nothing. */
    static final String FORMATTED = "formatted";
    private static final int CAPACITY = 1 << 12;

    private TruncatedHotPathProcess()
    {
    }

    /**
     * Run the probe.
     *
     * @param args the directory to create the rings in.
     * @throws Exception on an unexpected error.
     */
    public static void main(final String[] args) throws Exception
    {
        final Path dir = Path.of(args[0]);
        final PortRing[] rings = new PortRing[OPS.length];
        for (int i = 0; i < OPS.length; i++)
        {
            rings[i] = PortRing.create(dir.resolve(OPS[i]), CAPACITY, CAPACITY, ReaderWaiting.SPIN);
        }
        for (int port = 0; port < CAPACITY; port++)
        {
            rings[0].offer(port);
            rings[1].offer(port);
        }
        final PortRing formatted;
        try (FileChannel channel = FileChannel.open(dir.resolve(FORMATTED),
            StandardOpenOption.CREATE_NEW, StandardOpenOption.READ, StandardOpenOption.WRITE))
        {
            final UnsafeBuffer buffer = new UnsafeBuffer(
                channel.map(FileChannel.MapMode.READ_WRITE, 0, PortRingDescriptor.requiredLength(CAPACITY)));
            formatted = PortRing.format(buffer, CAPACITY, CAPACITY, ReaderWaiting.DOORBELL);
            formatted.claimExclusiveProducer();
            formatted.offer(1);
        }
        System.out.println("ready");
        new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)).readLine();
        String ended = "none";
        try
        {
            // first, while its code is cold; no file to check: the role's word is cleared with a read and a store
            formatted.close();
            surfacePendingFault();
        }
        catch (final RingException | InternalError ex)
        {
            ended = ex.toString();
        }
        System.out.println("close-formatted " + ended);
        for (int i = 0; i < OPS.length; i++)
        {
            run(OPS[i], rings[i]);
        }
        for (final PortRing ring : rings)
        {
            ring.close(); // a cold path: the whole-file check, then only the unmap
        }
        System.out.println("alive");
    }

    private static void run(final String op, final PortRing ring)
    {
        String ended = "none";
        int wrong = 0;
        int expected = 0;
        final int[] dst = new int[7];
        try
        {
            for (int i = 0; i < CAPACITY; i++)
            {
                switch (op)
                {
                    case "read" ->
                    {
                        final int n = ring.read(dst, 0, dst.length);
                        for (int k = 0; k < n; k++)
                        {
                            wrong += dst[k] == expected++ ? 0 : 1;
                        }
                    }
                    case "readOne" -> wrong += ring.readOne() == expected++ ? 0 : 1;
                    case "tryOffer" -> ring.tryOffer(i);
                    default -> ring.offerConcurrent(i);
                }
            }
            surfacePendingFault();
        }
        catch (final RingException | InternalError ex)
        {
            ended = ex.toString();
        }
        System.out.println(op + " " + ended + " wrong " + wrong);
    }

    /**
     * HotSpot reports a fault in compiled code at the thread's next call into the VM: an allocation too large
     * for the thread's buffer makes one, so an error a loop left pending is seen in its own phase.
     */
    static void surfacePendingFault()
    {
        final byte[] large = new byte[1 << 24];
        if (large.length != 1 << 24)
        {
            throw new AssertionError("allocation");
        }
    }
}

package dev.evring.ring;

import org.agrona.concurrent.BackoffIdleStrategy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.BitSet;
import java.util.concurrent.TimeUnit;

/**
 * A reader in its own JVM for {@link PortRingCrossProcessTest}: opens the ring, announces it is ready,
 * reads until the producer's "done" marker exists and the ring is empty, checks that every port is larger
 * than the one before, and writes the set of ports it read as a bitmap ({@link BitSet#toByteArray()}).
 *
 * <p>Exit codes: 0 done, 1 an unexpected error, 2 a port out of order or out of range, 3 the ring
 * overflowed, 4 the deadline passed or the parent process died.
 */
public final class RingReaderProcess
{
    private static final long LIVENESS_CHECK_NS = TimeUnit.MILLISECONDS.toNanos(100);

    private RingReaderProcess()
    {
    }

    /**
     * Run the reader.
     *
     * @param args ring file, done marker, ready marker, bitmap file, number of ports, room per read,
     *             deadline in seconds.
     * @throws Exception on an unexpected error (exit code 1).
     */
    public static void main(final String[] args) throws Exception
    {
        final Path ringFile = Path.of(args[0]);
        final Path doneMarker = Path.of(args[1]);
        final Path readyMarker = Path.of(args[2]);
        final Path bitmapFile = Path.of(args[3]);
        final int ports = Integer.parseInt(args[4]);
        final int room = Integer.parseInt(args[5]);
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(Long.parseLong(args[6]));
        final ProcessHandle parent = ProcessHandle.current().parent().orElseThrow();

        final BitSet seen = new BitSet(ports);
        final PortRing opened;
        try
        {
            opened = PortRing.open(ringFile);
        }
        catch (final IOException ex)
        {
            System.err.println(ProcessHandle.current().pid() + ": reader cannot open " + ringFile + ": " + ex);
            System.exit(1);
            return;
        }
        try (PortRing ring = opened)
        {
            Files.createFile(readyMarker);
            final int[] dst = new int[room];
            final BackoffIdleStrategy idle = new BackoffIdleStrategy(
                100, 10, TimeUnit.MICROSECONDS.toNanos(1), TimeUnit.MICROSECONDS.toNanos(200));
            long nextLivenessCheck = System.nanoTime() + LIVENESS_CHECK_NS;
            int last = -1;
            while (true)
            {
                int n;
                try
                {
                    n = ring.read(dst, 0, room);
                    if (n == 0 && Files.exists(doneMarker))
                    {
                        // the marker is written after the last offer: empty after seeing it means all claimed
                        n = ring.read(dst, 0, room);
                        if (n == 0)
                        {
                            break;
                        }
                    }
                }
                catch (final RingOverflowException ex)
                {
                    System.err.println(ProcessHandle.current().pid() + ": " + ex.getMessage());
                    System.exit(3);
                    return;
                }
                if (n == 0)
                {
                    final long now = System.nanoTime();
                    if (now - nextLivenessCheck >= 0)
                    {
                        nextLivenessCheck = now + LIVENESS_CHECK_NS;
                        if (now - deadline >= 0 || !parent.isAlive())
                        {
                            System.err.println(ProcessHandle.current().pid() + ": reader gives up after port " + last
                                + (parent.isAlive() ? ": deadline passed" : ": the producer's process died"));
                            System.exit(4);
                        }
                    }
                    idle.idle();
                    continue;
                }
                idle.reset();
                for (int i = 0; i < n; i++)
                {
                    final int port = dst[i];
                    if (port <= last || port >= ports)
                    {
                        System.err.println(ProcessHandle.current().pid() + ": read " + port + " after " + last);
                        System.exit(2);
                    }
                    seen.set(port);
                    last = port;
                }
            }
        }
        Files.write(bitmapFile, seen.toByteArray());
        System.exit(0);
    }
}

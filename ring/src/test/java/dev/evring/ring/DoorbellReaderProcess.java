package dev.evring.ring;

import org.agrona.concurrent.NoOpIdleStrategy;

import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * A reader in its own JVM for {@link PortRingDoorbellCrossProcessTest}: for each round it waits on the
 * ring, sleeping on the producer's {@link SocketDoorbell} once its short spin is over, reads the one port
 * of the round and acknowledges it by offering it into a second ring that the producer reads.
 *
 * <p>Exit codes: 0 every round done, 1 an unexpected error (including the doorbell's producer going
 * away), 2 a wrong port, 3 the acknowledgement ring was full, 4 no wake-up within the timeout.
 */
public final class DoorbellReaderProcess
{
    private DoorbellReaderProcess()
    {
    }

    /**
     * Run the reader.
     *
     * @param args ring file, acknowledgement ring file, doorbell socket, rounds, per-round timeout in
     *             seconds.
     * @throws Exception on an unexpected error (exit code 1).
     */
    public static void main(final String[] args) throws Exception
    {
        final int rounds = Integer.parseInt(args[3]);
        final long timeoutS = Long.parseLong(args[4]);
        try (PortRing ring = PortRing.open(Path.of(args[0]));
            PortRing acks = PortRing.open(Path.of(args[1]));
            SocketDoorbellWaiter waiter = SocketDoorbellWaiter.connect(Path.of(args[2])))
        {
            final int[] dst = new int[8];
            final NoOpIdleStrategy idle = new NoOpIdleStrategy();
            for (int round = 0; round < rounds; round++)
            {
                if (!ring.awaitReadable(timeoutS, TimeUnit.SECONDS, idle, waiter))
                {
                    System.err.println("round " + round + ": no wake-up within " + timeoutS + " s (lost wake-up)");
                    System.exit(4);
                }
                final int n = ring.read(dst, 0, dst.length);
                if (n != 1 || dst[0] != round)
                {
                    System.err.println("round " + round + ": read " + n + " ports, first " + dst[0]);
                    System.exit(2);
                }
                if (!acks.offer(round))
                {
                    System.err.println("round " + round + ": acknowledgement ring full");
                    System.exit(3);
                }
            }
        }
        System.exit(0);
    }
}

package dev.evring.examples;

import dev.evring.ring.PortRing;
import dev.evring.ring.SocketDoorbellWaiter;
import org.agrona.concurrent.BackoffIdleStrategy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * A PortRing reader in another JVM: opens {@code <dir>/ports.ring} that {@link RingProducer} made, sleeps
 * on its doorbell when the ring is empty, and reads until it has taken {@code count} ports, checking
 * they arrive in order.
 *
 * <pre>
 *   java @jvm.options -cp ... dev.evring.examples.RingReader /dev/shm/my-rings 1000000
 * </pre>
 */
public final class RingReader
{
    private RingReader()
    {
    }

    /**
     * Read.
     *
     * @param args the producer's directory and how many ports to read.
     * @throws Exception if the ring cannot be opened, a port is out of order, or the producer stalls.
     */
    public static void main(final String[] args) throws Exception
    {
        final Path dir = Path.of(args[0]);
        final int count = Integer.parseInt(args[1]);
        final Path bellFile = dir.resolve("ports.bell");
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!Files.exists(bellFile))           // the producer binds the doorbell after creating the ring
        {
            if (System.nanoTime() > deadline)
            {
                throw new IllegalStateException("no producer in " + dir);
            }
            Thread.sleep(10);
        }
        try (PortRing ring = PortRing.open(dir.resolve("ports.ring"));
            SocketDoorbellWaiter waiter = SocketDoorbellWaiter.connect(bellFile))
        {
            final int[] ports = new int[1024];
            int expected = 1;
            long sum = 0;
            while (expected <= count)
            {
                if (!ring.awaitReadable(10, TimeUnit.SECONDS, new BackoffIdleStrategy(), waiter))
                {
                    throw new IllegalStateException("the producer stalled at port " + expected);
                }
                final int n = ring.read(ports, 0, ports.length);
                for (int i = 0; i < n; i++)
                {
                    if (ports[i] != expected)
                    {
                        throw new IllegalStateException("port " + ports[i] + " where " + expected + " was due");
                    }
                    sum += ports[i];
                    expected++;
                }
            }
            System.out.println("reader: read " + count + " ports in order, sum " + sum);
        }
    }
}

package dev.evring.examples;

import dev.evring.ring.PortRing;
import dev.evring.ring.SocketDoorbell;
import org.agrona.concurrent.BackoffIdleStrategy;
import org.agrona.concurrent.IdleStrategy;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A PortRing producer: creates {@code <dir>/ports.ring} and its doorbell {@code <dir>/ports.bell}, then
 * offers the ports 1..count, waiting for room when the ring is full (run {@link RingReader} in another
 * JVM on the same directory). It claims the exclusive producer role, as the only producer of its ring.
 *
 * <pre>
 *   java @jvm.options -cp ... dev.evring.examples.RingProducer /dev/shm/my-rings 1000000
 * </pre>
 */
public final class RingProducer
{
    private RingProducer()
    {
    }

    /**
     * Produce.
     *
     * @param args the directory (created if missing) and how many ports to offer.
     * @throws Exception if the ring cannot be created or the reader never takes the ports.
     */
    public static void main(final String[] args) throws Exception
    {
        final Path dir = Files.createDirectories(Path.of(args[0]));
        final int count = Integer.parseInt(args[1]);
        try (PortRing ring = PortRing.create(dir.resolve("ports.ring"), 1 << 16);
            SocketDoorbell bell = SocketDoorbell.bind(dir.resolve("ports.bell")))
        {
            ring.doorbell(bell);                  // rung on empty -> non-empty while a reader sleeps
            ring.claimExclusiveProducer();
            System.out.println("producer: ring ready in " + dir);
            final IdleStrategy idle = new BackoffIdleStrategy();
            for (int port = 1; port <= count; port++)
            {
                while (!ring.tryOffer(port))      // full: nothing stored, no overflow flag; wait for room
                {
                    idle.idle();
                }
                idle.reset();
            }
            while (!ring.isEmpty())               // keep the files until the reader has taken every port
            {
                idle.idle();
            }
            System.out.println("producer: offered " + count + " ports");
        }
    }
}

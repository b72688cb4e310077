package dev.evring.bridge;

import io.aeron.Aeron;
import io.aeron.ChannelUriStringBuilder;
import io.aeron.ExclusivePublication;
import io.aeron.driver.MediaDriver;
import io.aeron.driver.ThreadingMode;
import org.agrona.CloseHelper;
import org.agrona.DirectBuffer;

import java.nio.file.Path;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A stranger off the path: an Aeron publisher with a media driver of its own, so a session of its own, that
 * sends bridge messages to a bridge's listen port. It knows no secret and sees nothing of the bridges' traffic
 * (but what a test hands it, captured by a {@link UdpRelay}).
 */
final class Impostor implements AutoCloseable
{
    private final MediaDriver driver;
    private final Aeron aeron;
    private final ExclusivePublication publication;
    private final AtomicLong hellos = new AtomicLong();
    private volatile boolean flooding;
    private Thread flood;

    /**
     * Start the publisher.
     *
     * @param directory  the directory of its media driver.
     * @param targetPort the bridge's listen port on loopback.
     */
    Impostor(final Path directory, final int targetPort)
    {
        driver = MediaDriver.launchEmbedded(new MediaDriver.Context().aeronDirectoryName(directory.toString())
            .threadingMode(ThreadingMode.SHARED).dirDeleteOnShutdown(true));
        Aeron client = null;
        try
        {
            client = Aeron.connect(new Aeron.Context().aeronDirectoryName(driver.aeronDirectoryName()));
            publication = client.addExclusivePublication(new ChannelUriStringBuilder().media("udp")
                .endpoint(Bridges.LOOPBACK + ":" + targetPort).build(), EvtchnBridge.STREAM_ID);
            aeron = client;
        }
        catch (final RuntimeException ex)
        {
            CloseHelper.quietCloseAll(client, driver);
            throw ex;
        }
    }

    /**
     * Whether the bridge's subscription is connected to this publisher's stream.
     */
    boolean isConnected()
    {
        return publication.isConnected();
    }

    /**
     * Send one message, waiting while the stream pushes back (the bridge keeps up within a test's deadline).
     */
    void send(final DirectBuffer message, final int length)
    {
        while (publication.offer(message, 0, length) < 0)
        {
            Thread.onSpinWait();
        }
    }

    /**
     * Start sending HELLOs in a host's name, each with a new random nonce, as fast as the stream takes them,
     * from a thread of its own, until {@link #stopFlood()}: before the bridge listens, it tries again and again.
     *
     * @param name   the host it claims to be.
     * @param target the host it says hello to.
     */
    void floodHellos(final String name, final String target)
    {
        flooding = true;
        flood = new Thread(() ->
        {
            final BridgeCodec codec = new BridgeCodec();
            final SplittableRandom random = new SplittableRandom();
            final byte[] nonce = new byte[BridgeMessageDescriptor.NONCE_LENGTH];
            while (flooding)
            {
                for (int i = 0; i < nonce.length; i++)
                {
                    nonce[i] = (byte)random.nextInt(256);
                }
                if (publication.offer(codec.buffer(), 0, codec.hello(nonce, name, target)) > 0)
                {
                    hellos.incrementAndGet();
                }
                else
                {
                    Thread.yield(); // not connected yet, or pushed back: the flood goes on as the stream allows
                }
            }
        }, "impostor-flood");
        flood.setDaemon(true);
        flood.start();
    }

    /**
     * How many HELLOs of the flood the stream took so far.
     */
    long hellos()
    {
        return hellos.get();
    }

    /**
     * Stop the flood.
     *
     * @return the number of HELLOs the stream took.
     */
    long stopFlood() throws InterruptedException
    {
        flooding = false;
        if (flood != null)
        {
            flood.join(10_000);
        }
        return hellos.get();
    }

    /**
     * Stop the flood and close the publisher and its driver.
     */
    @Override
    public void close() throws InterruptedException
    {
        stopFlood();
        CloseHelper.quietCloseAll(publication, aeron, driver);
    }
}

package dev.evring.bench.mechanism;

import dev.evring.bench.harness.Measurement;
import dev.evring.bench.harness.Peer;
import dev.evring.bench.harness.PeerFailure;
import dev.evring.bench.harness.RoundTrips;
import dev.evring.bench.harness.RunPlan;
import dev.evring.bench.harness.Watchdog;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * Round trips of an 8-byte sequence number over a UNIX-domain stream socket ({@link SocketChannel} with a
 * {@link UnixDomainSocketAddress}): peer B listens in the run directory, peer A connects, writes each ping
 * and reads the echo. Blocking, the reader sleeps in the kernel (the round trip is two wake-ups); spinning,
 * the channel is non-blocking and the reader calls {@code read} in a loop (the round trip is system calls
 * and no wake-up).
 *
 * <p>With a pause, A sleeps that long before each ping (outside the timed span), as in
 * {@code evtchn-blocking}: B has then been asleep that long when the ping arrives. On a VM that matters: a
 * vCPU idle for tens of microseconds is still polled by the hypervisor and wakes fast, one idle for
 * hundreds is halted and wakes slowly, so consumers compared for their wake-up must sleep equally long.
 */
public final class UdsPingPong extends AbstractMechanism
{
    /** The last ping: B echoes it and stops. */
    private static final long STOP = -1;
    private static final String SOCKET = "uds.sock";
    private static final long CONNECT_RETRY_NS = TimeUnit.MICROSECONDS.toNanos(100);

    private final boolean spin;
    private final long pauseNs;

    /**
     * A socket ping-pong.
     *
     * @param name    the mechanism's name.
     * @param spin    true: non-blocking channels and a read loop; false: blocking reads.
     * @param pauseUs how long A sleeps before each ping, 0 for none.
     */
    public UdsPingPong(final String name, final boolean spin, final long pauseUs)
    {
        super(name, describe(spin, pauseUs), false);
        this.spin = spin;
        this.pauseNs = TimeUnit.MICROSECONDS.toNanos(pauseUs);
    }

    private static String describe(final boolean spin, final long pauseUs)
    {
        return (spin ? "UNIX-domain socket ping-pong, non-blocking, spinning on read"
            : "UNIX-domain socket ping-pong, blocking reads")
            + (pauseUs > 0 ? ", A pauses " + pauseUs + " us before each ping" : "");
    }

    /**
     * The spinning variant spins; with blocking reads both peers sleep in the kernel every round trip.
     *
     * @return false for {@code uds}.
     */
    @Override
    public boolean peersSpin()
    {
        return spin;
    }

    /**
     * {@inheritDoc}
     */
    @Override
    public Measurement initiate(final Peer peer) throws IOException
    {
        final RunPlan plan = peer.plan();
        final Watchdog watchdog = peer.watchdog();
        final RoundTrips trips = new RoundTrips(plan.warmupRoundTrips(), plan.roundTrips(), plan.phaseCapMs());
        final ByteBuffer out = ByteBuffer.allocateDirect(Long.BYTES);
        final ByteBuffer in = ByteBuffer.allocateDirect(Long.BYTES);
        try (SocketChannel channel = connect(peer.directory().resolve(SOCKET), watchdog))
        {
            channel.configureBlocking(!spin);
            for (long i = 0; trips.more(i); i++)
            {
                if (pauseNs > 0)
                {
                    LockSupport.parkNanos(pauseNs);
                }
                final long start = System.nanoTime();
                exchange(channel, out, in, i, watchdog);
                trips.record(i, start, System.nanoTime());
            }
            exchange(channel, out, in, STOP, watchdog);
        }
        return Measurement.roundTrips(trips.histogram());
    }

    /**
     * {@inheritDoc}
     */
    @Override
    public void respond(final Peer peer) throws IOException
    {
        final Watchdog watchdog = peer.watchdog();
        final ByteBuffer ping = ByteBuffer.allocateDirect(Long.BYTES);
        final Path path = peer.directory().resolve(SOCKET);
        try (ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX))
        {
            server.bind(UnixDomainSocketAddress.of(path));
            server.configureBlocking(false);
            SocketChannel accepted;
            while ((accepted = server.accept()) == null) // non-blocking: a partner that never comes is noticed
            {
                watchdog.check();
                LockSupport.parkNanos(CONNECT_RETRY_NS);
            }
            try (SocketChannel channel = accepted)
            {
                channel.configureBlocking(!spin);
                long value;
                do
                {
                    ping.clear();
                    readFully(channel, ping, watchdog);
                    value = ping.getLong(0);
                    ping.flip();
                    writeFully(channel, ping, watchdog);
                }
                while (value != STOP);
            }
        }
        finally
        {
            Files.deleteIfExists(path);
        }
    }

    private void exchange(
        final SocketChannel channel, final ByteBuffer out, final ByteBuffer in, final long value,
        final Watchdog watchdog) throws IOException
    {
        out.clear();
        out.putLong(0, value);
        writeFully(channel, out, watchdog);
        in.clear();
        readFully(channel, in, watchdog);
        if (in.getLong(0) != value)
        {
            throw new PeerFailure(name() + ": sent " + value + ", the echo was " + in.getLong(0));
        }
    }

    private static SocketChannel connect(final Path path, final Watchdog watchdog) throws IOException
    {
        while (true)
        {
            if (Files.exists(path))
            {
                final SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX);
                try
                {
                    channel.connect(UnixDomainSocketAddress.of(path));
                    return channel;
                }
                catch (final IOException ex)
                {
                    channel.close(); // bound but not yet listening: try again
                }
            }
            watchdog.check();
            LockSupport.parkNanos(CONNECT_RETRY_NS);
        }
    }

    private void readFully(final SocketChannel channel, final ByteBuffer buffer, final Watchdog watchdog)
        throws IOException
    {
        long spins = 0;
        while (buffer.hasRemaining())
        {
            final int n = channel.read(buffer);
            if (n < 0)
            {
                throw new PeerFailure(name() + ": the partner closed the socket");
            }
            if (n == 0 && (++spins & Watchdog.CHECK_MASK) == 0)
            {
                watchdog.check();
            }
        }
    }

    private static void writeFully(final SocketChannel channel, final ByteBuffer buffer, final Watchdog watchdog)
        throws IOException
    {
        long spins = 0;
        while (buffer.hasRemaining())
        {
            if (channel.write(buffer) == 0 && (++spins & Watchdog.CHECK_MASK) == 0)
            {
                watchdog.check();
            }
        }
    }
}

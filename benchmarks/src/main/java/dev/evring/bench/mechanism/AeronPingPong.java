package dev.evring.bench.mechanism;

import dev.evring.bench.harness.Measurement;
import dev.evring.bench.harness.Peer;
import dev.evring.bench.harness.PeerFailure;
import dev.evring.bench.harness.RoundTrips;
import dev.evring.bench.harness.RunPlan;
import io.aeron.Aeron;
import io.aeron.ChannelUriStringBuilder;
import io.aeron.ExclusivePublication;
import io.aeron.Publication;
import io.aeron.Subscription;
import io.aeron.driver.MediaDriver;
import io.aeron.driver.ThreadingMode;
import io.aeron.logbuffer.FragmentHandler;
import io.aeron.logbuffer.Header;
import org.agrona.CloseHelper;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.AgentInvoker;
import org.agrona.concurrent.UnsafeBuffer;

import java.io.IOException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.nio.file.Path;

/**
 * Round trips of an 8-byte sequence number over Aeron, the shape of Aeron's {@code Ping}/{@code Pong}
 * samples: one {@link ExclusivePublication} and one {@link Subscription} each way, A offers each ping and
 * polls for the echo, B polls and offers it back.
 *
 * <p>{@link Transport#IPC}: both peers go through one media driver, embedded in A ({@code aeron:ipc}, the
 * log buffers shared memory between the two JVMs). {@link Transport#UDP}: each peer embeds its own driver
 * and the streams go over UDP loopback ({@code aeron:udp?endpoint=127.0.0.1:port}), as two hosts would.
 *
 * <p>No driver has a thread: every driver runs in {@link ThreadingMode#INVOKER} mode and every client uses
 * its conductor's agent invoker, both called from the peer's own spin loop, as the bridge runs its driver
 * from its duty cycle. On a machine with two cores a driver thread would need a third CPU (a driver as a
 * third, unpinned JVM fights the two pinned peers). Term buffers are pre-touched (not sparse) and storage
 * checks are off, so no page fault or {@code statfs} lands in the timed spans.
 */
public final class AeronPingPong extends AbstractMechanism
{
    /** How the two peers' streams travel. */
    public enum Transport
    {
        /** Shared-memory log buffers through one driver. */
        IPC,
        /** UDP loopback between two drivers. */
        UDP
    }

    /** The length of every term buffer: the least Aeron allows, the messages are 8 bytes. */
    static final int TERM_LENGTH = 64 * 1024;
    private static final int PING_STREAM = 1001;
    private static final int PONG_STREAM = 1002;
    /** The last ping: B echoes it and stops. */
    private static final long STOP = -1;
    private static final String LOOPBACK = "127.0.0.1";
    private static final int A_PORT = 0;
    private static final int B_PORT = 8;
    private static final int DRIVER_READY = 16;
    private static final int DONE = 24;
    private static final int REGION_LENGTH = 4096;

    private final Transport transport;

    /**
     * An Aeron ping-pong.
     *
     * @param name      the mechanism's name.
     * @param transport IPC through one driver, or UDP loopback between two.
     */
    public AeronPingPong(final String name, final Transport transport)
    {
        super(name, transport == Transport.IPC
            ? "Aeron IPC ping-pong between the two JVMs through one invoker-mode driver in A, 8-byte messages"
            : "Aeron UDP loopback ping-pong, an invoker-mode driver in each peer run by its spin loop, 8-byte "
            + "messages", false);
        this.transport = transport;
    }

    /**
     * {@inheritDoc}
     */
    @Override
    public int regionLength()
    {
        return REGION_LENGTH;
    }

    /**
     * For UDP, two free loopback ports, one each peer listens on.
     *
     * @param directory the run's directory.
     * @param region    the mechanism's region.
     * @throws IOException if no port is free.
     */
    @Override
    public void prepare(final Path directory, final UnsafeBuffer region) throws IOException
    {
        if (transport == Transport.UDP)
        {
            region.putInt(A_PORT, freeUdpPort(LOOPBACK));
            region.putInt(B_PORT, freeUdpPort(LOOPBACK));
        }
    }

    /**
     * {@inheritDoc}
     */
    @Override
    public Measurement initiate(final Peer peer)
    {
        final RunPlan plan = peer.plan();
        final UnsafeBuffer region = peer.control().region();
        final RoundTrips trips = new RoundTrips(plan.warmupRoundTrips(), plan.roundTrips(), plan.phaseCapMs());
        final MediaDriver driver = MediaDriver.launch(driverContext(peer.directory().resolve("aeron-a")));
        try (Aeron aeron = connect(driver.aeronDirectoryName(), driver.sharedAgentInvoker()))
        {
            region.putIntRelease(DRIVER_READY, 1); // release: A's driver directory exists before B connects to it
            final AeronDuty duty =
                new AeronDuty(driver.sharedAgentInvoker(), aeron.conductorAgentInvoker(), peer.watchdog());
            final ExclusivePublication out = aeron.addExclusivePublication(channel(region, B_PORT), PING_STREAM);
            final Subscription in = aeron.addSubscription(channel(region, A_PORT), PONG_STREAM);
            duty.awaitConnected(out, in);
            final LastLong echo = new LastLong();
            final UnsafeBuffer message = new UnsafeBuffer(ByteBuffer.allocateDirect(Long.BYTES));
            for (long i = 0; trips.more(i); i++)
            {
                final long start = System.nanoTime();
                exchange(out, in, message, echo, i, duty);
                trips.record(i, start, System.nanoTime());
            }
            exchange(out, in, message, echo, STOP, duty);
            region.putIntRelease(DONE, 1); // release: A holds the last echo, B's driver may stop sending
        }
        finally
        {
            CloseHelper.close(driver);
        }
        return Measurement.roundTrips(trips.histogram());
    }

    private void exchange(
        final Publication out, final Subscription in, final UnsafeBuffer message, final LastLong echo,
        final long value, final AeronDuty duty)
    {
        message.putLong(0, value);
        duty.offer(name(), out, message, Long.BYTES);
        poll(in, echo, duty);
        if (echo.value != value)
        {
            throw new PeerFailure(name() + ": sent " + value + ", the echo was " + echo.value);
        }
    }

    /**
     * {@inheritDoc}
     */
    @Override
    public void respond(final Peer peer)
    {
        final UnsafeBuffer region = peer.control().region();
        final MediaDriver driver;
        final Aeron aeron;
        if (transport == Transport.IPC)
        {
            RegionFlags.awaitNonZero(region, DRIVER_READY, peer.watchdog());
            driver = null;
            aeron = connect(peer.directory().resolve("aeron-a").toString(), null);
        }
        else
        {
            driver = MediaDriver.launch(driverContext(peer.directory().resolve("aeron-b")));
            aeron = connect(driver.aeronDirectoryName(), driver.sharedAgentInvoker());
        }
        try
        {
            final AeronDuty duty = new AeronDuty(
                driver == null ? null : driver.sharedAgentInvoker(), aeron.conductorAgentInvoker(), peer.watchdog());
            final ExclusivePublication out = aeron.addExclusivePublication(channel(region, A_PORT), PONG_STREAM);
            final Subscription in = aeron.addSubscription(channel(region, B_PORT), PING_STREAM);
            duty.awaitConnected(out, in);
            final LastLong ping = new LastLong();
            final UnsafeBuffer message = new UnsafeBuffer(ByteBuffer.allocateDirect(Long.BYTES));
            do
            {
                poll(in, ping, duty);
                message.putLong(0, ping.value);
                duty.offer(name(), out, message, Long.BYTES);
            }
            while (ping.value != STOP);
            awaitDone(region, duty);
        }
        finally
        {
            CloseHelper.closeAll(aeron, driver);
        }
    }

    private String channel(final UnsafeBuffer region, final int portOffset)
    {
        final ChannelUriStringBuilder channel = new ChannelUriStringBuilder().termLength(TERM_LENGTH).sparse(false);
        return transport == Transport.IPC ? channel.media("ipc").build()
            : channel.media("udp").endpoint(LOOPBACK + ':' + region.getInt(portOffset)).build();
    }

    private static void poll(final Subscription in, final LastLong handler, final AeronDuty duty)
    {
        while (in.poll(handler, 1) == 0)
        {
            duty.idle();
        }
    }

    /**
     * B's last echo is in its publication, but over UDP only B's driver sends it: keep it working until A
     * has the echo.
     */
    private static void awaitDone(final UnsafeBuffer region, final AeronDuty duty)
    {
        while (region.getIntAcquire(DONE) == 0) // acquire: pairs with A's release once it has the last echo
        {
            duty.idle();
        }
    }

    /**
     * An invoker-mode driver (pre-touched terms, no storage checks) in a directory of the run.
     *
     * @param directory the driver's directory.
     * @return the driver's context.
     */
    static MediaDriver.Context driverContext(final Path directory)
    {
        return new MediaDriver.Context()
            .aeronDirectoryName(directory.toString())
            .threadingMode(ThreadingMode.INVOKER)
            .dirDeleteOnStart(true)
            .dirDeleteOnShutdown(true)
            .warnIfDirectoryExists(false)
            .termBufferSparseFile(false)
            .performStorageChecks(false)
            .publicationTermBufferLength(TERM_LENGTH)
            .ipcTermBufferLength(TERM_LENGTH);
    }

    /**
     * A client whose conductor the caller runs ({@code conductorAgentInvoker()}), with the caller's driver invoker.
     *
     * @param directory     the driver's directory.
     * @param driverInvoker the embedded driver's invoker, or null for another process's driver.
     * @return the client.
     */
    static Aeron connect(final String directory, final AgentInvoker driverInvoker)
    {
        return Aeron.connect(new Aeron.Context().aeronDirectoryName(directory).useConductorAgentInvoker(true)
            .driverAgentInvoker(driverInvoker));
    }

    /**
     * A free UDP port on a local address: bound, read and released (nothing else on this machine asks
     * for ports of the ephemeral range in the meantime but in the rarest of races).
     *
     * @param host the local address.
     * @return the port.
     * @throws IOException if none can be bound.
     */
    static int freeUdpPort(final String host) throws IOException
    {
        try (DatagramSocket socket = new DatagramSocket(0, InetAddress.getByName(host)))
        {
            return socket.getLocalPort();
        }
    }

    /**
     * Keeps the payload of the last fragment.
     */
    private static final class LastLong implements FragmentHandler
    {
        private long value;

        /**
         * {@inheritDoc}
         */
        @Override
        public void onFragment(final DirectBuffer buffer, final int offset, final int length, final Header header)
        {
            value = buffer.getLong(offset);
        }
    }
}


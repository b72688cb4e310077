package dev.evring.evtchn;

import dev.evring.ring.Errno;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.net.SocketException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * E23 from the client's side: a hub that is alive (its heartbeat moves) but takes no connection, takes no
 * request, or breaks its mark file never holds a handle's call forever; each wait ends with a clear
 * errno within its bound.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
final class HostileHubTest
{
    private static final Duration SHORT = Duration.ofMillis(500);
    private static final long BOUND_MS = 15_000;

    @TempDir
    Path dir;

    @Test
    void e23_postsToAHubThatTakesNoRequestTimeOutInsteadOfSpinningForever() throws Exception
    {
        // an invoker hub polls request rings only when its program asks: this one never does
        try (EvtchnHub hub = EvtchnHub.start(HubConfig.directory(dir.resolve("hub")).requestPolling(RequestPolling.INVOKER));
             Evtchn handle = SeparateDomains.open(hub.directory(), HandleOptions.defaults().requestTimeout(SHORT)))
        {
            final int port = handle.bindUnboundPort(0);
            final long start = System.nanoTime();
            final EvtchnException timedOut = assertThrows(EvtchnException.class, () ->
            {
                for (int i = 0; i < HubConfig.DEFAULT_REQUEST_RING_CAPACITY * 2; i++)
                {
                    handle.unmask(port);
                }
            });
            final long tookMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);

            assertEquals(Errno.ETIMEDOUT, timedOut.errno(), timedOut.getMessage());
            assertTrue(tookMs >= SHORT.toMillis() && tookMs < BOUND_MS, "took " + tookMs + " ms");
            assertTrue(handle.bindUnboundPort(0) > 0, "the handle stays open; control requests still work");
        }
    }

    @Test
    void e23_openOnAHubThatNeverTakesTheConnectionTimesOut() throws Exception
    {
        final Path hubDir = Files.createDirectory(dir.resolve("hub"));
        Files.setPosixFilePermissions(hubDir, PosixFilePermissions.fromString("rwx------"));
        final UnixDomainSocketAddress address = UnixDomainSocketAddress.of(hubDir.resolve(HubDirectory.SOCKET_FILE));
        final List<SocketChannel> queued = new ArrayList<>();
        try (ServerSocketChannel stopped = ServerSocketChannel.open(StandardProtocolFamily.UNIX))
        {
            stopped.bind(address, 1); // a stopped hub: it listens and never accepts
            fillBacklog(address, queued);
            final long start = System.nanoTime();

            final EvtchnException timedOut = assertThrows(EvtchnException.class,
                () -> Evtchn.open(hubDir, HandleOptions.defaults().hubTimeout(SHORT)).close());

            final long tookMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            assertEquals(Errno.ETIMEDOUT, timedOut.errno(), timedOut.getMessage());
            assertTrue(tookMs >= SHORT.toMillis() && tookMs < BOUND_MS, "took " + tookMs + " ms");
        }
        finally
        {
            for (final SocketChannel channel : queued)
            {
                channel.close();
            }
        }
    }

    @Test
    void e23_aHubWhoseMarkFileIsCutShortFailsItsHandlesPromptly() throws Exception
    {
        final Path hubDir = dir.resolve("hub");
        try (Child hub = Child.start(EvtchnHubMain.class, "--dir", hubDir.toString()))
        {
            hub.expect("evtchn hub ready", 60_000);
            try (Evtchn handle = Evtchn.open(hubDir, HandleOptions.defaults().hubTimeout(SHORT)))
            {
                handle.bindUnboundPort(0);
                try (RandomAccessFile mark = new RandomAccessFile(hubDir.resolve(HubDirectory.MARK_FILE).toFile(), "rw"))
                {
                    mark.setLength(0);
                }
                final long start = System.nanoTime();

                final EvtchnException failed = assertThrows(EvtchnException.class,
                    () -> handle.awaitPending(BOUND_MS * 2, TimeUnit.MILLISECONDS));

                final long tookMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
                assertEquals(Errno.ENODEV, failed.errno(), failed.getMessage());
                assertTrue(failed.getMessage().contains("mark file"), failed.getMessage());
                assertTrue(tookMs < BOUND_MS, "took " + tookMs + " ms");
            }
            finally
            {
                hub.kill();
            }
        }
    }

    /**
     * Connect without blocking until the listener's backlog is full: the next connect would block.
     */
    private static void fillBacklog(final UnixDomainSocketAddress address, final List<SocketChannel> queued)
        throws IOException
    {
        while (true)
        {
            final SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX);
            channel.configureBlocking(false);
            try
            {
                channel.connect(address);
                queued.add(channel);
            }
            catch (final SocketException full)
            {
                channel.close();
                return;
            }
        }
    }
}

package dev.evring.evtchn;

import dev.evring.ring.Errno;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The hub when a resource runs out: file descriptors (H2: accept keeps going once they return) and disk
 * space (H5: the one bind that needed room fails with ENOSPC and nothing else changes).
 */
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class HubResourcesTest
{
    private static final int FD_LIMIT = 80;
    /** Ports a ring holds before its entries reach its second page: growing past them needs a new page. */
    private static final int RING_BEFORE_NEW_PAGE = 512;

    @TempDir
    Path tmp;

    /**
     * The hub runs with {@value #FD_LIMIT} descriptors. Idle connections (some with a hello, which costs
     * the hub more descriptors) are added and dropped, watching the hub's {@code /proc/<pid>/fd}, until it
     * has not one descriptor left; the next connection's accept then fails (EMFILE). Once the idle
     * connections close, clients must be able to open handles again and talk, and the failure is counted.
     */
    @Test
    void h2_afterDescriptorsRunOutTheHubKeepsAcceptingOnceTheyReturn() throws Exception
    {
        try (HubProcess hub = HubProcess.start(tmp.resolve("hub"), "ulimit -n " + FD_LIMIT))
        {
            final Descriptors descriptors = new Descriptors(hub);
            try
            {
                descriptors.exhaust();
                descriptors.connect(false); // its accept fails: no descriptor is left
                Conditions.await("an accept failed for want of descriptors", () -> failedAccepts(hub) > 0);
            }
            finally
            {
                descriptors.closeAll();
            }
            Conditions.await("a client can open a handle again", 30_000, () -> canOpen(hub.directory));
            HostileClientTest.assertOthersFlow(hub.directory);
            hub.assertAliveAndStopsOnSigterm();
        }
    }

    private static long failedAccepts(final HubProcess hub) throws Exception
    {
        hub.assertAlive();
        return hub.counter(HubCounter.ACCEPT_FAILURES);
    }

    /**
     * Idle connections to a hub, made until the hub's descriptors are all in use.
     */
    private static final class Descriptors
    {
        private static final long SETTLED_MS = 100;

        private final HubProcess hub;
        private final Path fdDirectory;
        private final List<SocketChannel> plain = new ArrayList<>();
        private final List<SocketChannel> greeted = new ArrayList<>();

        Descriptors(final HubProcess hub)
        {
            this.hub = hub;
            this.fdDirectory = Path.of("/proc", String.valueOf(hub.child.process.pid()), "fd");
        }

        /**
         * Use up the hub's descriptors exactly: learn what a connection with and without a hello costs the
         * hub, then add (or drop) connections so that the free count reaches 0.
         */
        void exhaust() throws Exception
        {
            int free = FD_LIMIT - settledCount();
            connect(false);
            final int plainCost = free - (FD_LIMIT - settledCount());
            free -= plainCost;
            connect(true);
            final int greetedCost = free - (FD_LIMIT - settledCount());
            free -= greetedCost;
            assertTrue(plainCost > 0 && greetedCost >= plainCost, "costs " + plainCost + ", " + greetedCost);
            while (free > 0)
            {
                // a hello needs a descriptor for a moment beyond what it keeps: never the last step
                if (free - greetedCost >= plainCost && reachable(free - greetedCost, plainCost, greetedCost))
                {
                    connect(true);
                    free -= greetedCost;
                }
                else if (free >= plainCost && reachable(free - plainCost, plainCost, greetedCost))
                {
                    connect(false);
                    free -= plainCost;
                }
                else
                {
                    plain.remove(0).close(); // a remainder no mix reaches: give back one connection's worth
                    free += plainCost;
                }
                assertEquals(FD_LIMIT - free, settledCount(), "the hub's descriptors as planned");
            }
        }

        /**
         * Whether {@code free} descriptors can be used up by some mix of connections of cost {@code a},
         * the last of them, and {@code b}.
         */
        private static boolean reachable(final int free, final int a, final int b)
        {
            for (int withB = 0; withB * b <= free; withB++)
            {
                if ((free - withB * b) % a == 0)
                {
                    return true;
                }
            }
            return false;
        }

        /**
         * The hub's open descriptors once they stopped changing for {@value #SETTLED_MS} ms.
         */
        private int settledCount() throws Exception
        {
            int last = count();
            long stableSince = System.nanoTime();
            final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (System.nanoTime() - stableSince < TimeUnit.MILLISECONDS.toNanos(SETTLED_MS))
            {
                assertTrue(System.nanoTime() - deadline < 0, "the hub's descriptors never settled");
                hub.assertAlive();
                final int now = count();
                if (now != last)
                {
                    last = now;
                    stableSince = System.nanoTime();
                }
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1));
            }
            return last;
        }

        private int count() throws IOException
        {
            try (Stream<Path> fds = Files.list(fdDirectory))
            {
                return (int)fds.count();
            }
        }

        /**
         * One more idle connection, with or without a hello.
         */
        void connect(final boolean hello) throws IOException
        {
            final SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX);
            channel.connect(UnixDomainSocketAddress.of(hub.directory.resolve(HubDirectory.SOCKET_FILE)));
            if (hello)
            {
                final long pid = (1L << 42) + greeted.size();
                final ByteBuffer frame = ByteBuffer.allocate(4 + Protocol.MIN_REQUEST_LENGTH + 8).order(Protocol.ORDER);
                frame.putInt(Protocol.MIN_REQUEST_LENGTH + 8).putInt(Protocol.OP_HELLO).putLong(0).putInt((int)pid)
                    .putInt((int)(pid >>> 32)).flip();
                channel.write(frame);
                greeted.add(channel);
            }
            else
            {
                plain.add(channel);
            }
        }

        void closeAll() throws IOException
        {
            for (final SocketChannel channel : plain)
            {
                channel.close();
            }
            for (final SocketChannel channel : greeted)
            {
                channel.close();
            }
        }
    }

    private static boolean canOpen(final Path dir)
    {
        try (Evtchn handle = Evtchn.open(dir))
        {
            return handle.domid() > 0;
        }
        catch (final EvtchnException ex)
        {
            return false;
        }
    }

    @Test
    void h5_onAFullDiskOnlyTheBindThatNeedsRoomFailsWithEnospc() throws Exception
    {
        final Path mount = Files.createDirectories(tmp.resolve("small"));
        Assumptions.assumeTrue(mountSmallTmpfs(mount), "cannot mount a tmpfs here (needs root): skipped");
        try (HubProcess hub = HubProcess.start(mount.resolve("hub"));
            Evtchn a = SeparateDomains.open(hub.directory);
            Evtchn b = SeparateDomains.open(hub.directory))
        {
            final int pa = a.bindUnboundPort(b.domid());
            final int pb = b.bindInterdomain(a.domid(), pa);
            assertEquals(pb, b.awaitPending(10, TimeUnit.SECONDS));
            b.unmask(pb);
            final int[] held = new int[RING_BEFORE_NEW_PAGE - 1];
            for (int i = 0; i < held.length; i++)
            {
                held[i] = b.bindUnboundPort(0); // b's ring grows to 512 ports, on the pages it reserved so far
            }
            fillDisk(mount.resolve("filler"));

            final EvtchnException full = assertThrows(EvtchnException.class, () -> b.bindUnboundPort(0));
            assertEquals(Errno.ENOSPC, full.errno(), full.getMessage());
            assertEquals(1, hub.counter(HubCounter.ERRORS), "only the refused bind was counted: " + hub.counters());
            for (int i = 0; i < 20; i++) // b keeps its handle and its ports, and both ends keep talking
            {
                a.notify(pa);
                assertEquals(pb, b.awaitPending(10, TimeUnit.SECONDS));
                b.unmask(pb);
            }
            assertEquals(2, hub.counter(HubCounter.HANDLES), "both handles are still attached");
            b.unbind(held[0]);
            assertTrue(b.bindUnboundPort(0) > 0, "a bind that needs no new room still works");
            Files.delete(mount.resolve("filler"));
            assertTrue(b.bindUnboundPort(0) > 0, "with room again the ring grows");
            hub.assertAliveAndStopsOnSigterm();
        }
        finally
        {
            new ProcessBuilder("umount", "-l", mount.toString()).inheritIO().start().waitFor(30, TimeUnit.SECONDS);
        }
    }

    private static boolean mountSmallTmpfs(final Path mount) throws Exception
    {
        final Process process = new ProcessBuilder("mount", "-t", "tmpfs", "-o", "size=1m,mode=0700", "tmpfs",
            mount.toString()).redirectErrorStream(true).start();
        process.getInputStream().transferTo(System.err);
        return process.waitFor(30, TimeUnit.SECONDS) && process.exitValue() == 0;
    }

    private static void fillDisk(final Path filler) throws IOException
    {
        final byte[] block = new byte[4096];
        try (RandomAccessFile file = new RandomAccessFile(filler.toFile(), "rw"))
        {
            while (true)
            {
                file.write(block);
            }
        }
        catch (final IOException ex)
        {
            assertTrue(String.valueOf(ex.getMessage()).contains("No space"), "the disk is full: " + ex);
        }
    }
}

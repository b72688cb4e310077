package dev.evring.bench.mechanism;

import io.aeron.driver.MediaDriver;
import io.aeron.driver.ThreadingMode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The driver arrangement {@code aeron-ipc} and {@code aeron-udp} share with the bridge: no driver thread
 * (a 2-core machine has no CPU for one), term buffers pre-touched, no storage checks in the timed spans.
 */
class AeronPingPongTest
{
    @Test
    void theDriverRunsInTheCallersLoopWithPreTouchedTerms(@TempDir final Path directory)
    {
        final MediaDriver.Context context = AeronPingPong.driverContext(directory.resolve("aeron"));

        assertEquals(ThreadingMode.INVOKER, context.threadingMode());
        assertFalse(context.termBufferSparseFile(), "terms are pre-touched");
        assertFalse(context.performStorageChecks());
        assertEquals(AeronPingPong.TERM_LENGTH, context.publicationTermBufferLength());
        assertEquals(AeronPingPong.TERM_LENGTH, context.ipcTermBufferLength());
        assertTrue(context.dirDeleteOnShutdown(), "nothing is left in the run directory");
    }

    @Test
    void aFreeUdpPortCanBeBound() throws IOException
    {
        final int port = AeronPingPong.freeUdpPort("127.0.0.1");

        assertTrue(port > 0 && port < 65536, "port " + port);
        try (DatagramSocket socket = new DatagramSocket(port, InetAddress.getByName("127.0.0.1")))
        {
            assertEquals(port, socket.getLocalPort());
        }
    }

    @Test
    void launchedWithThisContextTheDriverHasAnInvokerAndNoThread(@TempDir final Path directory)
    {
        final Set<Thread> before = Thread.getAllStackTraces().keySet();
        try (MediaDriver driver = MediaDriver.launch(AeronPingPong.driverContext(directory.resolve("aeron"))))
        {
            assertTrue(driver.sharedAgentInvoker() != null, "the caller runs the driver's duty cycle");
            final Set<Thread> started = new HashSet<>(Thread.getAllStackTraces().keySet());
            started.removeAll(before);
            // the driver's executor for slow tasks (name resolution) sleeps on its queue: no duty cycle
            started.removeIf(thread -> thread.getName().equals("aeron-executor"));
            assertEquals(Set.of(), started, "no driver agent thread was started");
        }
        assertFalse(directory.resolve("aeron").toFile().exists(), "the driver's directory is removed on close");
    }
}

package dev.evring.cli.hub;

import dev.evring.bridge.BridgeCounter;
import dev.evring.bridge.BridgeKey;
import dev.evring.bridge.BridgeMap;
import dev.evring.bridge.EvtchnBridge;
import dev.evring.cli.EvringCommand;
import dev.evring.evtchn.EvtchnHub;
import dev.evring.evtchn.HubConfig;
import dev.evring.evtchn.HubCounter;
import dev.evring.evtchn.HubCounters;
import dev.evring.ring.ChildJvm;
import io.aeron.driver.MediaDriver;
import io.aeron.driver.ThreadingMode;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code evring hub --bridge-*} as real processes on loopback, and {@code evring stat} reading the bridge's
 * counters (B7) and domid map (B1) from a third process.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class BridgedHubCommandTest
{
    private static final long DEADLINE_NS = TimeUnit.SECONDS.toNanos(60);

    @TempDir
    Path tmp;

    private final List<Process> started = new ArrayList<>();

    @AfterEach
    void stopHubs() throws InterruptedException
    {
        for (final Process process : started)
        {
            process.destroyForcibly();
            process.waitFor(30, TimeUnit.SECONDS);
        }
    }

    @Test
    void b1_b7_twoBridgedHubProcessesShowTheirCountersAndDomidMapToStat() throws Exception
    {
        final Path key = BridgeKey.generate(tmp.resolve("bridge.key"));
        final int portA = freeUdpPort();
        final int portB = freeUdpPort();
        final Path dirA = tmp.resolve("a");
        final Path dirB = tmp.resolve("b");
        final Process a = hub(dirA, "--host-name", "alpha", "--bridge-listen", "127.0.0.1:" + portA,
            "--bridge-peer", "beta=127.0.0.1:" + portB, "--bridge-key", key.toString());
        final Process b = hub(dirB, "--host-name", "beta", "--bridge-listen", "127.0.0.1:" + portB,
            "--bridge-peer", "alpha=127.0.0.1:" + portA, "--bridge-key", key.toString(),
            "--bridge-idle", "yield", "--bridge-driver", "shared"); // the other modes, end to end
        assertEquals("evtchn hub ready dir=" + dirA + " pid=" + a.pid() + " bridge=alpha@127.0.0.1:" + portA, readyLine(a));
        assertEquals("evtchn hub ready dir=" + dirB + " pid=" + b.pid() + " bridge=beta@127.0.0.1:" + portB, readyLine(b));
        awaitPeersUp(dirA);
        awaitPeersUp(dirB);

        final List<String> stat = StatMain.run("--dir", dirA.toString(), "--once");

        assertTrue(stat.stream().anyMatch(line -> line.strip().equals(BridgeCounter.PEERS_UP.label() + ": 1")), stat.toString());
        for (final BridgeCounter counter : BridgeCounter.values())
        {
            assertTrue(stat.stream().anyMatch(line -> line.strip().startsWith(counter.label() + ": ")), counter + " in " + stat);
        }
        assertTrue(stat.contains("bridge alpha listening on 127.0.0.1:" + portA + ", peer timeout 2000 ms"), stat.toString());
        assertTrue(stat.contains("local domids 0..2047 = alpha's own domains"), stat.toString());
        assertTrue(stat.contains("peer beta at 127.0.0.1:" + portB + ": domids 2048..4095 = beta:0..2047 (up)"), stat.toString());

        b.destroy(); // SIGTERM: the hub stops its bridge and removes its files
        assertTrue(b.waitFor(60, TimeUnit.SECONDS));
        assertEquals(143, b.exitValue());
        assertFalse(Files.exists(EvtchnBridge.aeronDirectory(dirB)), "the driver's directory is removed");
        assertFalse(Files.exists(dirB.resolve(HubCounters.FILE_NAME)), "the hub's files are removed");
        awaitMapLine(dirA, "peer beta at 127.0.0.1:" + portB + ": domids 2048..4095 = beta:0..2047 (down)");
    }

    private static void awaitMapLine(final Path hubDirectory, final String line) throws IOException
    {
        final long deadline = System.nanoTime() + DEADLINE_NS;
        try (HubCounters counters = HubCounters.map(hubDirectory))
        {
            List<String> map;
            while (!(map = BridgeMap.read(counters.reader()).lines()).contains(line))
            {
                if (System.nanoTime() - deadline > 0)
                {
                    throw new AssertionError("no '" + line + "' in the map of " + hubDirectory + ": " + map);
                }
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(10));
            }
        }
    }

    @Test
    void b1_aHubKilledWithItsBridgeLeavesNoMapForTheHubThatFollows() throws Exception
    {
        final Path key = BridgeKey.generate(tmp.resolve("bridge.key"));
        final Path dir = tmp.resolve("again");
        final int port = freeUdpPort();
        final Process killed = hub(dir, "--host-name", "gone", "--bridge-listen", "127.0.0.1:" + port,
            "--bridge-peer", "other=127.0.0.1:" + freeUdpPort(), "--bridge-key", key.toString());
        readyLine(killed);
        awaitMapLine(dir, "bridge gone listening on 127.0.0.1:" + port + ", peer timeout 2000 ms");
        killed.destroyForcibly();
        assertTrue(killed.waitFor(60, TimeUnit.SECONDS));
        try (EvtchnHub hub = EvtchnHub.start(HubConfig.directory(dir)))
        {
            final List<String> stat = StatMain.run("--dir", hub.directory().toString(), "--once");
            assertFalse(stat.stream().anyMatch(line -> line.contains("gone")), stat.toString());
            assertTrue(stat.stream().anyMatch(line -> line.strip().startsWith(HubCounter.HANDLES.label() + ": ")), stat.toString());
        }
    }

    @Test
    void badBridgeOptionsAreOneLineAndANonZeroExit() throws IOException
    {
        final Path key = BridgeKey.generate(tmp.resolve("k"));
        assertUsage("--bridge-peer", "b=127.0.0.1:4000", "--bridge-key", key.toString());
        assertUsage("--bridge-listen", "127.0.0.1:4000");
        assertUsage("--bridge-listen", "127.0.0.1:70000", "--bridge-key", key.toString());
        assertUsage("--bridge-listen", "127.0.0.1:x", "--bridge-key", key.toString());
        assertUsage("--bridge-listen", "4000", "--bridge-key", key.toString(), "--bridge-peer", "nameless");
        assertUsage("--bridge-listen", "4000", "--bridge-key", key.toString(), "--bridge-peer", "b=no.such.host.invalid:4000");
        assertUsage("--bridge-listen", "4000", "--bridge-key", key.toString(), "--host-name", "bad name");
        assertUsage("--bridge-listen", "4000", "--bridge-key", key.toString(), "--bridge-timeout-ms", "0");
        assertUsage("--bridge-listen", "4000", "--bridge-key", key.toString(), "--bridge-idle", "nap");
        assertUsage("--bridge-listen", "4000", "--bridge-key", key.toString(), "--bridge-driver", "threads");
        assertUsage("--bridge-listen", "4000", "--bridge-key", key.toString(), "--bridge-aeron-dir", " ");
        assertUsage("--bridge-aeron-dir", tmp.toString());
    }

    @Test
    void b5_aHubBridgedThroughAnExternalMediaDriverComesUpAndLeavesTheDriversDirectory() throws Exception
    {
        final Path key = BridgeKey.generate(tmp.resolve("bridge.key"));
        final int portA = freeUdpPort();
        final int portB = freeUdpPort();
        final Path aeronDir = tmp.resolve("external.aeron");
        try (MediaDriver driver = MediaDriver.launch(new MediaDriver.Context().aeronDirectoryName(aeronDir.toString())
            .threadingMode(ThreadingMode.SHARED).dirDeleteOnShutdown(true)))
        {
            final Path dirA = tmp.resolve("xa");
            final Path dirB = tmp.resolve("xb");
            final Process a = hub(dirA, "--host-name", "alpha", "--bridge-listen", "127.0.0.1:" + portA,
                "--bridge-peer", "beta=127.0.0.1:" + portB, "--bridge-key", key.toString(),
                "--bridge-aeron-dir", aeronDir.toString());
            final Process b = hub(dirB, "--host-name", "beta", "--bridge-listen", "127.0.0.1:" + portB,
                "--bridge-peer", "alpha=127.0.0.1:" + portA, "--bridge-key", key.toString());
            readyLine(a);
            readyLine(b);
            awaitMapLine(dirA, "peer beta at 127.0.0.1:" + portB + ": domids 2048..4095 = beta:0..2047 (up)");
            awaitMapLine(dirB, "peer alpha at 127.0.0.1:" + portA + ": domids 2048..4095 = alpha:0..2047 (up)");
            assertFalse(Files.exists(EvtchnBridge.aeronDirectory(dirA)), "no embedded driver for a");

            a.destroy();
            assertTrue(a.waitFor(60, TimeUnit.SECONDS));
            assertEquals(143, a.exitValue());
            assertTrue(Files.isDirectory(aeronDir), "the external driver's directory is not the hub's to remove");
            awaitMapLine(dirB, "peer alpha at 127.0.0.1:" + portA + ": domids 2048..4095 = alpha:0..2047 (down)");
            b.destroy();
            assertTrue(b.waitFor(60, TimeUnit.SECONDS));
        }
    }

    @Test
    void aKeyFileOpenToOthersStopsTheHubWithOneLine() throws Exception
    {
        final Path key = BridgeKey.generate(tmp.resolve("open.key"));
        Files.setPosixFilePermissions(key, PosixFilePermissions.fromString("rw-r--r--"));
        final Process hub = hub(tmp.resolve("h"), "--bridge-listen", "127.0.0.1:" + freeUdpPort(), "--bridge-key",
            key.toString());

        final String err = new String(hub.getErrorStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        assertTrue(hub.waitFor(60, TimeUnit.SECONDS));
        assertEquals(1, hub.exitValue(), err);
        assertEquals(1, err.lines().count(), err);
        assertTrue(err.startsWith("evring hub: ") && err.contains("chmod 600"), err);
        assertFalse(Files.exists(tmp.resolve("h")) && Files.list(tmp.resolve("h")).findAny().isPresent(),
            "the hub removed its files");
    }

    private void assertUsage(final String... bridgeArgs)
    {
        final List<String> args = new ArrayList<>(List.of("--dir", tmp.resolve("never").toString()));
        args.addAll(List.of(bridgeArgs));
        final ByteArrayOutputStream err = new ByteArrayOutputStream();
        final PrintStream saved = System.err;
        final int exit;
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
        try
        {
            exit = new CommandLine(new HubCommand()).execute(args.toArray(String[]::new));
        }
        finally
        {
            System.setErr(saved);
        }
        final String text = err.toString(StandardCharsets.UTF_8).strip();
        assertNotEquals(0, exit, args.toString());
        assertEquals(1, text.lines().count(), args + ": " + text);
        assertTrue(text.startsWith("evring hub: "), text);
        assertFalse(Files.exists(tmp.resolve("never")), "no hub was started for " + args);
    }

    private Process hub(final Path directory, final String... bridgeArgs) throws IOException
    {
        final List<String> args = new ArrayList<>(List.of("hub", "--dir", directory.toString()));
        args.addAll(List.of(bridgeArgs));
        final Process process = ChildJvm.processBuilder(EvringCommand.class, args.toArray(String[]::new))
            .redirectError(ProcessBuilder.Redirect.PIPE).start();
        started.add(process);
        return process;
    }

    private static String readyLine(final Process hub) throws IOException
    {
        final String line = new BufferedReader(new InputStreamReader(hub.getInputStream(), StandardCharsets.UTF_8))
            .readLine();
        if (line == null)
        {
            throw new AssertionError("the hub ended before it was ready: "
                + new String(hub.getErrorStream().readAllBytes(), StandardCharsets.UTF_8));
        }
        return line;
    }

    private static void awaitPeersUp(final Path hubDirectory) throws IOException
    {
        final long deadline = System.nanoTime() + DEADLINE_NS;
        try (HubCounters counters = HubCounters.map(hubDirectory))
        {
            while (counters.snapshot().getOrDefault(BridgeCounter.PEERS_UP.label(), 0L) != 1)
            {
                if (System.nanoTime() - deadline > 0)
                {
                    throw new AssertionError("the peer of " + hubDirectory + " is not up: " + counters.snapshot());
                }
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(10));
            }
        }
    }


    private static int freeUdpPort() throws IOException
    {
        try (DatagramSocket socket = new DatagramSocket(0, InetAddress.getLoopbackAddress()))
        {
            return socket.getLocalPort();
        }
    }
}

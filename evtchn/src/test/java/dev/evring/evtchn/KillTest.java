package dev.evring.evtchn;

import dev.evring.ring.Errno;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Real processes killed with SIGKILL ({@code Process.destroyForcibly()}): a client, then a hub.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class KillTest
{
    private static final long PROMPTLY_MS = 1000;

    @TempDir
    Path tmp;

    private static long handleFiles(final Path dir) throws Exception
    {
        try (Stream<Path> files = Files.list(dir))
        {
            return files.filter(f -> f.getFileName().toString().matches("h\\d+\\..*")).count();
        }
    }

    private static void assertErrno(final Errno expected, final org.junit.jupiter.api.function.Executable call)
    {
        assertEquals(expected, assertThrows(EvtchnException.class, call).errno());
    }

    @Test
    void killedClientLosesItsPortsRemoteEndsGoBackToUnboundAndNoFilesRemain() throws Exception
    {
        try (EvtchnHub hub = EvtchnHub.start(HubConfig.directory(tmp.resolve("hub")));
            Evtchn dom0 = hub.openLocal();
            Child client = Child.start(PeerMain.class, hub.directory().toString()))
        {
            final int domid = Integer.parseInt(client.expect("DOMID", 60_000));
            final int local = dom0.bindUnboundPort(domid);
            client.send("bind 0 " + local);
            final int remote = Integer.parseInt(client.expect("PORT", 30_000));
            client.send("alloc 0");
            final int unbound = Integer.parseInt(client.expect("PORT", 30_000));
            assertEquals(PortKind.INTERDOMAIN, hub.portStatus(local).kind());
            assertEquals(2, handleFiles(hub.directory()));
            assertEquals(2, hub.handleCount());

            client.kill();
            final long start = System.nanoTime();
            Conditions.await("the killed client's handle is released", PROMPTLY_MS, () -> hub.handleCount() == 1
                && hub.portStatus(local).kind() == PortKind.UNBOUND && handleFiles(hub.directory()) == 0);
            final long tookMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            assertEquals(domid, hub.portStatus(local).remoteDomain(), "waiting for the dead domain again");
            assertEquals(PortKind.FREE, hub.portStatus(remote).kind());
            assertEquals(PortKind.FREE, hub.portStatus(unbound).kind());
            assertTrue(tookMs <= PROMPTLY_MS, "released in " + tookMs + " ms");
            dom0.notify(local); // still works, dropped on the unbound port
        }
    }

    @Test
    void killedHubFailsEveryBlockedAndNewCallWithEnodevPromptlyAndANewHubCanStart() throws Exception
    {
        final Path dir = tmp.resolve("hub");
        final Child hub = Child.start(EvtchnHubMain.class, "--dir", dir.toString());
        try (hub;
            Child peer = startAfterReady(hub, dir);
            Evtchn a = Evtchn.open(dir);
            Evtchn b = Evtchn.open(dir))
        {
            final int pa = a.bindUnboundPort(b.domid());
            final int pb = b.bindInterdomain(a.domid(), pa);
            assertEquals(pb, b.awaitPending(10, TimeUnit.SECONDS));
            peer.expect("DOMID", 60_000);
            peer.send("block");
            peer.expect("BLOCKING", 30_000);
            final AtomicReference<Throwable> blocked = new AtomicReference<>();
            final Thread reader = new Thread(() ->
            {
                try
                {
                    b.awaitPending(60, TimeUnit.SECONDS);
                    blocked.set(new AssertionError("returned"));
                }
                catch (final Throwable ex)
                {
                    blocked.set(ex);
                }
            });
            reader.start();
            Conditions.await("the reader blocks", () -> Conditions.asleep(reader));

            hub.kill();
            final long start = System.nanoTime();
            reader.join(PROMPTLY_MS);
            assertFalse(reader.isAlive(), "the blocked call failed within " + PROMPTLY_MS + " ms");
            assertEquals(Errno.ENODEV, assertInstanceOf(EvtchnException.class, blocked.get()).errno());
            assertEquals("ENODEV", peer.expect("FAILED", PROMPTLY_MS));
            assertErrno(Errno.ENODEV, b::pending);
            assertErrno(Errno.ENODEV, () -> a.notify(pa));
            assertErrno(Errno.ENODEV, () -> a.unmask(pa));
            assertErrno(Errno.ENODEV, () -> a.bindUnboundPort(0));
            assertErrno(Errno.ENODEV, () -> b.read(new int[4], 0, 4));
            assertErrno(Errno.ENODEV, () -> Evtchn.open(dir));
            assertTrue(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start) < 5 * PROMPTLY_MS);
            peer.send("exit");
            assertTrue(peer.process.waitFor(30, TimeUnit.SECONDS));
            assertEquals(0, peer.process.exitValue(), "the client JVM did not crash");

            try (Child second = Child.start(EvtchnHubMain.class, "--dir", dir.toString()))
            {
                second.expect("evtchn hub ready", 60_000);
                assertEquals(0, handleFiles(dir), "the dead hub's handle files were removed");
                try (Evtchn c = Evtchn.open(dir); Evtchn d = Evtchn.open(dir))
                {
                    final int pc = c.bindUnboundPort(d.domid());
                    final int pd = d.bindInterdomain(c.domid(), pc);
                    assertEquals(pd, d.awaitPending(10, TimeUnit.SECONDS));
                }
            }
            assertErrno(Errno.ENODEV, b::pending);
        }
    }

    private static Child startAfterReady(final Child hub, final Path dir) throws Exception
    {
        hub.expect("evtchn hub ready", 60_000);
        return Child.start(PeerMain.class, dir.toString());
    }

    @Test
    void startingOverALiveHubIsEbusyAndOverADeadOneCleansUp() throws Exception
    {
        final Path dir = tmp.resolve("hub");
        try (Child hub = Child.start(EvtchnHubMain.class, "--dir", dir.toString()))
        {
            hub.expect("evtchn hub ready", 60_000);
            final Evtchn x = Evtchn.open(dir);
            x.bindUnboundPort(0);
            final EvtchnException busy = assertThrows(EvtchnException.class, () -> EvtchnHub.start(HubConfig.directory(dir)));
            assertEquals(Errno.EBUSY, busy.errno());
            assertTrue(busy.getMessage().contains("pid " + hub.process.pid()), busy.getMessage());
            hub.kill();
            assertEquals(2, handleFiles(dir), "the dead hub left its files");
            x.close();
            try (EvtchnHub fresh = EvtchnHub.start(HubConfig.directory(dir)))
            {
                assertEquals(0, handleFiles(dir), "the leftovers were removed");
                assertEquals(0, fresh.handleCount());
            }
            try (Stream<Path> left = Files.list(dir))
            {
                assertEquals(0, left.count(), "a hub that closes removes its files");
            }
        }
    }
}

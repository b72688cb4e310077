package dev.evring.lguest;

import dev.evring.evtchn.Evtchn;
import dev.evring.evtchn.EvtchnHub;
import dev.evring.evtchn.HubConfig;
import dev.evring.ring.ChildJvm;
import dev.evring.ring.Errno;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static dev.evring.lguest.LguestAssertions.assertErrno;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * L7 with an event channel as the target: a guest's notify of an attached address fires the remote end of
 * an interdomain port, in this JVM or another, without run returning.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class EvtchnPortTargetTest
{
    private static final long KICK = 0x3000;

    @TempDir
    Path dir;

    @Test
    void l7_aNotifyOfAnAddressAttachedToAnEvtchnPortFiresTheRemoteEnd() throws Exception
    {
        final int rounds = 300;
        try (EvtchnHub hub = EvtchnHub.start(HubConfig.directory(dir.resolve("hub")));
            Evtchn device = Evtchn.open(hub.directory());
            Evtchn backend = Evtchn.open(hub.directory()))
        {
            final int backendPort = backend.bindUnboundPort(device.domid());
            final int devicePort = device.bindInterdomain(backend.domid(), backendPort);
            assertEquals(devicePort, device.pending(), "a new interdomain port starts pending");
            device.unmask(devicePort);
            final EvtchnPortTarget target = new EvtchnPortTarget(device, devicePort);
            try (Lguest lguest = Guests.start(dir, Guests.KickThenReady.class, 1))
            {
                lguest.memory().putLong(Guests.COUNT, rounds);
                lguest.memory().putLong(Guests.ADDRESS, KICK);
                lguest.attachEventfd(KICK, target);
                assertEquals(1, target.attachments());
                for (int round = 1; round <= rounds; round++)
                {
                    assertEquals(Guests.READY, lguest.run(0).notifyAddress(), "the kick did not return from run");
                    assertEquals(backendPort, backend.awaitPending(10, TimeUnit.SECONDS), "round " + round);
                    backend.unmask(backendPort);
                    assertEquals(-1, backend.pending(), "one kick, one event");
                    assertEquals(round, target.signals());
                }
                assertTrue(lguest.run(0).deathReason().startsWith("shutdown"));
            }
            assertEquals(0, target.attachments(), "the device released the target");
            assertEquals(0, target.failures());
        }
    }

    @Test
    void l7_aGuestKickReachesABackendInAnotherJvmAndItsAnswerComesBack() throws Exception
    {
        final int rounds = 200;
        try (EvtchnHub hub = EvtchnHub.start(HubConfig.directory(dir.resolve("hub")));
            Evtchn device = Evtchn.open(hub.directory()))
        {
            final Process backend = ChildJvm.processBuilder(EvtchnBackend.class, hub.directory().toString(),
                Integer.toString(device.domid()), Integer.toString(rounds)).start();
            try
            {
                final BufferedReader out = new BufferedReader(
                    new InputStreamReader(backend.getInputStream(), StandardCharsets.UTF_8));
                final String[] line = CompletableFuture.supplyAsync(() ->
                {
                    try
                    {
                        return out.readLine().split(" ");
                    }
                    catch (final IOException ex)
                    {
                        throw new UncheckedIOException(ex);
                    }
                }).get(60, TimeUnit.SECONDS);
                final int devicePort = device.bindInterdomain(Integer.parseInt(line[0]), Integer.parseInt(line[1]));
                assertEquals(devicePort, device.pending(), "a new interdomain port starts pending");
                device.unmask(devicePort);
                try (Lguest lguest = Guests.start(dir, Guests.KickThenReady.class, 1))
                {
                    lguest.memory().putLong(Guests.COUNT, rounds);
                    lguest.memory().putLong(Guests.ADDRESS, KICK);
                    lguest.attachEventfd(KICK, new EvtchnPortTarget(device, devicePort));
                    for (int round = 1; round <= rounds; round++)
                    {
                        assertEquals(Guests.READY, lguest.run(0).notifyAddress());
                        assertEquals(devicePort, device.awaitPending(30, TimeUnit.SECONDS), "answer " + round);
                        device.unmask(devicePort);
                    }
                }
                backend.getOutputStream().close();
                assertTrue(backend.waitFor(30, TimeUnit.SECONDS));
                assertEquals(0, backend.exitValue(), "the backend saw every kick");
            }
            finally
            {
                backend.destroyForcibly();
            }
        }
    }

    @Test
    void aNotifyTheHubRefusesIsReturnedFromRunAndAClosedHandleIsEbadf() throws Exception
    {
        try (EvtchnHub hub = EvtchnHub.start(HubConfig.directory(dir.resolve("hub")));
            Evtchn device = Evtchn.open(hub.directory());
            Evtchn backend = Evtchn.open(hub.directory());
            Lguest lguest = Guests.start(dir, Guests.KickThenReady.class, 1))
        {
            final int backendPort = backend.bindUnboundPort(device.domid());
            final int devicePort = device.bindInterdomain(backend.domid(), backendPort);
            final EvtchnPortTarget target = new EvtchnPortTarget(device, devicePort);
            lguest.memory().putLong(Guests.COUNT, 1);
            lguest.memory().putLong(Guests.ADDRESS, KICK);
            lguest.attachEventfd(KICK, target);
            device.unbind(devicePort);

            assertEquals(KICK, lguest.run(0).notifyAddress(), "the refused notify came back to the launcher");
            assertEquals(1, target.failures());
            assertEquals(Errno.ENOTCONN, target.lastFailure().errno());

            final Evtchn closed = Evtchn.open(hub.directory());
            final int port = closed.bindUnboundPort(backend.domid());
            closed.close();
            assertErrno(Errno.EBADF, () -> lguest.attachEventfd(KICK + 8, new EvtchnPortTarget(closed, port)));
            assertErrno(Errno.EBADF, () -> lguest.attachEventfd(KICK + 8, new EvtchnPortTarget(device, 0)));
        }
    }
}

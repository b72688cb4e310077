package dev.evring.evtchn;

import dev.evring.ring.Errno;
import org.agrona.concurrent.BusySpinIdleStrategy;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A hub that hangs without dying (a real hub JVM stopped with SIGSTOP) fails its handles with ETIMEDOUT
 * within their hub timeout; a hub that is merely idle does not.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class HubLivenessTest
{
    private static final Duration HUB_TIMEOUT = Duration.ofSeconds(1);
    private static final long PROMPTLY_MS = 10_000; // the hub timeout plus slack for a loaded machine

    @TempDir
    Path tmp;

    private static void signal(final String signal, final long pid) throws Exception
    {
        final Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(pid)).inheritIO().start();
        assertTrue(kill.waitFor(30, TimeUnit.SECONDS) && kill.exitValue() == 0, "kill -" + signal + " " + pid);
    }

    private static void assertErrno(final Errno expected, final Executable call)
    {
        final EvtchnException ex = assertThrows(EvtchnException.class, call);
        assertEquals(expected, ex.errno(), ex.getMessage());
    }

    private static CompletableFuture<Integer> awaitInBackground(final Evtchn handle, final CountDownLatch started)
    {
        final CompletableFuture<Integer> result = new CompletableFuture<>();
        final Thread thread = new Thread(() ->
        {
            try
            {
                started.countDown();
                result.complete(handle.awaitPending(120, TimeUnit.SECONDS));
            }
            catch (final Throwable ex)
            {
                result.completeExceptionally(ex);
            }
        }, "awaiting-" + handle.domid());
        thread.setDaemon(true);
        thread.start();
        return result;
    }

    private static EvtchnException failureOf(final CompletableFuture<?> call) throws Exception
    {
        final ExecutionException ex = assertThrows(ExecutionException.class,
            () -> call.get(PROMPTLY_MS, TimeUnit.MILLISECONDS), "the blocked call failed promptly");
        return assertInstanceOf(EvtchnException.class, ex.getCause());
    }

    @Test
    void e23_stoppedHubFailsBlockedAndNewCallsWithEtimedoutWithinTheHubTimeout() throws Exception
    {
        final Path dir = tmp.resolve("hub");
        final HandleOptions options = HandleOptions.defaults().hubTimeout(HUB_TIMEOUT);
        final HandleOptions spinning = options.idleStrategy(BusySpinIdleStrategy::new).spinBeforeSleep(Duration.ofMinutes(1));
        try (Child hub = Child.start(EvtchnHubMain.class, "--dir", dir.toString()))
        {
            hub.expect("evtchn hub ready", 60_000);
            final long pid = hub.process.pid();
            try (Evtchn sleeper = Evtchn.open(dir, options);
                Evtchn spinner = SeparateDomains.open(dir, spinning);
                Evtchn controller = SeparateDomains.open(dir, options))
            {
                final int port = sleeper.bindUnboundPort(Evtchn.DOMID_SELF);
                spinner.bindUnboundPort(Evtchn.DOMID_SELF);
                final CountDownLatch started = new CountDownLatch(2);
                final CompletableFuture<Integer> slept = awaitInBackground(sleeper, started);
                final CompletableFuture<Integer> spun = awaitInBackground(spinner, started);
                assertTrue(started.await(30, TimeUnit.SECONDS));

                signal("STOP", pid);
                try
                {
                    final long start = System.nanoTime();
                    final CompletableFuture<Integer> control = CompletableFuture.supplyAsync(() ->
                    {
                        try
                        {
                            return controller.bindUnboundPort(Evtchn.DOMID_SELF); // waits for a reply that never comes
                        }
                        catch (final EvtchnException ex)
                        {
                            throw new CompletionException(ex);
                        }
                    });
                    for (final CompletableFuture<?> call : List.of(slept, spun))
                    {
                        final EvtchnException failure = failureOf(call);
                        assertEquals(Errno.ETIMEDOUT, failure.errno(), failure.getMessage());
                        assertTrue(failure.getMessage().contains("pid " + pid), failure.getMessage());
                    }
                    final ExecutionException controlFailure = assertThrows(ExecutionException.class,
                        () -> control.get(PROMPTLY_MS, TimeUnit.MILLISECONDS));
                    assertEquals(Errno.ETIMEDOUT, assertInstanceOf(EvtchnException.class, controlFailure.getCause()).errno());
                    final long tookMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
                    assertTrue(tookMs >= HUB_TIMEOUT.toMillis() / 2, "not before the heartbeat could have moved: " + tookMs);

                    assertErrno(Errno.ETIMEDOUT, sleeper::pending);
                    assertErrno(Errno.ETIMEDOUT, () -> sleeper.notify(port));
                    assertErrno(Errno.ETIMEDOUT, () -> sleeper.awaitPending(1, TimeUnit.SECONDS));
                    assertErrno(Errno.ETIMEDOUT, () -> spinner.bindUnboundPort(0));
                    assertErrno(Errno.ETIMEDOUT, () -> Evtchn.open(dir, options)); // the stopped hub never says welcome
                    final long closeStart = System.nanoTime();
                    sleeper.close();
                    spinner.close();
                    assertTrue(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - closeStart) < PROMPTLY_MS,
                        "closing handles of a stopped hub does not wait for it");
                }
                finally
                {
                    signal("CONT", pid);
                }
            }
            hub.kill();
        }
    }

    @Test
    void idleHubIsNotMistakenForAStoppedOne() throws Exception
    {
        try (EvtchnHub hub = EvtchnHub.start(HubConfig.directory(tmp.resolve("hub")));
            Evtchn dom0 = hub.openLocal();
            Evtchn handle = SeparateDomains.open(hub.directory(), HandleOptions.defaults().hubTimeout(HandleOptions.MIN_HUB_TIMEOUT)))
        {
            final int remote = handle.bindUnboundPort(EvtchnHub.HUB_DOMID);
            final int local = dom0.bindInterdomain(handle.domid(), remote);
            assertEquals(local, dom0.awaitPending(10, TimeUnit.SECONDS));
            final long waitMs = 4 * HandleOptions.MIN_HUB_TIMEOUT.toMillis();
            assertEquals(-1, handle.awaitPending(waitMs, TimeUnit.MILLISECONDS), "nothing fired, and the hub is alive");
            dom0.notify(local);
            assertEquals(remote, handle.awaitPending(10, TimeUnit.SECONDS));
        }
    }

    @Test
    void hubTimeoutBelowTheMinimumIsRefused()
    {
        assertThrows(IllegalArgumentException.class, () -> HandleOptions.defaults().hubTimeout(Duration.ofMillis(100)));
        assertThrows(IllegalArgumentException.class, () -> HandleOptions.defaults().spinBeforeSleep(Duration.ofNanos(-1)));
    }
}

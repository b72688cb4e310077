package dev.evring.evtchn;

import dev.evring.ring.Errno;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Closing a handle while other threads are inside its calls. The non-blocking calls are not counted (they
 * cost no atomic instruction), so close does not wait for them: it leaves the handle's rings mapped for
 * the handle's {@link HandleOptions#ringLinger() linger}, and a call already past its closed check
 * finishes on a ring that is still mapped. No call reads an unmapped ring (which would crash the JVM) or
 * a closed one, every call either completes or fails with EBADF, and none fails in any other way. One
 * thread polls and unmasks, one notifies, and the test thread closes, a thousand times. The rings of a
 * closed handle are unmapped once its linger is over, and in close itself when the linger is zero.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
final class CloseWhileCallsInFlightTest
{
    private static final int ROUNDS = 1_000;
    private static final long CALLS_BEFORE_CLOSE = 200;

    @TempDir
    Path dir;

    @Test
    void callsInFlightAtCloseNeverCrashAndLaterCallsFailWithEbadf() throws Exception
    {
        final ExecutorService threads = Executors.newFixedThreadPool(2);
        try (EvtchnHub hub = EvtchnHub.start(HubConfig.directory(dir.resolve("hub")));
            Evtchn dom0 = hub.openLocal())
        {
            for (int round = 0; round < ROUNDS; round++)
            {
                runRound(hub, dom0, threads, round);
            }
        }
        finally
        {
            threads.shutdownNow();
            assertTrue(threads.awaitTermination(10, TimeUnit.SECONDS));
        }
    }

    private static void runRound(final EvtchnHub hub, final Evtchn dom0, final ExecutorService threads,
        final int round) throws Exception
    {
        // the owner opens the handle and polls it; another thread notifies through it; this one closes it
        final CompletableFuture<Evtchn> opened = new CompletableFuture<>();
        final CompletableFuture<Integer> bound = new CompletableFuture<>();
        final AtomicLong ownerCalls = new AtomicLong();
        final AtomicLong otherCalls = new AtomicLong();
        final CompletableFuture<Errno> ownerEnd = CompletableFuture.supplyAsync(() ->
        {
            try
            {
                final Evtchn handle = SeparateDomains.open(hub.directory());
                opened.complete(handle);
                final int port = bound.get(10, TimeUnit.SECONDS);
                while (true)
                {
                    if (handle.pending() == port)
                    {
                        handle.unmask(port);
                    }
                    ownerCalls.incrementAndGet();
                }
            }
            catch (final EvtchnException ex)
            {
                return ex.errno();
            }
            catch (final Exception ex)
            {
                opened.completeExceptionally(ex);
                throw new IllegalStateException("round " + round + ": the owner's call failed with " + ex, ex);
            }
        }, threads);
        final Evtchn handle = opened.get(10, TimeUnit.SECONDS);
        final int dom0Port = dom0.bindUnboundPort(handle.domid());
        final int port = handle.bindInterdomain(EvtchnHub.HUB_DOMID, dom0Port);
        bound.complete(port);
        final CompletableFuture<Errno> otherEnd = CompletableFuture.supplyAsync(() ->
        {
            try
            {
                while (true)
                {
                    handle.notify(port);
                    otherCalls.incrementAndGet();
                }
            }
            catch (final EvtchnException ex)
            {
                return ex.errno();
            }
        }, threads);
        awaitCalls(ownerCalls, otherCalls, ownerEnd, otherEnd, round);
        handle.close();
        final List<Errno> ends = new ArrayList<>();
        ends.add(ownerEnd.get(10, TimeUnit.SECONDS));
        ends.add(otherEnd.get(10, TimeUnit.SECONDS));
        assertEquals(List.of(Errno.EBADF, Errno.EBADF), ends, "round " + round + ": calls after close");
        dom0.unbind(dom0Port);
        while (dom0.pending() >= 0)
        {
            Thread.onSpinWait(); // drain the notifies of this round
        }
    }

    @Test
    void ringsOfAClosedHandleStayMappedForItsLingerThenAreUnmapped() throws Exception
    {
        final Duration linger = Duration.ofSeconds(2);
        final Path hubDir = dir.resolve("hub");
        try (Child hub = Child.start(EvtchnHubMain.class, "--dir", hubDir.toString()))
        {
            hub.expect("evtchn hub ready", 60_000);
            final Evtchn handle = openWithMappedRings(hubDir, linger);
            final long closedAt = System.nanoTime();
            handle.close();
            // the hub runs in the child: every mapping of its ring files in this JVM is the handle's
            assertEquals(2, ringMappings(hubDir), "the rings stay mapped right after close");
            Conditions.await("the rings of the closed handle unmapped", () -> ringMappings(hubDir) == 0);
            assertTrue(System.nanoTime() - closedAt >= linger.toNanos(), "the rings were unmapped before the linger");
        }
    }

    @Test
    void ringsOfAClosedHandleWithoutLingerAreUnmappedInClose() throws Exception
    {
        final Path hubDir = dir.resolve("hub");
        try (Child hub = Child.start(EvtchnHubMain.class, "--dir", hubDir.toString()))
        {
            hub.expect("evtchn hub ready", 60_000);
            final Evtchn handle = openWithMappedRings(hubDir, Duration.ZERO);
            handle.close();
            assertEquals(0, ringMappings(hubDir), "the rings are unmapped when close returns");
        }
    }

    /**
     * Open a handle and bind a port, so that it maps both its rings (the hub makes the event ring at the
     * first bind).
     */
    private static Evtchn openWithMappedRings(final Path hubDir, final Duration linger) throws Exception
    {
        final Evtchn handle = Evtchn.open(hubDir, HandleOptions.defaults().ringLinger(linger));
        handle.bindUnboundPort(Evtchn.DOMID_SELF);
        assertEquals(2, ringMappings(hubDir), "the handle maps its event and request rings");
        return handle;
    }

    /**
     * The mappings in this JVM of the ring files in a hub's directory (a ring of a closed handle is
     * unlinked, so the kernel lists it with a "(deleted)" suffix).
     */
    private static long ringMappings(final Path hubDir) throws Exception
    {
        try (Stream<String> maps = Files.lines(Path.of("/proc/self/maps")))
        {
            return maps.filter(line -> line.contains(hubDir.toString())
                && (line.contains(".events") || line.contains(".requests"))).count();
        }
    }

    private static void awaitCalls(final AtomicLong ownerCalls, final AtomicLong otherCalls,
        final CompletableFuture<Errno> ownerEnd, final CompletableFuture<Errno> otherEnd, final int round)
    {
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (ownerCalls.get() < CALLS_BEFORE_CLOSE || otherCalls.get() < CALLS_BEFORE_CLOSE)
        {
            if (ownerEnd.isDone() || otherEnd.isDone())
            {
                fail("round " + round + ": a caller stopped before close: " + ownerEnd + ", " + otherEnd);
            }
            if (System.nanoTime() - deadline > 0)
            {
                fail("round " + round + ": the callers made only " + ownerCalls + " and " + otherCalls + " calls");
            }
            Thread.onSpinWait();
        }
    }
}

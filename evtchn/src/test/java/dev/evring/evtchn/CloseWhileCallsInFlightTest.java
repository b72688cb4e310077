package dev.evring.evtchn;

import dev.evring.ring.Errno;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Closing a handle while other threads are inside its calls: close unmaps the handle's rings only once
 * the calls in flight have left, so no call reads an unmapped ring (which would crash the JVM) or a closed
 * one, every call either completes or fails with EBADF, and none fails in any other way. One thread
 * polls and unmasks, one notifies, and the test thread closes, a thousand times.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
final class CloseWhileCallsInFlightTest
{
    private static final int ROUNDS = 1_000;
    private static final long CALLS_BEFORE_CLOSE = 200;

    @TempDir
    Path dir;

    @Test
    void closeWaitsForCallsInFlightAndLaterCallsFailWithEbadf() throws Exception
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

package dev.evring.bridge;

import dev.evring.evtchn.Evtchn;
import dev.evring.evtchn.EvtchnException;
import dev.evring.evtchn.HubConfig;
import dev.evring.evtchn.RequestPolling;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;

import static dev.evring.bridge.Bridges.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Bridges in {@link BridgeDutyCycle#INVOKER} mode: no bridge thread; the test's own threads run the duty
 * cycles with {@link EvtchnBridge#doWork()} (and the hubs' request polling through their local handles), the
 * arrangement of the {@code evtchn-bridge} benchmark.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class BridgeInvokerTest
{
    private static final Duration UP_TIMEOUT = Bridges.TIMEOUT.multipliedBy(10);

    @TempDir
    Path tmp;

    private final List<AutoCloseable> resources = new ArrayList<>();

    @AfterEach
    void stop() throws Exception
    {
        for (int i = resources.size() - 1; i >= 0; i--)
        {
            resources.get(i).close();
        }
    }

    /**
     * Hubs a and b (request polling by their handles) with invoker-mode bridges.
     */
    private Bridges.Host[] hosts(final Duration peerTimeout) throws Exception
    {
        final Path key = BridgeKey.generate(tmp.resolve("bridge.key"));
        final int portA = Bridges.freePort();
        final int portB = Bridges.freePort();
        final Bridges.Host a = host("a", Bridges.config("a", portA, "b", portB, key).peerTimeout(peerTimeout));
        final Bridges.Host b = host("b", Bridges.config("b", portB, "a", portA, key).peerTimeout(peerTimeout));
        return new Bridges.Host[] {a, b};
    }

    private Bridges.Host host(final String name, final BridgeConfig config) throws Exception
    {
        final Bridges.Host host = Bridges.host(
            HubConfig.directory(tmp.resolve(name)).requestPolling(RequestPolling.INVOKER),
            config.dutyCycle(BridgeDutyCycle.INVOKER));
        resources.add(host);
        return host;
    }

    private Invoker invoke(final EvtchnBridge bridge)
    {
        final Invoker invoker = new Invoker(bridge);
        resources.add(invoker);
        return invoker;
    }

    /**
     * The peer's loop of the benchmark: spin on the handle, running the bridge's duty cycle between looks.
     */
    private static int spin(final Evtchn handle, final EvtchnBridge bridge) throws EvtchnException
    {
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        int fired;
        while ((fired = handle.pending()) < 0)
        {
            if (System.nanoTime() - deadline > 0)
            {
                throw new IllegalStateException("nothing fired in 10 s on " + bridge + ": sent "
                    + bridge.counter(BridgeCounter.NOTIFIES_SENT) + ", received "
                    + bridge.counter(BridgeCounter.NOTIFIES_RECEIVED) + ", lost "
                    + bridge.counter(BridgeCounter.PEERS_LOST));
            }
            bridge.doWork();
        }
        return fired;
    }

    private static void spinUntil(final AtomicInteger flag, final EvtchnBridge bridge)
    {
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (flag.get() == 0)
        {
            if (System.nanoTime() - deadline > 0)
            {
                throw new IllegalStateException("the other side did not answer in 20 s: " + bridge);
            }
            bridge.doWork();
        }
    }

    private static Set<Thread> bridgeThreads()
    {
        return Thread.getAllStackTraces().keySet().stream().filter(t -> t.getName().startsWith("evring-bridge-"))
            .collect(Collectors.toSet());
    }

    @Test
    void b3_roundTripsBetweenBridgesInvokedFromTheCallersThreadsLoseNoWakeUp() throws Exception
    {
        final Set<Thread> before = bridgeThreads();
        final Bridges.Host[] hosts = hosts(Bridges.TIMEOUT);
        final Bridges.Host a = hosts[0];
        final Bridges.Host b = hosts[1];
        assertTrue(before.containsAll(bridgeThreads()), "an invoker-mode bridge starts no thread");
        final int rounds = 20_000;
        final AtomicInteger published = new AtomicInteger();
        final AtomicInteger bound = new AtomicInteger();
        final AtomicInteger done = new AtomicInteger();
        final AtomicReference<Throwable> failure = new AtomicReference<>();
        final Thread ponger = new Thread(() ->
        {
            try (Evtchn xb = b.hub().openLocal())
            {
                assertTrue(b.bridge().awaitUp("a", UP_TIMEOUT), "b sees a up, running its own cycles");
                spinUntil(published, b.bridge());
                // the bind waits for a's answer, running b's cycles meanwhile
                final int pb = xb.bindInterdomain(b.bridge().domidOf("a", 0), published.get());
                assertEquals(pb, spin(xb, b.bridge()), "E3: the new port is left pending");
                xb.unmask(pb);
                bound.set(pb);
                for (int i = 0; i < rounds; i++)
                {
                    assertEquals(pb, spin(xb, b.bridge()), "round " + i);
                    xb.unmaskAndNotify(pb);
                }
                spinUntil(done, b.bridge()); // the last echo goes out in a cycle after its notify
            }
            catch (final Throwable ex)
            {
                failure.set(ex);
            }
        }, "ponger");
        ponger.start();
        try (Evtchn xa = a.hub().openLocal())
        {
            assertTrue(a.bridge().awaitUp("b", UP_TIMEOUT), "a sees b up, running its own cycles");
            final int pa = xa.bindUnboundPort(a.bridge().domidOf("b", 0));
            published.set(pa);
            spinUntil(bound, a.bridge());
            for (int i = 0; i < rounds; i++)
            {
                xa.unmaskAndNotify(pa);
                assertEquals(pa, spin(xa, a.bridge()), "B3: round " + i);
            }
            xa.unmask(pa);
            done.set(1);
        }
        catch (final Throwable ex)
        {
            ponger.join(TimeUnit.SECONDS.toMillis(30));
            if (failure.get() != null)
            {
                ex.addSuppressed(failure.get());
            }
            throw ex;
        }
        ponger.join(TimeUnit.SECONDS.toMillis(30));
        assertNull(failure.get(), () -> "the ponger failed: " + failure.get());
        assertFalse(ponger.isAlive());
        assertEquals(rounds, b.bridge().counter(BridgeCounter.NOTIFIES_RECEIVED));
        assertEquals(0, a.bridge().counter(BridgeCounter.PEERS_LOST), "nobody was lost");
    }

    @Test
    void b5_invokedRegularlyAPeerStaysUpAndOneThatStopsInvokingIsLostThenComesBack() throws Exception
    {
        final Duration timeout = Duration.ofSeconds(1);
        final Bridges.Host[] hosts = hosts(timeout);
        final Bridges.Host a = hosts[0];
        final Bridges.Host b = hosts[1];
        invoke(a.bridge());
        Invoker invokerB = invoke(b.bridge());
        assertTrue(a.bridge().isUp("b") || a.bridge().awaitUp("b", UP_TIMEOUT), "a sees b up");
        assertTrue(b.bridge().awaitUp("a", UP_TIMEOUT), "b sees a up");
        try (Evtchn xa = a.hub().openLocal(); Evtchn xb = b.hub().openLocal())
        {
            final int pa = xa.bindUnboundPort(a.bridge().domidOf("b", 0));
            final int pb = xb.bindInterdomain(b.bridge().domidOf("a", 0), pa);
            assertEquals(pb, xb.awaitPending(10, TimeUnit.SECONDS), "E3: the new port is left pending");
            // three timeouts of regular invocation: heartbeats keep both sides up
            final long quietUntil = System.nanoTime() + 3 * timeout.toNanos();
            while (System.nanoTime() - quietUntil < 0)
            {
                assertTrue(a.bridge().isUp("b") && b.bridge().isUp("a"), "B5: invoked bridges stay up");
                Thread.onSpinWait();
            }
            assertEquals(0, a.bridge().counter(BridgeCounter.PEERS_LOST));
            assertFalse(Bridges.unbound(a.hub(), pa), "a's end still connected");

            invokerB.close(); // b's program stops invoking: to a, b is dead
            final long stopped = System.nanoTime();
            await("B5: a loses b, which stopped invoking", 10_000, () -> !a.bridge().isUp("b"));
            final long lostAfterMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - stopped);
            assertTrue(lostAfterMs >= timeout.toMillis() / 2,
                "lost after the timeout (less the last heartbeat's age), not before: " + lostAfterMs + " ms");
            assertTrue(Bridges.unbound(a.hub(), pa), "B5: a's end of the channel is back to unbound");
            assertEquals(1, a.bridge().counter(BridgeCounter.CHANNELS_LOST));

            invokerB = invoke(b.bridge()); // b's program invokes again: a new handshake, and new binds work
            assertTrue(a.bridge().awaitUp("b", UP_TIMEOUT), "b comes back");
            assertTrue(b.bridge().awaitUp("a", UP_TIMEOUT), "a comes back for b");
            final int again = xa.bindUnboundPort(a.bridge().domidOf("b", 0));
            final int local = xb.bindInterdomain(b.bridge().domidOf("a", 0), again);
            assertEquals(local, xb.awaitPending(10, TimeUnit.SECONDS), "a bind after the comeback works");
        }
    }

    @Test
    void b5_closeWhileTwoThreadsInvokeWaitsForTheCycleAndLaterCallsDoNothing() throws Exception
    {
        final Bridges.Host[] hosts = hosts(Bridges.TIMEOUT);
        final Bridges.Host a = hosts[0];
        final Bridges.Host b = hosts[1];
        final Invoker first = invoke(a.bridge());
        final Invoker second = invoke(a.bridge()); // cycles stay one at a time: the other call returns 0
        invoke(b.bridge());
        assertTrue(a.bridge().awaitUp("b", UP_TIMEOUT), "a sees b up");
        assertTrue(b.bridge().awaitUp("a", UP_TIMEOUT), "b sees a up");
        final int pa;
        try (Evtchn xa = a.hub().openLocal(); Evtchn xb = b.hub().openLocal())
        {
            pa = xa.bindUnboundPort(a.bridge().domidOf("b", 0));
            final int pb = xb.bindInterdomain(b.bridge().domidOf("a", 0), pa);
            assertEquals(pb, xb.awaitPending(10, TimeUnit.SECONDS));
            xb.unmask(pb);
            final long cycles = first.calls.get() + second.calls.get();
            await("both threads invoking", 10_000, () -> first.calls.get() + second.calls.get() > cycles + 1000);

            a.bridge().close(); // while both threads run cycles
            assertFalse(Files.exists(EvtchnBridge.aeronDirectory(a.hub().directory())), "the driver closed");
            final long firstCalls = first.calls.get();
            final long secondCalls = second.calls.get();
            await("both invokers past the call they made during close", 10_000,
                () -> first.calls.get() > firstCalls + 1 && second.calls.get() > secondCalls + 1);
            final long after = first.work.get() + second.work.get();
            final long calls = first.calls.get() + second.calls.get();
            await("the invokers go on calling", 10_000, () -> first.calls.get() + second.calls.get() > calls + 1000);
            assertEquals(after, first.work.get() + second.work.get(), "doWork after close does nothing");
            assertNull(first.failure.get());
            assertNull(second.failure.get());
            assertEquals(-1, a.bridge().counter(BridgeCounter.PEERS_UP), "closed");
            await("B5: b loses a, closed under its invokers, and its end goes back to unbound", 10_000,
                () -> !b.bridge().isUp("a") && Bridges.unbound(b.hub(), pb));
        }
    }

    @Test
    void doWorkIsRefusedToABridgeThatRunsItsOwnThread() throws Exception
    {
        final Path key = BridgeKey.generate(tmp.resolve("bridge.key"));
        final Bridges.Host a = Bridges.host(tmp.resolve("a"), Bridges.config("a", Bridges.freePort(), "b", 1, key));
        resources.add(a);
        assertEquals(BridgeDutyCycle.BRIDGE_THREAD, a.bridge().config().dutyCycle(), "the default");
        assertThrows(IllegalStateException.class, a.bridge()::doWork);
        assertFalse(bridgeThreads().isEmpty(), "it runs its own thread");
    }

    /**
     * A test thread that runs a bridge's duty cycle until closed, counting its calls and the work done.
     */
    private static final class Invoker implements AutoCloseable
    {
        private final AtomicBoolean running = new AtomicBoolean(true);
        private final AtomicLong calls = new AtomicLong();
        private final AtomicLong work = new AtomicLong();
        private final AtomicReference<Throwable> failure = new AtomicReference<>();
        private final Thread thread;

        Invoker(final EvtchnBridge bridge)
        {
            thread = new Thread(() ->
            {
                try
                {
                    while (running.get())
                    {
                        work.addAndGet(bridge.doWork());
                        calls.incrementAndGet();
                        Thread.yield();
                    }
                }
                catch (final Throwable ex)
                {
                    failure.set(ex);
                }
            }, "invoker of " + bridge.hostName());
            thread.start();
        }

        @Override
        public void close() throws InterruptedException
        {
            running.set(false);
            thread.join(TimeUnit.SECONDS.toMillis(10));
            assertFalse(thread.isAlive(), "the invoker ended");
            assertNull(failure.get(), () -> "the invoker failed: " + failure.get());
        }
    }
}

package dev.evring.evtchn;

import dev.evring.ring.Errno;
import dev.evring.ring.PortRing;
import org.agrona.IoUtil;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A hub in {@link RequestPolling#INVOKER} mode: no request thread; the requests of a consumer in another
 * JVM take effect only when {@link EvtchnHub#pollRequests()} runs or a local handle waits.
 */
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class InvokerHubTest
{
    private static final int ROUNDS = 10_000;
    private static final String REQUEST_THREAD = "evtchn-hub-requests";

    @TempDir
    Path tmp;

    private HubConfig invoker()
    {
        return HubConfig.directory(tmp.resolve("hub")).requestPolling(RequestPolling.INVOKER);
    }

    private static void assertNoRequestThread()
    {
        assertFalse(Thread.getAllStackTraces().keySet().stream().anyMatch(t -> t.getName().equals(REQUEST_THREAD)),
            "an invoker hub starts no request thread");
    }

    /**
     * Connect a consumer JVM's handle to a new unbound port of domain 0; returns {domid, local, remote}.
     */
    private static int[] connect(final Evtchn dom0, final Child consumer) throws Exception
    {
        final int domid = Integer.parseInt(consumer.expect("DOMID", 60_000));
        final int local = dom0.bindUnboundPort(domid);
        consumer.send("bind 0 " + local);
        final int remote = Integer.parseInt(consumer.expect("PORT", 30_000));
        return new int[] {domid, local, remote};
    }

    @Test
    void requestsOfAnotherJvmTakeEffectOnlyWhenTheInvokerRuns() throws Exception
    {
        try (EvtchnHub hub = EvtchnHub.start(invoker());
            Evtchn dom0 = hub.openLocal();
            Child consumer = Child.start(PeerMain.class, hub.directory().toString()))
        {
            final int[] ids = connect(dom0, consumer); // the consumer unmasks its port after the bind
            final int local = ids[1];
            final int remote = ids[2];
            consumer.send("notify " + remote);
            consumer.expect("NOTIFIED", 30_000);
            final Path requestsFile = hub.directory().resolve(HubHandle.requestsFileName(hub.handleIdOf(ids[0])));
            try (PortRing requests = PortRing.open(requestsFile))
            {
                awaitHeartbeats(hub, 2); // the hub's other threads ran for a heartbeat period at least
                assertEquals(2, requests.size(), "the unmask and the notify wait in the request ring");
                assertTrue(hub.portStatus(local).enabled(), "domain 0's port has not fired");

                assertEquals(2, hub.pollRequests(), "one duty cycle applies both words");
                assertEquals(0, requests.size());
                assertFalse(hub.portStatus(local).enabled(), "fired into domain 0's ring, masked until unmasked");
                assertEquals(local, dom0.pending());
                dom0.unmask(local);
                assertEquals(0, hub.pollRequests(), "nothing left to apply");

                consumer.send("notify " + remote);
                consumer.expect("NOTIFIED", 30_000);
                assertEquals(1, requests.size());
                assertEquals(local, dom0.awaitPending(10, TimeUnit.SECONDS), "the waiting local handle applies it");
                dom0.unmask(local);

                consumer.send("notify " + remote);
                consumer.expect("NOTIFIED", 30_000);
                Conditions.await("pending() on domain 0's empty ring applies the notify", () -> dom0.pending() == local);
                assertEquals(-1, dom0.pending(), "delivered once");
            }
            assertEquals(0, hub.counter(HubCounter.ERRORS));
            assertNoRequestThread();
            consumer.send("exit");
            assertEquals(0, consumer.process.waitFor());
        }
    }

    @Test
    void aHandleWhoseRequestRingIsFullWaitsForRoomInsteadOfOverflowing() throws Exception
    {
        try (EvtchnHub hub = EvtchnHub.start(invoker().requestRingCapacity(2));
            Evtchn dom0 = hub.openLocal();
            Evtchn client = Evtchn.open(hub.directory()))
        {
            final int local = dom0.bindUnboundPort(client.domid());
            final int remote = client.bindInterdomain(EvtchnHub.HUB_DOMID, local);
            assertEquals(remote, client.pending(), "a new channel starts pending");
            client.unmask(remote);
            client.unmask(remote); // two words: the ring is full while nobody polls
            final CompletableFuture<Void> notified = CompletableFuture.runAsync(() ->
            {
                try
                {
                    client.notify(remote);
                }
                catch (final EvtchnException ex)
                {
                    throw new CompletionException(ex);
                }
            });
            final Path requestsFile = hub.directory().resolve(HubHandle.requestsFileName(hub.handleIdOf(client.domid())));
            try (PortRing requests = PortRing.open(requestsFile))
            {
                awaitHeartbeats(hub, 1);
                assertFalse(notified.isDone(), "the third post waits for room");
                assertEquals(2, requests.size());
                assertFalse(requests.overflowed(), "a full request ring is not an overflow");

                int applied = hub.pollRequests(); // 2, or 3 if the notify went in while the cycle read on
                assertTrue(applied >= 2, "applied " + applied);
                notified.get(10, TimeUnit.SECONDS);
                applied += hub.pollRequests();
                assertEquals(3, applied, "the notify went in once there was room");
                assertFalse(hub.portStatus(local).enabled(), "and fired domain 0's port");
            }
            assertEquals(0, hub.counter(HubCounter.ERRORS));
            assertEquals(-1, client.pending(), "the client is still attached");
        }
    }

    @Test
    void pollRequestsIsRefusedOnAHubWithARequestThread() throws Exception
    {
        try (EvtchnHub hub = EvtchnHub.start(HubConfig.directory(tmp.resolve("hub"))))
        {
            assertEquals(RequestPolling.POLLER_THREAD, hub.config().requestPolling(), "the default");
            final IllegalStateException refused = assertThrows(IllegalStateException.class, hub::pollRequests);
            assertTrue(refused.getMessage().contains("RequestPolling.INVOKER"), refused.getMessage());
        }
    }

    @Test
    void crossJvmPingPongDrivenOnlyByDomain0sWaitsDeliversEveryNotifyOncePerUnmask() throws Exception
    {
        // domain 0 must not sleep while it is the hub's only invoker: it polls for the whole wait
        final HandleOptions polling = HandleOptions.defaults().spinBeforeSleep(Duration.ofSeconds(60));
        try (EvtchnHub hub = EvtchnHub.start(invoker());
            Evtchn dom0 = hub.openLocal(polling);
            Child consumer = Child.start(PeerMain.class, hub.directory().toString()))
        {
            final int[] ids = connect(dom0, consumer);
            final int local = ids[1];
            final long delivered = hub.counter(HubCounter.DELIVERED);
            consumer.send("pong " + ROUNDS);
            final long start = System.nanoTime();
            for (int i = 0; i < ROUNDS; i++)
            {
                dom0.notify(local);
                final int fired = i % 2 == 0 ? dom0.awaitPending(30, TimeUnit.SECONDS) : spinOnPending(dom0);
                assertEquals(local, fired, "round " + i);
                assertEquals(-1, dom0.pending(), "round " + i + ": delivered twice before unmask");
                dom0.unmask(local);
            }
            final String[] done = consumer.expect("DONE", 60_000).split(" ");
            assertEquals(ROUNDS, Integer.parseInt(done[0]), "the consumer received every ping");
            assertEquals(delivered + 2L * ROUNDS, hub.counter(HubCounter.DELIVERED), "nothing extra delivered");
            assertEquals(0, hub.counter(HubCounter.OVERFLOWS));
            assertEquals(0, hub.counter(HubCounter.ERRORS));
            assertNoRequestThread();
            System.out.println("invoker hub ping-pong: " + ROUNDS + " round trips in "
                + TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start) + " ms");
            consumer.send("exit");
            assertEquals(0, consumer.process.waitFor());
        }
    }

    private static int spinOnPending(final Evtchn dom0) throws Exception
    {
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        int fired;
        while ((fired = dom0.pending()) < 0 && System.nanoTime() - deadline < 0)
        {
            Thread.onSpinWait();
        }
        return fired;
    }

    @Test
    void killedClientLosesItsPortsWithNoInvokerRunning() throws Exception
    {
        try (EvtchnHub hub = EvtchnHub.start(invoker());
            Evtchn dom0 = hub.openLocal();
            Child consumer = Child.start(PeerMain.class, hub.directory().toString()))
        {
            final int[] ids = connect(dom0, consumer);
            final int local = ids[1];
            final int remote = ids[2];
            consumer.send("alloc 0");
            final int unbound = Integer.parseInt(consumer.expect("PORT", 30_000));
            assertEquals(2, handleFiles(hub.directory()));

            consumer.kill();
            Conditions.await("the killed client's handle is released", 5_000, () -> hub.handleCount() == 1
                && hub.portStatus(local).kind() == PortKind.UNBOUND && handleFiles(hub.directory()) == 0);
            assertEquals(ids[0], hub.portStatus(local).remoteDomain(), "waiting for the dead domain again");
            assertEquals(PortKind.FREE, hub.portStatus(remote).kind());
            assertEquals(PortKind.FREE, hub.portStatus(unbound).kind());
            assertEquals(0, hub.pollRequests(), "the released handle's ring is no longer polled");
            dom0.notify(local); // still works, dropped on the unbound port
            assertNoRequestThread();
        }
    }

    @Test
    void closeEndsLocalAndRemoteWaitersAndAnInvokerLoopAndRemovesEveryFile() throws Exception
    {
        final EvtchnHub hub = EvtchnHub.start(invoker());
        final Path dir = hub.directory();
        final AtomicReference<Throwable> invokerFailure = new AtomicReference<>();
        final AtomicLong applied = new AtomicLong();
        final Thread invokerLoop = new Thread(() ->
        {
            try
            {
                while (!Thread.currentThread().isInterrupted())
                {
                    applied.addAndGet(hub.pollRequests());
                    Thread.onSpinWait();
                }
            }
            catch (final Throwable ex)
            {
                invokerFailure.set(ex);
            }
        }, "test-invoker");
        final AtomicReference<Throwable> localWait = new AtomicReference<>();
        try (Child consumer = Child.start(PeerMain.class, dir.toString()))
        {
            final Evtchn dom0 = hub.openLocal();
            connect(dom0, consumer);
            invokerLoop.start();
            Conditions.await("the invoker loop applies the consumer's unmask", () -> applied.get() >= 1);
            final Thread waiter = new Thread(() ->
            {
                try
                {
                    localWait.set(new AssertionError("returned " + dom0.awaitPending(60, TimeUnit.SECONDS)));
                }
                catch (final Throwable ex)
                {
                    localWait.set(ex);
                }
            }, "test-local-waiter");
            waiter.start();
            Conditions.await("domain 0 sleeps on its doorbell", () -> Conditions.asleep(waiter));
            consumer.send("block");
            consumer.expect("BLOCKING", 30_000);

            hub.close();
            assertEquals("ENODEV", consumer.expect("FAILED", 5_000), "the consumer's blocked wait fails");
            waiter.join(5_000);
            assertFalse(waiter.isAlive());
            assertEquals(Errno.ENODEV, assertInstanceOf(EvtchnException.class, localWait.get()).errno());
            assertEquals(0, hub.pollRequests(), "a closed hub has nothing to poll");
            invokerLoop.interrupt();
            invokerLoop.join(5_000);
            assertFalse(invokerLoop.isAlive());
            assertNull(invokerFailure.get(), "pollRequests next to close never fails");
            try (Stream<Path> left = Files.list(dir))
            {
                assertEquals(0, left.count(), "a hub that closes removes its files");
            }
            dom0.close();
            consumer.send("exit");
            assertEquals(0, consumer.process.waitFor());
        }
        finally
        {
            invokerLoop.interrupt();
            hub.close();
        }
    }

    private static long handleFiles(final Path dir) throws Exception
    {
        try (Stream<Path> files = Files.list(dir))
        {
            return files.filter(f -> f.getFileName().toString().matches("h\\d+\\..*")).count();
        }
    }

    /**
     * Wait until the hub's heartbeat (in its mark file) has changed a number of times.
     */
    private static void awaitHeartbeats(final EvtchnHub hub, final int changes) throws Exception
    {
        final MappedByteBuffer mapping = IoUtil.mapExistingFile(
            hub.directory().resolve(HubDirectory.MARK_FILE).toFile(), FileChannel.MapMode.READ_ONLY, "mark");
        try
        {
            final UnsafeBuffer mark = new UnsafeBuffer(mapping);
            final long[] last = {mark.getLongVolatile(HubDirectory.MARK_HEARTBEAT_OFFSET)};
            final int[] seen = {0};
            Conditions.await(changes + " heartbeats", () ->
            {
                final long now = mark.getLongVolatile(HubDirectory.MARK_HEARTBEAT_OFFSET);
                if (now != last[0])
                {
                    last[0] = now;
                    seen[0]++;
                }
                return seen[0] >= changes;
            });
        }
        finally
        {
            IoUtil.unmap(mapping);
        }
    }
}

package dev.evring.evtchn;

import dev.evring.ring.Errno;
import dev.evring.ring.PortRing;
import net.openhft.chronicle.core.io.AbstractCloseable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.UserPrincipal;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * SEMANTICS.md E1 to E24 against a hub in this JVM, through remote handles (socket and shared-memory
 * rings, as from another process) and in-process handles (domain 0).
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class EvtchnSemanticsTest
{
    /** No test here calls a handle while it closes: its rings are unmapped in close, and checked below. */
    private static final HandleOptions UNMAP_AT_CLOSE = HandleOptions.defaults().ringLinger(Duration.ZERO);

    @TempDir
    Path dir;

    private EvtchnHub hub;
    private final List<AutoCloseable> closeables = new ArrayList<>();

    @BeforeEach
    void startHub() throws Exception
    {
        AbstractCloseable.enableCloseableTracing();
        hub = EvtchnHub.start(HubConfig.directory(dir.resolve("hub")));
    }

    @AfterEach
    void stopHub() throws Exception
    {
        for (int i = closeables.size() - 1; i >= 0; i--)
        {
            closeables.get(i).close();
        }
        if (hub != null)
        {
            hub.close();
        }
        AbstractCloseable.assertCloseablesClosed(); // every ring of the hub and of its handles was closed
    }

    private Evtchn open() throws Exception
    {
        final Evtchn handle = SeparateDomains.open(hub.directory(), UNMAP_AT_CLOSE);
        closeables.add(handle);
        return handle;
    }

    private Evtchn openLocal() throws Exception
    {
        final Evtchn handle = hub.openLocal();
        closeables.add(handle);
        return handle;
    }

    private EvtchnHub restart(final HubConfig config) throws Exception
    {
        hub.close();
        hub = EvtchnHub.start(config);
        return hub;
    }

    private static void assertErrno(final Errno expected, final Executable call)
    {
        final EvtchnException ex = assertThrows(EvtchnException.class, call);
        assertEquals(expected, ex.errno(), ex.getMessage());
    }

    /** A channel from a to b: {a's port, b's port}; b's port was left pending and is consumed here. */
    private static int[] connect(final Evtchn a, final Evtchn b) throws Exception
    {
        final int pa = a.bindUnboundPort(b.domid());
        final int pb = b.bindInterdomain(a.domid(), pa);
        assertEquals(pb, b.awaitPending(10, TimeUnit.SECONDS));
        b.unmask(pb);
        return new int[] {pa, pb};
    }

    private void awaitEnabled(final int port) throws Exception
    {
        Conditions.await("port " + port + " enabled", () -> hub.portStatus(port).enabled());
    }

    // ---------------------------------------------------------------------------------------------
    // Binding
    // ---------------------------------------------------------------------------------------------

    @Test
    void e1_ringStartsEmptyGetsRoomFor64AtFirstBindAndDoublesNeverShrinks() throws Exception
    {
        final Evtchn a = open();
        assertEquals(0, a.ringCapacity());
        assertFalse(Files.exists(hub.directory().resolve(HubHandle.eventsFileName(1))), "no ring before a bind");
        final List<Integer> ports = new ArrayList<>();
        ports.add(a.bindUnboundPort(0));
        assertEquals(64, a.ringCapacity());
        while (ports.size() < 64)
        {
            ports.add(a.bindUnboundPort(0));
        }
        assertEquals(64, a.ringCapacity(), "64 bound ports fit in 64 slots");
        ports.add(a.bindUnboundPort(0));
        assertEquals(128, a.ringCapacity(), "the 65th bound port doubles the room");
        while (ports.size() < 129)
        {
            ports.add(a.bindUnboundPort(0));
        }
        assertEquals(256, a.ringCapacity());
        for (final int port : ports)
        {
            a.unbind(port);
        }
        assertEquals(256, a.ringCapacity(), "the ring never shrinks");

        final Evtchn local = openLocal();
        assertEquals(0, local.ringCapacity());
        local.bindUnboundPort(0);
        assertEquals(64, local.ringCapacity());
    }

    @Test
    void e2_portsStartEnabledAndPortZeroIsNeverHandedOut() throws Exception
    {
        final Evtchn a = open();
        final Evtchn local = openLocal();
        for (int i = 0; i < 100; i++)
        {
            final int port = (i % 2 == 0 ? a : local).bindUnboundPort(0);
            assertNotEquals(0, port);
            assertTrue(hub.portStatus(port).enabled(), "port " + port + " starts enabled");
        }
        assertEquals(PortKind.FREE, hub.portStatus(0).kind());
        assertErrno(Errno.EINVAL, () -> a.bindStatic(0));
        assertErrno(Errno.ENOTCONN, () -> a.unbind(0));
        assertErrno(Errno.ENOTCONN, () -> a.notify(0));
    }

    @Test
    void e3_bindInterdomainConnectsToUnboundPortForUsAndStartsPending() throws Exception
    {
        final Evtchn a = open();
        final Evtchn b = open();
        final Evtchn c = open();
        final int pa = a.bindUnboundPort(b.domid());
        assertEquals(PortKind.UNBOUND, hub.portStatus(pa).kind());
        assertEquals(b.domid(), hub.portStatus(pa).remoteDomain());
        assertErrno(Errno.EINVAL, () -> c.bindInterdomain(a.domid(), pa)); // unbound, but not for c
        final int pb = b.bindInterdomain(a.domid(), pa);
        assertEquals(pb, b.pending(), "the first pending() after bindInterdomain returns the new port");
        assertEquals(-1, b.pending());
        final PortStatus status = hub.portStatus(pb);
        assertEquals(PortKind.INTERDOMAIN, status.kind());
        assertEquals(a.domid(), status.remoteDomain());
        assertEquals(pa, status.remotePort());
        assertEquals(pb, hub.portStatus(pa).remotePort());
        assertErrno(Errno.EINVAL, () -> c.bindInterdomain(a.domid(), pa)); // connected already
        assertErrno(Errno.EINVAL, () -> b.bindInterdomain(a.domid(), pa));
        assertErrno(Errno.EINVAL, () -> c.bindInterdomain(a.domid(), 12345)); // no such port

        final int self = a.bindUnboundPort(Evtchn.DOMID_SELF);
        assertEquals(a.domid(), hub.portStatus(self).remoteDomain(), "DOMID_SELF means my own domain");
        final int loop = a.bindInterdomain(Evtchn.DOMID_SELF, self);
        assertEquals(loop, a.pending());

        final Evtchn local = openLocal();
        final int pl = local.bindUnboundPort(a.domid());
        final int pla = a.bindInterdomain(EvtchnHub.HUB_DOMID, pl);
        assertEquals(pla, a.awaitPending(10, TimeUnit.SECONDS));
    }

    @Test
    void e4_bindVirqInvalidIsEinvalTwiceIsEexistGlobalElsewhereIsEbusy() throws Exception
    {
        final Evtchn a = open();
        final Evtchn b = open();
        for (final int bad : new int[] {-1, 5, 14, 15, 24, 99})
        {
            assertErrno(Errno.EINVAL, () -> a.bindVirq(bad));
        }
        final int timer = a.bindVirq(Virq.TIMER);
        assertEquals(Virq.TIMER, hub.portStatus(timer).virq());
        assertErrno(Errno.EEXIST, () -> a.bindVirq(Virq.TIMER));
        b.bindVirq(Virq.TIMER); // per-domain: every domain may bind it
        a.bindVirq(Virq.CONSOLE);
        assertErrno(Errno.EEXIST, () -> a.bindVirq(Virq.CONSOLE));
        assertErrno(Errno.EBUSY, () -> b.bindVirq(Virq.CONSOLE));
        assertErrno(Errno.EBUSY, () -> openLocal().bindVirq(Virq.CONSOLE));
        final int arch = b.bindVirq(Virq.ARCH_0);
        assertTrue(hub.raiseVirq(a.domid(), Virq.ARCH_0), "a global virq goes to whoever holds it");
        assertEquals(arch, b.awaitPending(10, TimeUnit.SECONDS));
        final int debug = b.bindVirq(Virq.DEBUG);
        assertFalse(hub.raiseVirq(a.domid(), Virq.DEBUG), "a did not bind DEBUG");
        assertTrue(hub.raiseVirq(b.domid(), Virq.DEBUG));
        assertEquals(debug, b.awaitPending(10, TimeUnit.SECONDS));
        assertEquals(timer, a.awaitPending(10, TimeUnit.SECONDS), "VIRQ_TIMER ticks on its own");
    }

    @Test
    void e5_bindStaticBindsExistingPortAndUnbindOrCloseNeverFreesIt() throws Exception
    {
        final Evtchn a = open();
        final int port = hub.allocUnboundPort(a.domid(), EvtchnHub.HUB_DOMID);
        assertEquals(-1, hub.portStatus(port).holderDomid());
        a.bindStatic(port);
        assertEquals(a.domid(), hub.portStatus(port).holderDomid());
        assertTrue(hub.portStatus(port).staticBinding());
        assertErrno(Errno.EISCONN, () -> a.bindStatic(port));
        final int other = a.bindUnboundPort(0);
        assertErrno(Errno.EISCONN, () -> a.bindStatic(other));
        a.unbind(port);
        assertEquals(PortKind.UNBOUND, hub.portStatus(port).kind(), "unbind keeps a static port");
        a.bindStatic(port);
        assertErrno(Errno.EINVAL, () -> open().bindStatic(port)); // not a port of that domain

        final Evtchn local = hub.openLocal();
        final int dom0Port = hub.allocUnboundPort(EvtchnHub.HUB_DOMID, a.domid());
        local.bindStatic(dom0Port);
        final Evtchn second = openLocal();
        assertErrno(Errno.EBUSY, () -> second.bindStatic(dom0Port));
        local.close();
        assertEquals(PortKind.UNBOUND, hub.portStatus(dom0Port).kind(), "close keeps a static port");
        second.bindStatic(dom0Port);
        final int pa = a.bindInterdomain(EvtchnHub.HUB_DOMID, dom0Port);
        assertEquals(pa, a.awaitPending(10, TimeUnit.SECONDS));
        a.notify(pa);
        assertEquals(dom0Port, second.awaitPending(10, TimeUnit.SECONDS));
    }

    @Test
    void e6_bindThatFailsAfterAllocationFreesThePortUnlessStatic() throws Exception
    {
        restart(HubConfig.directory(dir.resolve("small-ring")).ringCapacityLimit(64));
        final Evtchn a = open();
        for (int i = 0; i < 64; i++)
        {
            a.bindUnboundPort(0);
        }
        final int allocated = hub.allocatedPorts();
        assertErrno(Errno.ENOMEM, () -> a.bindUnboundPort(0));
        assertErrno(Errno.ENOMEM, () -> a.bindVirq(Virq.DEBUG));
        assertEquals(allocated, hub.allocatedPorts(), "the ports allocated for failed binds were freed");
        final Evtchn b = open();
        final int pb = b.bindUnboundPort(a.domid());
        assertErrno(Errno.ENOMEM, () -> a.bindInterdomain(b.domid(), pb));
        assertEquals(PortKind.UNBOUND, hub.portStatus(pb).kind(), "the remote end is still waiting");
        assertEquals(allocated + 1, hub.allocatedPorts());
        final int staticPort = hub.allocUnboundPort(a.domid(), b.domid());
        assertErrno(Errno.ENOMEM, () -> a.bindStatic(staticPort));
        assertEquals(PortKind.UNBOUND, hub.portStatus(staticPort).kind(), "a static port is not freed");
        assertEquals(-1, hub.portStatus(staticPort).holderDomid());
    }

    @Test
    void e7_portsRunOutWithEnospcAndNothingLeaks() throws Exception
    {
        restart(HubConfig.directory(dir.resolve("few-ports")).maxPorts(16));
        final Evtchn a = open();
        final Evtchn b = open();
        final List<Integer> ports = new ArrayList<>();
        for (int i = 0; i < 15; i++)
        {
            ports.add(a.bindUnboundPort(b.domid()));
        }
        assertErrno(Errno.ENOSPC, () -> a.bindUnboundPort(0));
        assertErrno(Errno.ENOSPC, () -> b.bindInterdomain(a.domid(), ports.get(0)));
        assertErrno(Errno.ENOSPC, () -> b.bindVirq(Virq.DEBUG));
        assertEquals(15, hub.allocatedPorts());
        assertEquals(PortKind.UNBOUND, hub.portStatus(ports.get(0)).kind());
        a.unbind(ports.get(3));
        assertEquals(ports.get(3), b.bindUnboundPort(0), "the freed port is handed out again");
        assertErrno(Errno.ENOSPC, () -> a.bindUnboundPort(0));
        assertErrno(Errno.EINVAL, () -> a.unbind(16));
    }

    // ---------------------------------------------------------------------------------------------
    // Delivering
    // ---------------------------------------------------------------------------------------------

    @Test
    void e8_firedPortIsDisabledAndPushedAndOnlyEmptyToNonEmptyWakes() throws Exception
    {
        final Evtchn a = open();
        final Evtchn b = open();
        final int[] one = connect(a, b);
        final int[] two = connect(a, b);
        final AtomicInteger wakes = new AtomicInteger();
        b.onPending(wakes::incrementAndGet);
        a.notify(one[0]);
        Conditions.await("the listener fires for the first port", () -> wakes.get() == 1);
        assertFalse(hub.portStatus(one[1]).enabled(), "a delivered port is disabled");
        a.notify(two[0]);
        Conditions.await("the second port is delivered", () -> !hub.portStatus(two[1]).enabled());
        final int[] ports = new int[8];
        assertEquals(2, b.read(ports, 0, ports.length));
        assertEquals(Set.of(one[1], two[1]), Set.of(ports[0], ports[1]));
        assertEquals(1, wakes.get(), "a port landing in a non-empty ring wakes nobody");
        b.unmask(one[1]);
        awaitEnabled(one[1]);
        a.notify(one[0]);
        Conditions.await("the listener fires again after the ring was found empty", () -> wakes.get() == 2);
        assertEquals(one[1], b.pending());

        // a sleeper is woken by the doorbell: the hub rings it only for a sleeping handle
        final long wakeupsBefore = hub.counter(HubCounter.WAKEUPS);
        final AtomicInteger got = new AtomicInteger();
        final Thread sleeper = new Thread(() ->
        {
            try
            {
                got.set(b.awaitPending(30, TimeUnit.SECONDS));
            }
            catch (final Exception ex)
            {
                got.set(-2);
            }
        });
        sleeper.start();
        Conditions.await("the reader sleeps", () -> Conditions.asleep(sleeper));
        b.unmask(one[1]);
        awaitEnabled(one[1]);
        a.notify(one[0]);
        sleeper.join(30_000);
        assertEquals(one[1], got.get());
        assertTrue(hub.counter(HubCounter.WAKEUPS) > wakeupsBefore, "the sleeper was woken by a doorbell");
    }

    @Test
    void e9_portFiredWhileDisabledIsDeliveredExactlyOnceAfterUnmask() throws Exception
    {
        final Evtchn a = open();
        final Evtchn b = open();
        final int[] ch = connect(a, b);
        a.notify(ch[0]);
        assertEquals(ch[1], b.awaitPending(10, TimeUnit.SECONDS));
        final long requests = hub.counter(HubCounter.REQUESTS);
        for (int i = 0; i < 1000; i++)
        {
            a.notify(ch[0]);
        }
        Conditions.await("every notify was handled", () -> hub.counter(HubCounter.REQUESTS) >= requests + 1000);
        assertTrue(hub.portStatus(ch[1]).pending(), "the storm is folded into pending");
        assertTrue(hub.counter(HubCounter.COALESCED) >= 1000);
        assertEquals(-1, b.pending(), "nothing more while masked");
        b.unmask(ch[1]);
        assertEquals(ch[1], b.awaitPending(10, TimeUnit.SECONDS), "delivered once after unmask");
        assertFalse(hub.portStatus(ch[1]).pending());
        assertEquals(-1, b.pending(), "exactly once");

        // a storm never livelocks the reader
        final AtomicBoolean stop = new AtomicBoolean();
        final Thread storm = new Thread(() ->
        {
            try
            {
                while (!stop.get())
                {
                    a.notify(ch[0]);
                }
            }
            catch (final EvtchnException ex)
            {
                throw new IllegalStateException(ex);
            }
        });
        storm.start();
        try
        {
            b.unmask(ch[1]);
            for (int i = 0; i < 2000; i++)
            {
                assertEquals(ch[1], b.awaitPending(10, TimeUnit.SECONDS));
                assertEquals(-1, b.pending(), "never twice before unmask");
                b.unmask(ch[1]);
            }
        }
        finally
        {
            stop.set(true);
            storm.join();
        }
    }

    @Test
    void e10_portIsInTheRingAtMostOnceWithRacingDeliverers() throws Exception
    {
        restart(HubConfig.directory(dir.resolve("fast-timer")).timerPeriod(java.time.Duration.ofMillis(1)));
        final Evtchn a = open();
        final Evtchn a2 = open();
        final Evtchn b = open();
        final int[] ch = connect(a, b);
        final int[] ch2 = connect(a2, b);
        final int debug = b.bindVirq(Virq.DEBUG);
        final int timer = b.bindVirq(Virq.TIMER);
        final AtomicBoolean stop = new AtomicBoolean();
        final AtomicReference<Throwable> failure = new AtomicReference<>();
        final List<Thread> deliverers = new ArrayList<>();
        for (int t = 0; t < 4; t++)
        {
            final int which = t;
            deliverers.add(new Thread(() ->
            {
                try
                {
                    while (!stop.get())
                    {
                        switch (which)
                        {
                            case 0:
                            case 1:
                                a.notify(ch[0]);
                                break;
                            case 2:
                                a2.notify(ch2[0]);
                                break;
                            default:
                                hub.raiseVirq(b.domid(), Virq.DEBUG);
                                break;
                        }
                    }
                }
                catch (final Throwable ex)
                {
                    failure.set(ex);
                }
            }));
        }
        deliverers.forEach(Thread::start);
        final Set<Integer> masked = new HashSet<>();
        final int[] batch = new int[64];
        int taken = 0;
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        try
        {
            for (int round = 0; taken < 5000 && System.nanoTime() - deadline < 0; round++)
            {
                final int n = b.read(batch, 0, batch.length);
                for (int i = 0; i < n; i++)
                {
                    assertTrue(masked.add(batch[i]), "port " + batch[i] + " read twice before its unmask");
                }
                taken += n;
                if (n == 0 || round % 3 == 2)
                {
                    for (final int port : masked)
                    {
                        b.unmask(port);
                    }
                    masked.clear();
                }
            }
        }
        finally
        {
            stop.set(true);
            for (final Thread thread : deliverers)
            {
                thread.join();
            }
        }
        assertTrue(taken >= 5000, "only " + taken + " ports taken");
        assertEquals(null, failure.get());
        assertTrue(Set.of(ch[1], ch2[1], debug, timer).containsAll(masked));
        assertEquals(0, hub.counter(HubCounter.OVERFLOWS));
    }

    @Test
    void e11_fullRingOverflowsStickilyUntilReset() throws Exception
    {
        final Evtchn a = open();
        final Evtchn b = open();
        final List<int[]> channels = new ArrayList<>();
        for (int i = 0; i < 64; i++)
        {
            final int pa = a.bindUnboundPort(b.domid());
            channels.add(new int[] {pa, b.bindInterdomain(a.domid(), pa)});
        }
        assertEquals(64, b.ringCapacity());
        // 64 ports pending fill the ring; an unbound one leaves a dead slot, a new port then overflows it
        b.unbind(channels.get(0)[1]);
        final int pa = a.bindUnboundPort(b.domid());
        b.bindInterdomain(a.domid(), pa);
        assertEquals(64, b.ringCapacity());
        Conditions.await("the hub counted the overflow", () -> hub.counter(HubCounter.OVERFLOWS) == 1);
        assertEquals(PortRing.POLLERR, b.pollMask());
        assertErrno(Errno.EFBIG, () -> b.read(new int[8], 0, 8));
        assertErrno(Errno.EFBIG, b::pending);
        assertErrno(Errno.EFBIG, b::pending);
        b.reset();
        assertEquals(PortRing.POLLOUT, b.pollMask());
        assertEquals(0, b.read(new int[8], 0, 8));
    }

    // ---------------------------------------------------------------------------------------------
    // Reading and writing
    // ---------------------------------------------------------------------------------------------

    @Test
    void e12_readTakesAtMost1024EmptyIsZeroAndBlockingWaitTimesOutOrIsInterrupted() throws Exception
    {
        final Evtchn a = openLocal();
        final Evtchn b = open();
        for (int i = 0; i < 1500; i++)
        {
            final int pa = a.bindUnboundPort(b.domid());
            b.bindInterdomain(a.domid(), pa);
        }
        final int[] ports = new int[2000];
        assertEquals(1024, b.read(ports, 0, ports.length));
        assertEquals(0, b.read(ports, 0, 0));
        assertEquals(476, b.read(ports, 100, 1900));
        assertEquals(0, b.read(ports, 0, ports.length), "empty: 0, the kernel's EAGAIN");
        assertThrows(IndexOutOfBoundsException.class, () -> b.read(ports, 1990, 20));

        final long start = System.nanoTime();
        assertEquals(-1, b.awaitPending(200, TimeUnit.MILLISECONDS));
        assertTrue(System.nanoTime() - start >= TimeUnit.MILLISECONDS.toNanos(200));

        final AtomicReference<Throwable> outcome = new AtomicReference<>();
        final Thread waiter = new Thread(() ->
        {
            try
            {
                b.awaitPending(60, TimeUnit.SECONDS);
            }
            catch (final Throwable ex)
            {
                outcome.set(ex);
            }
        });
        waiter.start();
        Conditions.await("the waiter blocks", () -> Conditions.asleep(waiter));
        waiter.interrupt();
        waiter.join(10_000);
        assertTrue(outcome.get() instanceof InterruptedException, String.valueOf(outcome.get()));
    }

    @Test
    void e13_writeUnmasksHeldDisabledPortsIgnoresOthersAndReturnsCappedCount() throws Exception
    {
        final Evtchn a = open();
        final Evtchn b = open();
        final int[] ch = connect(a, b);
        a.notify(ch[0]);
        assertEquals(ch[1], b.awaitPending(10, TimeUnit.SECONDS));
        assertFalse(hub.portStatus(ch[1]).enabled());
        final int[] listed = new int[2000];
        listed[0] = ch[0];        // a's port: foreign to b
        listed[1] = 999_999;      // unknown
        listed[2] = -5;
        listed[3] = ch[1];
        listed[4] = ch[1];        // already enabled by then: ignored
        assertEquals(1024, b.write(listed, 0, listed.length));
        assertEquals(3, b.write(listed, 0, 3));
        awaitEnabled(ch[1]);
        assertFalse(hub.portStatus(ch[0]).pending());
        a.notify(ch[0]);
        assertEquals(ch[1], b.awaitPending(10, TimeUnit.SECONDS));
        // a's port was never delivered to a, and b's write did not enable anything of a's
        assertTrue(hub.portStatus(ch[0]).enabled());
        assertEquals(-1, a.pending());
    }

    @Test
    void e14_blockedReaderNeverBlocksUnmaskNotifyOrBind() throws Exception
    {
        final Evtchn a = open();
        final Evtchn b = open();
        final int[] ch = connect(a, b);
        final AtomicInteger got = new AtomicInteger(-2);
        final CountDownLatch done = new CountDownLatch(1);
        final Thread reader = new Thread(() ->
        {
            try
            {
                got.set(b.awaitPending(60, TimeUnit.SECONDS));
            }
            catch (final Exception ex)
            {
                got.set(-3);
            }
            done.countDown();
        });
        reader.start();
        Conditions.await("the reader blocks", () -> Conditions.asleep(reader));
        final int pb2 = b.bindUnboundPort(a.domid());
        final int virq = b.bindVirq(Virq.DEBUG);
        b.unmask(ch[1]);
        b.unbind(virq);
        b.notify(ch[1]);
        assertEquals(ch[0], a.awaitPending(10, TimeUnit.SECONDS));
        assertEquals(1, done.getCount(), "the reader is still waiting");
        final int pa2 = a.bindInterdomain(b.domid(), pb2);
        a.notify(pa2);
        assertTrue(done.await(30, TimeUnit.SECONDS));
        assertEquals(pb2, got.get());
    }

    @Test
    void e15_pollMaskIsPolloutPlusPollinWhenPendingAndPollerrAloneWhenOverflowed() throws Exception
    {
        final Evtchn a = open();
        final Evtchn b = open();
        assertEquals(PortRing.POLLOUT, b.pollMask());
        final int[] ch = connect(a, b);
        assertEquals(PortRing.POLLOUT, b.pollMask());
        a.notify(ch[0]);
        Conditions.await("POLLIN", () -> b.pollMask() == (PortRing.POLLOUT | PortRing.POLLIN));
        assertEquals(ch[1], b.pending());
        assertEquals(PortRing.POLLOUT, b.pollMask());
    }

    // ---------------------------------------------------------------------------------------------
    // Control
    // ---------------------------------------------------------------------------------------------

    @Test
    void e16_unbindForeignPortIsEnotconnBeyondRangeIsEinvalAndUnboundPortIsNeverRead() throws Exception
    {
        final Evtchn a = open();
        final Evtchn b = open();
        final int[] ch = connect(a, b);
        assertErrno(Errno.EINVAL, () -> b.unbind(HubConfig.DEFAULT_MAX_PORTS));
        assertErrno(Errno.EINVAL, () -> b.unbind(-1));
        assertErrno(Errno.ENOTCONN, () -> b.unbind(ch[0]));
        assertErrno(Errno.ENOTCONN, () -> b.unbind(4000));
        final int[] other = connect(a, b);
        a.notify(ch[0]);
        a.notify(other[0]);
        Conditions.await("both delivered", () -> !hub.portStatus(ch[1]).enabled() && !hub.portStatus(other[1]).enabled());
        b.unbind(ch[1]);
        final int[] ports = new int[8];
        assertEquals(1, b.read(ports, 0, ports.length), "the unbound port is gone from the ring");
        assertEquals(other[1], ports[0]);
        a.notify(ch[0]);
        b.unmask(other[1]);
        awaitEnabled(other[1]);
        a.notify(other[0]);
        assertEquals(other[1], b.awaitPending(10, TimeUnit.SECONDS));
        assertEquals(-1, b.pending(), "the unbound port cannot be delivered to this handle");
    }

    @Test
    void e17_closingInterdomainPortPutsRemoteEndBackToUnboundAndClearsPending() throws Exception
    {
        final Evtchn a = open();
        final Evtchn b = open();
        final int[] ch = connect(a, b);
        b.notify(ch[1]);
        assertEquals(ch[0], a.awaitPending(10, TimeUnit.SECONDS));
        b.notify(ch[1]);
        Conditions.await("a's port pending while masked", () -> hub.portStatus(ch[0]).pending());
        a.unbind(ch[0]);
        final PortStatus closed = hub.portStatus(ch[0]);
        assertEquals(PortKind.FREE, closed.kind());
        assertFalse(closed.pending(), "pending cleared on the closed port");
        final PortStatus remote = hub.portStatus(ch[1]);
        assertEquals(PortKind.UNBOUND, remote.kind());
        assertEquals(a.domid(), remote.remoteDomain(), "waiting for the closer's domain");
        final int again = a.bindInterdomain(b.domid(), ch[1]);
        assertEquals(again, a.awaitPending(10, TimeUnit.SECONDS), "the closer can connect again");
    }

    @Test
    void e18_notifyNeedsAHeldPortFiresTheRemoteEndAndDropsOnUnbound() throws Exception
    {
        final Evtchn a = open();
        final Evtchn b = open();
        final int[] ch = connect(a, b);
        assertErrno(Errno.ENOTCONN, () -> b.notify(ch[0]));
        assertErrno(Errno.ENOTCONN, () -> b.notify(777));
        final int virq = b.bindVirq(Virq.DEBUG);
        assertErrno(Errno.EINVAL, () -> b.notify(virq));
        final int unbound = a.bindUnboundPort(b.domid());
        final long raised = hub.counter(HubCounter.RAISED);
        a.notify(unbound);
        a.notify(ch[0]);
        assertEquals(ch[1], b.awaitPending(10, TimeUnit.SECONDS));
        assertEquals(raised + 1, hub.counter(HubCounter.RAISED), "the notify on the unbound port was dropped");
        assertEquals(-1, a.pending());
        assertFalse(hub.portStatus(unbound).pending());
    }

    @Test
    void e19_resetEmptiesRingAndDroppedPortsStayDisabledUntilWrittenBack() throws Exception
    {
        final Evtchn a = open();
        final Evtchn b = open();
        final int[] ch = connect(a, b);
        a.notify(ch[0]);
        Conditions.await("delivered", () -> b.pollMask() == (PortRing.POLLIN | PortRing.POLLOUT));
        b.reset();
        assertEquals(-1, b.pending());
        assertFalse(hub.portStatus(ch[1]).enabled(), "the dropped port stays disabled");
        a.notify(ch[0]);
        Conditions.await("folded into pending", () -> hub.portStatus(ch[1]).pending());
        assertEquals(-1, b.pending());
        assertEquals(1, b.write(new int[] {ch[1]}, 0, 1));
        assertEquals(ch[1], b.awaitPending(10, TimeUnit.SECONDS));
    }

    @Test
    void e20_restrictOnceLimitsBindsToOneDomainAndKeepsEarlierPorts() throws Exception
    {
        final Evtchn a = open();
        final Evtchn b = open();
        final Evtchn c = open();
        final int[] ch = connect(a, b);
        assertErrno(Errno.EINVAL, () -> b.restrict(0));
        assertErrno(Errno.EINVAL, () -> b.restrict(EvtchnHub.DOMID_FIRST_RESERVED));
        assertErrno(Errno.EINVAL, () -> b.restrict(0xFFFF));
        b.restrict(a.domid());
        assertErrno(Errno.EACCES, () -> b.restrict(a.domid()));
        assertErrno(Errno.EACCES, () -> b.restrict(c.domid()));
        assertErrno(Errno.EACCES, () -> b.bindVirq(Virq.DEBUG));
        assertErrno(Errno.EACCES, () -> b.bindUnboundPort(a.domid()));
        final int pc = c.bindUnboundPort(b.domid());
        assertErrno(Errno.EACCES, () -> b.bindInterdomain(c.domid(), pc));
        final int pa = a.bindUnboundPort(b.domid());
        final int pb = b.bindInterdomain(a.domid(), pa);
        assertEquals(pb, b.awaitPending(10, TimeUnit.SECONDS));
        a.notify(ch[0]);
        assertEquals(ch[1], b.awaitPending(10, TimeUnit.SECONDS), "a port bound before keeps working");
        b.notify(ch[1]);
        assertEquals(ch[0], a.awaitPending(10, TimeUnit.SECONDS));
    }

    @Test
    void e21_unknownRequestIsEnosysMalformedIsEfaultOrEinvalAndOthersKeepWorking() throws Exception
    {
        final Evtchn a = open();
        final Evtchn b = open();
        final int[] ch = connect(a, b);
        try (RawClient raw = new RawClient(hub.directory()))
        {
            raw.request(99, 1, 5);
            ByteBuffer reply = raw.readReply(10_000);
            assertEquals(Errno.ENOSYS.number(), reply.getInt(4));
            assertEquals(1, reply.getLong(8));
            raw.request(Protocol.OP_BIND_INTERDOMAIN, 2, 5); // one argument short
            reply = raw.readReply(10_000);
            assertEquals(Errno.EFAULT.number(), reply.getInt(4));
            raw.request(Protocol.OP_RESET, 3, 1, 2); // arguments it does not take
            reply = raw.readReply(10_000);
            assertEquals(Errno.EINVAL.number(), reply.getInt(4));
            raw.request(Protocol.OP_BIND_UNBOUND_PORT, 4, 0); // still served
            reply = raw.readReply(10_000);
            assertEquals(0, reply.getInt(4));
            assertTrue(reply.getInt(16) > 0);
            raw.send(ByteBuffer.allocate(4).order(Protocol.ORDER).putInt(0, 1 << 20)); // oversized
            reply = raw.readReply(10_000);
            assertEquals(Errno.EINVAL.number(), reply.getInt(4));
            assertNotNull(raw.readReply(10_000), "a fault frame follows");
            assertEquals(null, raw.readFrame(10_000), "the offender is disconnected");
        }
        a.notify(ch[0]);
        assertEquals(ch[1], b.awaitPending(10, TimeUnit.SECONDS), "other handles keep working");
        assertTrue(hub.counter(HubCounter.ERRORS) >= 4);
    }

    @Test
    void e22_closeUnbindsEveryPortRemovesFilesAndRemoteEndsGoBackToUnbound() throws Exception
    {
        final Evtchn a = open();
        final Evtchn b = SeparateDomains.open(hub.directory(), UNMAP_AT_CLOSE);
        final int[] ch = connect(a, b);
        final int virq = b.bindVirq(Virq.CONSOLE);
        b.bindUnboundPort(a.domid());
        final int bDomid = b.domid();
        try (Stream<Path> files = Files.list(hub.directory()))
        {
            assertEquals(2, files.filter(f -> f.getFileName().toString().startsWith("h2.")).count());
        }
        b.close();
        assertErrno(Errno.EBADF, b::pending);
        assertEquals(1, hub.handleCount(), "close() returns once the hub released the handle");
        assertEquals(PortKind.UNBOUND, hub.portStatus(ch[0]).kind());
        assertEquals(bDomid, hub.portStatus(ch[0]).remoteDomain());
        assertEquals(PortKind.FREE, hub.portStatus(ch[1]).kind());
        assertEquals(PortKind.FREE, hub.portStatus(virq).kind());
        a.bindVirq(Virq.CONSOLE); // the global virq is free again
        try (Stream<Path> files = Files.list(hub.directory()))
        {
            assertEquals(0, files.filter(f -> f.getFileName().toString().startsWith("h2.")).count(), "files removed");
        }
        b.close(); // idempotent
    }

    @Test
    void e23_openWithoutHubIsEnodevAndHubGoingAwayFailsEveryCallPromptly() throws Exception
    {
        assertErrno(Errno.ENODEV, () -> Evtchn.open(dir.resolve("nothing-here")));
        final Evtchn a = open();
        final Evtchn b = open();
        final Evtchn local = openLocal();
        final int[] ch = connect(a, b);
        local.bindUnboundPort(0);
        final AtomicReference<Throwable> blocked = new AtomicReference<>();
        final AtomicReference<Throwable> blockedLocal = new AtomicReference<>();
        final Thread reader = new Thread(() -> captureAwait(b, blocked));
        final Thread localReader = new Thread(() -> captureAwait(local, blockedLocal));
        reader.start();
        localReader.start();
        Conditions.await("readers block", () -> Conditions.asleep(reader)
            && Conditions.asleep(localReader));
        final Path where = hub.directory();
        hub.close();
        final long start = System.nanoTime();
        reader.join(5_000);
        localReader.join(5_000);
        assertTrue(System.nanoTime() - start < TimeUnit.SECONDS.toNanos(2), "blocked calls fail promptly");
        assertEquals(Errno.ENODEV, ((EvtchnException)blocked.get()).errno());
        assertEquals(Errno.ENODEV, ((EvtchnException)blockedLocal.get()).errno());
        assertErrno(Errno.ENODEV, b::pending);
        assertErrno(Errno.ENODEV, () -> a.notify(ch[0]));
        assertErrno(Errno.ENODEV, () -> a.bindUnboundPort(0));
        assertErrno(Errno.ENODEV, local::pending);
        assertErrno(Errno.ENODEV, () -> Evtchn.open(where));
        hub = EvtchnHub.start(HubConfig.directory(where));
        final Evtchn again = Evtchn.open(where, UNMAP_AT_CLOSE);
        closeables.add(again);
        assertTrue(again.bindUnboundPort(0) > 0, "a new hub serves new handles");
    }

    private static void captureAwait(final Evtchn handle, final AtomicReference<Throwable> outcome)
    {
        try
        {
            handle.awaitPending(60, TimeUnit.SECONDS);
            outcome.set(new AssertionError("returned"));
        }
        catch (final Throwable ex)
        {
            outcome.set(ex);
        }
    }

    @Test
    void e24_peerOfAnotherUidIsRefusedAndNoHandleReachesAnotherHandlesPorts() throws Exception
    {
        final UserPrincipal me = Files.getOwner(hub.directory());
        EvtchnHub.checkPeer(me, me);
        final UserPrincipal nobody = hub.directory().getFileSystem().getUserPrincipalLookupService()
            .lookupPrincipalByName("nobody");
        assertErrno(Errno.EACCES, () -> EvtchnHub.checkPeer(nobody, me));
        assertErrno(Errno.EACCES, () -> EvtchnHub.checkPeer(null, me));

        final Evtchn a = open();
        final Evtchn b = open();
        final Evtchn c = open();
        final int[] ch = connect(a, b);
        a.notify(ch[0]);
        assertEquals(ch[1], b.awaitPending(10, TimeUnit.SECONDS));
        c.unmask(ch[1]);
        assertEquals(1, c.write(new int[] {ch[1]}, 0, 1));
        assertErrno(Errno.ENOTCONN, () -> c.notify(ch[0]));
        assertErrno(Errno.ENOTCONN, () -> c.unbind(ch[1]));
        assertErrno(Errno.EINVAL, () -> c.bindStatic(ch[1]));
        // forge the words c's own Evtchn refuses to send, straight into c's request ring
        final long requests = hub.counter(HubCounter.REQUESTS);
        try (PortRing forged = PortRing.open(hub.directory().resolve(HubHandle.requestsFileName(3))))
        {
            assertTrue(forged.offer(Protocol.ringWord(Protocol.RING_UNMASK, ch[1])));
            assertTrue(forged.offer(Protocol.ringWord(Protocol.RING_NOTIFY, ch[0])));
        }
        Conditions.await("the forged words were handled", () -> hub.counter(HubCounter.REQUESTS) >= requests + 2);
        assertFalse(hub.portStatus(ch[1]).enabled(), "c could not unmask b's port");
        assertEquals(-1, c.pending());
        assertEquals(-1, b.pending(), "c could not notify through a's port");
        assertEquals(ch[1], hub.portStatus(ch[0]).remotePort(), "a's channel is intact");
    }

    // ---------------------------------------------------------------------------------------------
    // unmaskAndNotify: unmask + notify in one request word
    // ---------------------------------------------------------------------------------------------

    @Test
    void unmaskAndNotifyUnmasksThenNotifiesInOneRequestWord() throws Exception
    {
        final Evtchn a = open();
        final Evtchn b = open();
        final int[] ch = connect(a, b);
        awaitEnabled(ch[1]);

        a.notify(ch[0]);
        assertEquals(ch[1], b.awaitPending(10, TimeUnit.SECONDS));
        a.notify(ch[0]); // b's port is masked now: this one waits in the hub as pending
        Conditions.await("the second notify held as pending", () -> hub.portStatus(ch[1]).pending());

        final long requests = hub.counter(HubCounter.REQUESTS);
        b.unmaskAndNotify(ch[1]);
        assertEquals(ch[0], a.awaitPending(10, TimeUnit.SECONDS), "a was notified");
        assertEquals(ch[1], b.awaitPending(10, TimeUnit.SECONDS), "b's port was unmasked: the held event came");
        assertEquals(requests + 1, hub.counter(HubCounter.REQUESTS), "one request word for both");
        assertEquals(-1, a.pending());
        assertEquals(-1, b.pending());
    }

    @Test
    void unmaskAndNotifyOfALocalHandleDoesBoth() throws Exception
    {
        final Evtchn local = openLocal();
        final Evtchn remote = open();
        final int[] ch = connect(remote, local);
        remote.notify(ch[0]);
        assertEquals(ch[1], local.awaitPending(10, TimeUnit.SECONDS));
        assertFalse(hub.portStatus(ch[1]).enabled());

        local.unmaskAndNotify(ch[1]);
        assertTrue(hub.portStatus(ch[1]).enabled(), "unmasked");
        assertEquals(ch[0], remote.awaitPending(10, TimeUnit.SECONDS), "and the remote end notified");
    }

    @Test
    void unmaskAndNotifyRefusesWhatNotifyRefusesAndThenUnmasksNothing() throws Exception
    {
        final Evtchn a = open();
        assertErrno(Errno.ENOTCONN, () -> a.unmaskAndNotify(7));
        final int virq = a.bindVirq(Virq.ARCH_0);
        hub.raiseVirq(a.domid(), Virq.ARCH_0);
        assertEquals(virq, a.awaitPending(10, TimeUnit.SECONDS));
        assertErrno(Errno.EINVAL, () -> a.unmaskAndNotify(virq));
        assertFalse(hub.portStatus(virq).enabled(), "the refused call did not unmask");
    }
}

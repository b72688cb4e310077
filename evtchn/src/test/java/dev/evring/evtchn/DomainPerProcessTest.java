package dev.evring.evtchn;

import dev.evring.ring.Errno;
import dev.evring.ring.PortRing;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * One domain per process: the handles one JVM opens share a domid, which lives while any of them is
 * open, while ports still belong to the handle that bound them.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class DomainPerProcessTest
{
    @TempDir
    Path tmp;

    private EvtchnHub hub;
    private Evtchn dom0;

    @BeforeEach
    void startHub() throws Exception
    {
        hub = EvtchnHub.start(HubConfig.directory(tmp.resolve("hub")));
        dom0 = hub.openLocal();
    }

    @AfterEach
    void stopHub()
    {
        dom0.close();
        hub.close();
    }

    private static void assertErrno(final Errno expected, final Executable call)
    {
        final EvtchnException ex = assertThrows(EvtchnException.class, call);
        assertEquals(expected, ex.errno(), ex.getMessage());
    }

    /** A channel from dom0 to a handle: {dom0's port, the handle's port}, the handle's port unmasked. */
    private int[] channelTo(final Evtchn handle) throws Exception
    {
        final int remote = handle.bindUnboundPort(EvtchnHub.HUB_DOMID);
        final int local = dom0.bindInterdomain(handle.domid(), remote);
        assertEquals(local, dom0.awaitPending(10, TimeUnit.SECONDS));
        dom0.unmask(local);
        return new int[] {local, remote};
    }

    @Test
    void handlesOfOneProcessShareADomainAndAnotherProcessGetsItsOwn() throws Exception
    {
        try (Evtchn x = Evtchn.open(hub.directory());
            Evtchn y = Evtchn.open(hub.directory());
            Child peer = Child.start(PeerMain.class, hub.directory().toString()))
        {
            assertEquals(x.domid(), y.domid(), "one process, one domain");
            assertNotEquals(EvtchnHub.HUB_DOMID, x.domid(), "remote handles of the hub's own process are not domain 0");
            final int peerDomid = Integer.parseInt(peer.expect("DOMID", 60_000));
            assertNotEquals(x.domid(), peerDomid, "another JVM, another domain");
            assertEquals(3, hub.counter(HubCounter.DOMAINS), "dom0, this process, the peer");
            assertEquals(4, hub.handleCount());

            final int domid = x.domid();
            x.close();
            assertEquals(3, hub.counter(HubCounter.DOMAINS), "the domain lives while y is open");
            assertEquals(domid, y.domid());
            channelTo(y); // y keeps working
            y.close();
            Conditions.await("this process's domain ends with its last handle", () -> hub.counter(HubCounter.DOMAINS) == 2);
            try (Evtchn z = Evtchn.open(hub.directory()))
            {
                assertNotEquals(domid, z.domid(), "a new domain after the old one ended");
            }
            peer.send("exit");
        }
    }

    @Test
    void e5_staticPortOfAClosedHandleSurvivesWhileItsDomainLives() throws Exception
    {
        final Evtchn x = Evtchn.open(hub.directory());
        final int staticPort;
        try (Evtchn y = Evtchn.open(hub.directory()))
        {
            staticPort = hub.allocUnboundPort(x.domid(), EvtchnHub.HUB_DOMID);
            x.bindStatic(staticPort);
            assertErrno(Errno.EBUSY, () -> y.bindStatic(staticPort)); // held by x: ports belong to handles
            x.close();
            final PortStatus kept = hub.portStatus(staticPort);
            assertEquals(PortKind.UNBOUND, kept.kind(), "closing x keeps the static port: its domain lives");
            assertEquals(-1, kept.holderDomid());
            y.bindStatic(staticPort);
            assertEquals(y.domid(), hub.portStatus(staticPort).holderDomid());
            final int local = dom0.bindInterdomain(y.domid(), staticPort);
            assertEquals(local, dom0.awaitPending(10, TimeUnit.SECONDS));
            dom0.notify(local);
            assertEquals(staticPort, y.awaitPending(10, TimeUnit.SECONDS));
        }
        Conditions.await("the domain's end frees its static port",
            () -> hub.portStatus(staticPort).kind() == PortKind.FREE);
    }

    @Test
    void e22_closingAHandleReleasesItsPortsAndFilesButNotThoseOfItsDomainSiblings() throws Exception
    {
        try (Evtchn y = Evtchn.open(hub.directory()))
        {
            final Evtchn x = Evtchn.open(hub.directory());
            final int[] xChannel = channelTo(x);
            final int xUnbound = x.bindUnboundPort(EvtchnHub.HUB_DOMID);
            final int[] yChannel = channelTo(y);
            assertEquals(x.domid(), y.domid(), "x and y are one domain");
            final long filesBefore = handleFiles();

            x.close();
            assertEquals(PortKind.FREE, hub.portStatus(xChannel[1]).kind());
            assertEquals(PortKind.FREE, hub.portStatus(xUnbound).kind());
            final PortStatus dom0End = hub.portStatus(xChannel[0]);
            assertEquals(PortKind.UNBOUND, dom0End.kind(), "the remote end goes back to unbound");
            assertEquals(y.domid(), dom0End.remoteDomain(), "waiting for the closer's domain, which lives on");
            assertEquals(filesBefore - 2, handleFiles(), "x's event and request ring files are removed");

            assertEquals(PortKind.INTERDOMAIN, hub.portStatus(yChannel[1]).kind(), "y's ports are untouched");
            dom0.notify(yChannel[0]);
            assertEquals(yChannel[1], y.awaitPending(10, TimeUnit.SECONDS));
            final int again = y.bindInterdomain(EvtchnHub.HUB_DOMID, xChannel[0]); // the sibling may take it over
            assertEquals(again, y.awaitPending(10, TimeUnit.SECONDS));
        }
    }

    @Test
    void handlesOpenedAndClosedConcurrentlyInOneProcessShareTheDomainAndLeaveNothingBehind() throws Exception
    {
        final int threads = 4;
        final int perThread = 500;
        final long allocatedBefore = hub.allocatedPorts();
        final int[] channel;
        try (Evtchn anchor = Evtchn.open(hub.directory()))
        {
            channel = channelTo(anchor);
            final ExecutorService pool = Executors.newFixedThreadPool(threads);
            try
            {
                final List<Future<Integer>> results = new ArrayList<>();
                for (int t = 0; t < threads; t++)
                {
                    results.add(pool.submit(() ->
                    {
                        for (int i = 0; i < perThread; i++)
                        {
                            try (Evtchn handle = Evtchn.open(hub.directory()))
                            {
                                assertEquals(anchor.domid(), handle.domid());
                                final int own = handle.bindUnboundPort(Evtchn.DOMID_SELF);
                                handle.bindInterdomain(Evtchn.DOMID_SELF, own); // a channel inside the domain
                                assertErrno(Errno.ENOTCONN, () -> handle.unbind(channel[1]));
                            }
                        }
                        return perThread;
                    }));
                }
                for (int round = 0; round < 200; round++) // the anchor's channel keeps working meanwhile
                {
                    dom0.notify(channel[0]);
                    assertEquals(channel[1], anchor.awaitPending(10, TimeUnit.SECONDS));
                    anchor.unmask(channel[1]);
                }
                for (final Future<Integer> result : results)
                {
                    assertEquals(perThread, result.get(90, TimeUnit.SECONDS));
                }
            }
            finally
            {
                pool.shutdownNow();
            }
            assertEquals(2, hub.handleCount(), "dom0 and the anchor: every short-lived handle was released");
        }
        Conditions.await("every handle released", () -> hub.handleCount() == 1);
        assertEquals(1, hub.counter(HubCounter.DOMAINS), "only domain 0 is left");
        assertEquals(allocatedBefore + 1, hub.allocatedPorts(), "no port leaked: only dom0's end of the channel is left");
        assertEquals(0, handleFiles(), "no ring file left behind");
        assertEquals(PortKind.UNBOUND, hub.portStatus(channel[0]).kind());
    }

    private long handleFiles() throws Exception
    {
        try (Stream<Path> files = Files.list(hub.directory()))
        {
            return files.filter(f -> f.getFileName().toString().matches("h\\d+\\..*")).count();
        }
    }

    @Test
    void e24_handlesOfOneDomainNeverSeeUnmaskNotifyOrUnbindEachOthersPorts() throws Exception
    {
        final long pid = ProcessHandle.current().pid();
        try (Evtchn x = Evtchn.open(hub.directory());
            Evtchn y = Evtchn.open(hub.directory());
            RawClient raw = new RawClient(hub.directory(), pid))
        {
            assertEquals(x.domid(), raw.domid, "the raw client said hello with this process's pid");
            final int[] channel = channelTo(x);
            final int port = channel[1];
            assertErrno(Errno.ENOTCONN, () -> y.unbind(port));
            assertErrno(Errno.ENOTCONN, () -> y.notify(port));
            assertErrno(Errno.EBUSY, () -> y.bindStatic(port));

            dom0.notify(channel[0]);
            assertEquals(port, x.awaitPending(10, TimeUnit.SECONDS));
            assertEquals(-1, y.pending(), "y's ring never holds x's port");
            assertFalse(hub.portStatus(port).enabled(), "delivered, so masked until x unmasks it");

            // a client of the same domain that posts the unmask and notify words itself, past any client-side check
            try (PortRing requests = PortRing.open(
                hub.directory().resolve(HubHandle.requestsFileName(raw.handleId))))
            {
                assertTrue(requests.offer(Protocol.ringWord(Protocol.RING_UNMASK, port)));
                assertTrue(requests.offer(Protocol.ringWord(Protocol.RING_NOTIFY, port)));
            }
            raw.request(Protocol.OP_RESET, 1); // a control request applies the words posted before it
            final ByteBuffer reply = raw.readReply(10_000);
            assertEquals(Protocol.TYPE_REPLY, reply.getInt(0));
            assertFalse(hub.portStatus(port).enabled(), "another handle's unmask is ignored");
            assertEquals(-1, dom0.pending(), "another handle's notify fired nothing");
            raw.request(Protocol.OP_UNBIND, 2, port);
            assertEquals(Errno.ENOTCONN.number(), raw.readReply(10_000).getInt(4));
            assertEquals(PortKind.INTERDOMAIN, hub.portStatus(port).kind());

            x.unmask(port); // its holder can
            Conditions.await("x's own unmask", () -> hub.portStatus(port).enabled());
        }
    }
}

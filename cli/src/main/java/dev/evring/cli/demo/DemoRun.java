package dev.evring.cli.demo;

import dev.evring.evtchn.Evtchn;
import dev.evring.evtchn.EvtchnException;
import dev.evring.evtchn.EvtchnHub;
import dev.evring.evtchn.HubCounter;
import org.HdrHistogram.Histogram;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * One run of {@code evring demo}: an embedded hub, consumer JVMs in domains of their own, and domain 0's
 * echo loop in this JVM.
 *
 * <pre>
 *   consumer i ──ping──&gt; consumer i+1 (echo)     one interdomain channel per neighbour, in a ring
 *   consumer i ──ping──&gt; domain 0 (echo)         one interdomain channel each, to its hub's own domain
 *   hub        ──VIRQ_TIMER──&gt; every consumer
 * </pre>
 *
 * With two hosts ({@code --hosts 2}) there are two hubs in this JVM, each with its {@link DemoHost} domain 0,
 * bridged over Aeron UDP on two loopback addresses ({@link DemoBridges}); consumer i runs on host
 * {@code i % 2}, so every channel of the ring crosses the bridge, and a second handle of host a's domain 0
 * pings host b's domain 0 across it: the live line shows that cross-host round trip too.
 *
 * {@link #close()} stops everything and removes every file; it is idempotent, so the demo calls it both
 * when the run ends and from a shutdown hook (Ctrl-C).
 */
final class DemoRun implements AutoCloseable
{
    /** The VIRQ_TIMER period of the demo's hub. */
    static final Duration TIMER_PERIOD = Duration.ofMillis(10);

    private static final long START_TIMEOUT_NS = TimeUnit.SECONDS.toNanos(90);
    private static final long ANSWER_TIMEOUT_NS = TimeUnit.SECONDS.toNanos(30);
    private static final long STATUS_PERIOD_NS = TimeUnit.SECONDS.toNanos(1);
    /** How long the demo waits for a loop or a consumer to finish once told to stop. */
    static final long STOP_WAIT_MS = 30_000;
    private static final String ERASE_TO_END_OF_LINE = "\033[K";

    private final int consumers;
    private final int hostCount;
    private final DemoIdle idle;
    private final Duration duration;
    private final DemoDirectory directory;
    private final PrintWriter out;
    private final boolean terminal;
    private final DemoTally tally;
    private final DemoTally crossTally = new DemoTally(1);
    private final List<DemoChild> children = new CopyOnWriteArrayList<>(); // read by close() on a shutdown hook
    private final List<DemoHost> hosts = new CopyOnWriteArrayList<>();
    private final List<String> failures = new ArrayList<>();
    private DemoBridges bridges;
    private Evtchn crossHandle;
    private Thread crossThread;
    private volatile Throwable crossFailure;
    private volatile boolean stopping;
    private boolean closed;
    private long portsBoundPeak;
    private List<String> filesLeft = List.of();

    DemoRun(
        final int consumers, final int hostCount, final DemoIdle idle, final Duration duration,
        final DemoDirectory directory, final PrintWriter out, final boolean terminal)
    {
        this.consumers = consumers;
        this.hostCount = hostCount;
        this.idle = idle;
        this.duration = duration;
        this.directory = directory;
        this.out = out;
        this.terminal = terminal;
        this.tally = new DemoTally(consumers + hostCount + 1); // consumers, each host's domain 0, the cross-host loop
    }

    /**
     * Set up, run traffic for the duration with a live status line, stop, clean up.
     *
     * @return the summary (whether it passed is {@link DemoReport.Summary#ok()}).
     * @throws DemoFailure if the demo could not be set up.
     */
    DemoReport.Summary run() throws DemoFailure, InterruptedException
    {
        startHosts();
        final int[] domids = startConsumers();
        connect(domids);
        final long elapsedNs = traffic();
        final long overflows = sum(HubCounter.OVERFLOWS);
        final long hubErrors = sum(HubCounter.ERRORS);
        close();
        return summarise(elapsedNs, overflows, hubErrors);
    }

    private void startHosts() throws DemoFailure, InterruptedException
    {
        hosts.add(DemoHost.start("a", directory, 0, out));
        out.println("hub: domain 0 in " + hosts.get(0).directory() + " (VIRQ_TIMER every " + TIMER_PERIOD.toMillis() + " ms)");
        if (hostCount == 2)
        {
            final Path second = directory.path().resolveSibling(directory.path().getFileName() + DemoDirectory.SECOND_HOST);
            hosts.add(DemoHost.start("b", DemoDirectory.choose(second), consumers + 1, out));
            bridges = DemoBridges.plan(directory.path());
            bridges.connect(hosts.toArray(DemoHost[]::new));
            out.println("hub: domain 0 in " + hosts.get(1).directory() + ", host b");
            out.println("bridge: host a on " + bridges.listen(0) + ", host b on " + bridges.listen(1)
                + " (Aeron UDP, a key made for the run, read and removed): up");
        }
        out.flush();
    }

    private DemoHost hostOf(final int consumer)
    {
        return hosts.get(consumer % hostCount);
    }

    private long sum(final HubCounter counter)
    {
        long sum = 0;
        for (final DemoHost host : hosts)
        {
            sum += host.counter(counter);
        }
        return sum;
    }

    private int[] startConsumers() throws DemoFailure, InterruptedException
    {
        for (int i = 0; i < consumers; i++)
        {
            children.add(DemoChild.start(i, hostOf(i).directory(), idle, tally, out));
        }
        final int[] domids = new int[consumers];
        for (final DemoChild child : children)
        {
            domids[child.index()] = child.expect(DemoProtocol.DOMID, START_TIMEOUT_NS);
        }
        return domids;
    }

    private void connect(final int[] domids) throws DemoFailure, InterruptedException
    {
        final int[] pingPorts = new int[consumers];
        for (int i = 0; i < consumers; i++)
        {
            final int next = (i + 1) % consumers;
            pingPorts[i] = children.get(i).request(DemoProtocol.ALLOC + ' ' + hostOf(i).domidOf(hostOf(next), domids[next]),
                DemoProtocol.PORT, ANSWER_TIMEOUT_NS);
        }
        for (int i = 0; i < consumers; i++)
        {
            final int next = (i + 1) % consumers;
            children.get(next).request(DemoProtocol.BIND + ' ' + hostOf(next).domidOf(hostOf(i), domids[i]) + ' '
                + pingPorts[i], DemoProtocol.PORT, ANSWER_TIMEOUT_NS);
        }
        for (final DemoHost host : hosts)
        {
            host.openDomain0(idle);
        }
        try
        {
            for (int i = 0; i < consumers; i++)
            {
                final int port = hostOf(i).echoFor(domids[i]);
                children.get(i).request(DemoProtocol.HUB + ' ' + port, DemoProtocol.PORT, ANSWER_TIMEOUT_NS);
            }
            if (hostCount == 2)
            {
                connectAcross(hosts.get(0), hosts.get(1));
            }
        }
        catch (final EvtchnException ex)
        {
            throw new DemoFailure(DemoFailure.FAILED, "domain 0 could not bind its channels: " + ex.getMessage(), ex);
        }
        for (final DemoChild child : children)
        {
            child.request(DemoProtocol.TIMER, DemoProtocol.PORT, ANSWER_TIMEOUT_NS);
        }
        portsBoundPeak = sum(HubCounter.PORTS_BOUND);
        out.println("started " + consumers + " consumer JVMs in domains " + describe(domids) + "; idle " + idle.label());
        out.println("channels: " + consumers + " between neighbouring consumers (a ring), " + consumers
            + " to domain 0, VIRQ_TIMER in every consumer; " + portsBoundPeak + " ports bound");
        if (hostCount == 2)
        {
            out.println("hosts: consumers 1, 3, ... on host a, 2, 4, ... on host b, so every ring channel crosses the bridge; "
                + "domain 0 of a pings domain 0 of b across it");
        }
        final int cpus = Runtime.getRuntime().availableProcessors();
        if (idle == DemoIdle.SPIN && consumers + 2 > cpus)
        {
            out.println("note: " + consumers + " spinning consumers, domain 0 and the hub's request thread share " + cpus
                + " CPUs: they starve each other, so expect low figures (--idle backoff or block fit this machine)");
        }
        out.println("running for " + describe(duration) + " ...");
        out.flush();
    }

    /**
     * One more handle of host a's domain 0 binds a port for host b's domain 0, which binds to it across the
     * bridge and echoes: the loop of that handle measures the cross-host round trip on its own.
     */
    private void connectAcross(final DemoHost a, final DemoHost b) throws EvtchnException
    {
        crossHandle = a.openLocal();
        final DemoLoop crossLoop = new DemoLoop(crossHandle, idle);
        final int port = crossHandle.bindUnboundPort(a.domidOf(b, EvtchnHub.HUB_DOMID));
        b.echoTo(b.domidOf(a, crossHandle.domid()), port);
        crossLoop.addInitiator(port);
        crossThread = DemoHost.run("demo-cross-host", crossLoop, () -> stopping, loop ->
        {
            final Histogram interval = loop.takeInterval();
            tally.update(consumers + hostCount, loop.events(), loop.roundTrips(), loop.ticks(), interval);
            crossTally.update(0, loop.events(), loop.roundTrips(), loop.ticks(), interval);
        }, error -> crossFailure = error);
    }

    /**
     * Start every loop, print the status line until the duration is over or something fails, then stop
     * the loops and wait for the consumers' last figures.
     *
     * @return how long traffic ran.
     */
    private long traffic() throws InterruptedException
    {
        for (final DemoHost host : hosts)
        {
            host.startLoop(() -> stopping, tally);
        }
        for (final DemoChild child : children)
        {
            child.send(DemoProtocol.GO);
        }
        final long start = System.nanoTime();
        final long end = start + duration.toNanos();
        long lastStatus = start;
        long lastEvents = 0;
        while (failures.isEmpty())
        {
            final long now = System.nanoTime();
            if (now - end >= 0)
            {
                break;
            }
            LockSupport.parkNanos(Math.min(STATUS_PERIOD_NS - (now - lastStatus), end - now)); // the display period
            if (Thread.interrupted())
            {
                throw new InterruptedException("demo interrupted");
            }
            checkLoops();
            final long at = System.nanoTime();
            if (at - lastStatus >= STATUS_PERIOD_NS || at - end >= 0)
            {
                final long events = tally.events();
                final long portsBound = sum(HubCounter.PORTS_BOUND);
                portsBoundPeak = Math.max(portsBoundPeak, portsBound);
                printStatus(DemoReport.status(at - start, (events - lastEvents) * 1e9 / (at - lastStatus), tally.takeLive(),
                    hostCount == 2 ? crossTally.takeLive() : null, portsBound, sum(HubCounter.OVERFLOWS)));
                lastStatus = at;
                lastEvents = events;
            }
        }
        if (terminal)
        {
            out.println();
        }
        final long elapsedNs = System.nanoTime() - start;
        stopLoops();
        return elapsedNs;
    }

    private void checkLoops()
    {
        for (final DemoChild child : children)
        {
            if (!child.isAlive() || child.failure() != null)
            {
                failures.add(child.name() + " stopped early" + child.describeEnd());
            }
        }
        checkDomain0Loops();
    }

    private void checkDomain0Loops()
    {
        for (final DemoHost host : hosts)
        {
            if (host.failure() != null)
            {
                failures.add("domain 0's loop of host " + host.name() + " failed: " + host.failure().getMessage());
            }
        }
        if (crossFailure != null)
        {
            failures.add("the cross-host loop failed: " + crossFailure.getMessage());
        }
    }

    private void stopLoops() throws InterruptedException
    {
        stopping = true;
        for (final DemoChild child : children)
        {
            child.send(DemoProtocol.STOP);
        }
        for (final DemoChild child : children)
        {
            if (!child.awaitExit(STOP_WAIT_MS) && failures.isEmpty())
            {
                failures.add(child.name() + " did not finish cleanly" + child.describeEnd());
            }
        }
        for (final DemoHost host : hosts)
        {
            host.joinLoop();
        }
        if (crossThread != null)
        {
            crossThread.join(STOP_WAIT_MS);
        }
        if (failures.isEmpty())
        {
            checkDomain0Loops();
        }
    }

    private void printStatus(final String line)
    {
        if (terminal)
        {
            out.print('\r' + line + ERASE_TO_END_OF_LINE);
        }
        else
        {
            out.println(line);
        }
        out.flush();
    }

    private DemoReport.Summary summarise(final long elapsedNs, final long overflows, final long hubErrors)
    {
        int consumerFailures = 0;
        for (final DemoChild child : children)
        {
            if (!child.done() || child.failure() != null)
            {
                consumerFailures++;
            }
        }
        final List<String> reasons = new ArrayList<>(failures);
        final long events = tally.events();
        final long roundTrips = tally.roundTrips();
        if (events == 0)
        {
            reasons.add("no events were delivered");
        }
        if (roundTrips == 0)
        {
            reasons.add("no round trip completed");
        }
        if (hostCount == 2 && crossTally.roundTrips() == 0)
        {
            reasons.add("no round trip crossed the bridge");
        }
        if (overflows != 0)
        {
            reasons.add(overflows + " event ring overflows");
        }
        if (!filesLeft.isEmpty())
        {
            reasons.add("files left in " + directory.path());
        }
        final boolean removed = directory.removed();
        for (final DemoHost host : hosts)
        {
            if (host.demoDirectory().created() && !host.demoDirectory().removed())
            {
                reasons.add("the hub directory " + host.demoDirectory().path() + " was not removed");
            }
        }
        return new DemoReport.Summary(consumers, idle, elapsedNs, events, roundTrips, tally.ticks(), tally.total(),
            portsBoundPeak, overflows, hubErrors, consumerFailures, filesLeft, removed, !directory.created(), reasons);
    }

    /**
     * Whether {@link #close()} has run (or is running).
     */
    synchronized boolean isClosed()
    {
        return closed;
    }

    /**
     * Stop the consumers (end their input, then kill those that do not exit), stop the domain 0 loops,
     * close the bridges and hubs (they remove their files), remove the directories the demo made and the
     * bridges' key. Idempotent.
     */
    @Override
    public synchronized void close()
    {
        if (closed)
        {
            return;
        }
        closed = true;
        stopping = true;
        for (final DemoChild child : children)
        {
            child.send(DemoProtocol.STOP);
        }
        for (final DemoChild child : children)
        {
            child.close();
        }
        closeCrossHost();
        final List<String> left = new ArrayList<>();
        for (final DemoHost host : hosts)
        {
            host.close();
            left.addAll(host.filesLeft());
        }
        if (bridges != null && bridges.removeKey() != null)
        {
            left.add(bridges.removeKey());
        }
        filesLeft = left;
    }

    private void closeCrossHost()
    {
        if (crossThread != null)
        {
            try
            {
                crossThread.join(STOP_WAIT_MS);
            }
            catch (final InterruptedException ex)
            {
                Thread.currentThread().interrupt();
            }
        }
        if (crossHandle != null)
        {
            crossHandle.close();
        }
    }

    private static String describe(final int[] domids)
    {
        final StringBuilder text = new StringBuilder();
        for (final int domid : domids)
        {
            text.append(text.length() == 0 ? "" : ", ").append(domid);
        }
        return text.toString();
    }

    static String describe(final Duration duration)
    {
        final long millis = duration.toMillis();
        return millis % 1000 == 0 ? millis / 1000 + " s" : millis + " ms";
    }
}

package dev.evring.cli.demo;

import dev.evring.evtchn.Evtchn;
import dev.evring.evtchn.EvtchnException;
import dev.evring.evtchn.EvtchnHub;
import dev.evring.evtchn.HubConfig;
import dev.evring.evtchn.HubCounter;
import dev.evring.evtchn.HubMark;
import dev.evring.ring.Errno;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
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
 *   consumer i ──ping──&gt; domain 0 (echo)         one interdomain channel each, to the hub's own domain
 *   hub        ──VIRQ_TIMER──&gt; every consumer
 * </pre>
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
    private static final long REPORT_PERIOD_NS = TimeUnit.MILLISECONDS.toNanos(250);
    private static final long STATUS_PERIOD_NS = TimeUnit.SECONDS.toNanos(1);
    private static final long STOP_WAIT_MS = 30_000;
    private static final String ERASE_TO_END_OF_LINE = "\033[K";

    private final int consumers;
    private final DemoIdle idle;
    private final Duration duration;
    private final DemoDirectory directory;
    private final PrintWriter out;
    private final boolean terminal;
    private final DemoTally tally;
    private final List<DemoChild> children = new CopyOnWriteArrayList<>(); // read by close() on a shutdown hook
    private final List<String> failures = new ArrayList<>();
    private EvtchnHub hub;
    private Evtchn domain0;
    private DemoLoop domain0Loop;
    private Thread domain0Thread;
    private volatile Throwable domain0Failure;
    private volatile boolean stopping;
    private boolean closed;
    private long portsBoundPeak;
    private List<String> filesLeft = List.of();

    DemoRun(
        final int consumers, final DemoIdle idle, final Duration duration, final DemoDirectory directory,
        final PrintWriter out, final boolean terminal)
    {
        this.consumers = consumers;
        this.idle = idle;
        this.duration = duration;
        this.directory = directory;
        this.out = out;
        this.terminal = terminal;
        this.tally = new DemoTally(consumers + 1);
    }

    /**
     * Set up, run traffic for the duration with a live status line, stop, clean up.
     *
     * @return the summary (whether it passed is {@link DemoReport.Summary#ok()}).
     * @throws DemoFailure if the demo could not be set up.
     */
    DemoReport.Summary run() throws DemoFailure, InterruptedException
    {
        startHub();
        final int[] domids = startConsumers();
        connect(domids);
        final long elapsedNs = traffic();
        final long overflows = hub.counter(HubCounter.OVERFLOWS);
        final long hubErrors = hub.counter(HubCounter.ERRORS);
        close();
        return summarise(elapsedNs, overflows, hubErrors);
    }

    private void startHub() throws DemoFailure
    {
        try
        {
            hub = EvtchnHub.start(HubConfig.directory(directory.path()).timerPeriod(TIMER_PERIOD));
        }
        catch (final EvtchnException ex)
        {
            if (ex.errno() == Errno.EBUSY)
            {
                throw new DemoFailure(DemoFailure.FAILED, "a hub" + describeHubPid() + " is already running in " + directory.path()
                    + ": stop it first, or run the demo without --dir (it then uses a fresh directory)", ex);
            }
            throw startFailure(ex);
        }
        catch (final IOException ex)
        {
            throw startFailure(ex);
        }
        for (final Path left : directory.cleared())
        {
            out.println("note: removed " + left + ", left by a demo that was killed");
        }
        if (directory.stale())
        {
            out.println("note: cleared the files a dead hub left in " + directory.path());
        }
        out.println("hub: domain 0 in " + hub.directory() + " (VIRQ_TIMER every " + TIMER_PERIOD.toMillis() + " ms)");
        out.flush();
    }

    private String describeHubPid()
    {
        try
        {
            return " (pid " + HubMark.read(directory.path()).pid() + ')';
        }
        catch (final IOException ex)
        {
            return ""; // the pid is a courtesy: the mark file may be gone or still being written
        }
    }

    private DemoFailure startFailure(final IOException ex)
    {
        return new DemoFailure(DemoFailure.FAILED, "cannot start the hub in " + directory.path() + " (" + ex.getMessage()
            + "): check that the directory is writable and its file system has room, or give another --dir", ex);
    }

    private int[] startConsumers() throws DemoFailure, InterruptedException
    {
        for (int i = 0; i < consumers; i++)
        {
            children.add(DemoChild.start(i, hub.directory(), idle, tally, out));
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
            pingPorts[i] = children.get(i).request(
                DemoProtocol.ALLOC + ' ' + domids[(i + 1) % consumers], DemoProtocol.PORT, ANSWER_TIMEOUT_NS);
        }
        for (int i = 0; i < consumers; i++)
        {
            children.get((i + 1) % consumers).request(
                DemoProtocol.BIND + ' ' + domids[i] + ' ' + pingPorts[i], DemoProtocol.PORT, ANSWER_TIMEOUT_NS);
        }
        try
        {
            domain0 = hub.openLocal();
            domain0Loop = new DemoLoop(domain0, idle);
            for (int i = 0; i < consumers; i++)
            {
                final int port = domain0.bindUnboundPort(domids[i]);
                domain0Loop.addEcho(port);
                children.get(i).request(DemoProtocol.HUB + ' ' + port, DemoProtocol.PORT, ANSWER_TIMEOUT_NS);
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
        portsBoundPeak = hub.counter(HubCounter.PORTS_BOUND);
        out.println("started " + consumers + " consumer JVMs in domains " + describe(domids) + "; idle " + idle.label());
        out.println("channels: " + consumers + " between neighbouring consumers (a ring), " + consumers
            + " to domain 0, VIRQ_TIMER in every consumer; " + portsBoundPeak + " ports bound");
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
     * Start every loop, print the status line until the duration is over or something fails, then stop
     * the loops and wait for the consumers' last figures.
     *
     * @return how long traffic ran.
     */
    private long traffic() throws InterruptedException
    {
        domain0Thread = new Thread(this::runDomain0, "demo-domain0");
        domain0Thread.setDaemon(true);
        domain0Thread.start();
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
                final long portsBound = hub.counter(HubCounter.PORTS_BOUND);
                portsBoundPeak = Math.max(portsBoundPeak, portsBound);
                printStatus(DemoReport.status(at - start, (events - lastEvents) * 1e9 / (at - lastStatus), tally.takeLive(),
                    portsBound, hub.counter(HubCounter.OVERFLOWS)));
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

    private void runDomain0()
    {
        try
        {
            domain0Loop.run(() -> stopping, REPORT_PERIOD_NS,
                loop -> tally.update(0, loop.events(), loop.roundTrips(), loop.ticks(), loop.takeInterval()));
        }
        catch (final EvtchnException | RuntimeException ex)
        {
            domain0Failure = ex;
        }
        catch (final InterruptedException ex)
        {
            domain0Failure = ex;
            Thread.currentThread().interrupt();
        }
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
        final Throwable failure = domain0Failure;
        if (failure != null)
        {
            failures.add("domain 0's loop failed: " + failure.getMessage());
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
        domain0Thread.join(STOP_WAIT_MS);
        if (domain0Failure != null && failures.isEmpty())
        {
            failures.add("domain 0's loop failed: " + domain0Failure.getMessage());
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
        if (overflows != 0)
        {
            reasons.add(overflows + " event ring overflows");
        }
        if (!filesLeft.isEmpty())
        {
            reasons.add("files left in " + directory.path());
        }
        final boolean removed = directory.removed();
        if (directory.created() && !removed)
        {
            reasons.add("the hub directory " + directory.path() + " was not removed");
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
     * Stop the consumers (end their input, then kill those that do not exit), stop domain 0's loop, close
     * the hub (it removes its files) and remove the directory if the demo made it. Idempotent.
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
        if (domain0Thread != null)
        {
            try
            {
                domain0Thread.join(STOP_WAIT_MS);
            }
            catch (final InterruptedException ex)
            {
                Thread.currentThread().interrupt();
            }
        }
        if (domain0 != null)
        {
            domain0.close();
        }
        if (hub != null)
        {
            hub.close();
        }
        filesLeft = directory.cleanUp();
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

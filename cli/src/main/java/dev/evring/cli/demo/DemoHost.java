package dev.evring.cli.demo;

import dev.evring.bridge.BridgeConfig;
import dev.evring.bridge.EvtchnBridge;
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
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

/**
 * One host of the demo: a hub in its directory, its domain 0 echoing the consumers of this host on a loop
 * of its own thread, and, with {@code --hosts 2}, the bridge to the other host. {@link #close()} stops the
 * loop, the bridge and the hub, and removes the directory if the demo made it.
 */
final class DemoHost implements AutoCloseable
{
    private static final long REPORT_PERIOD_NS = TimeUnit.MILLISECONDS.toNanos(250);
    private static final Duration BRIDGE_UP_TIMEOUT = Duration.ofSeconds(60);

    private final String name;
    private final DemoDirectory directory;
    private final int tallySource;
    private EvtchnHub hub;
    private EvtchnBridge bridge;
    private Evtchn domain0;
    private DemoLoop loop;
    private Thread thread;
    private volatile Throwable failure;
    private List<String> filesLeft = List.of();

    private DemoHost(final String name, final DemoDirectory directory, final int tallySource)
    {
        this.name = name;
        this.directory = directory;
        this.tallySource = tallySource;
    }

    /**
     * Start a host's hub.
     *
     * @param name        the host's name (its bridge's host name with {@code --hosts 2}).
     * @param directory   its hub directory.
     * @param tallySource where its domain 0 reports in the tally.
     * @param out         where notes go (a stale directory cleared).
     * @return the host.
     * @throws DemoFailure if the hub cannot start.
     */
    static DemoHost start(final String name, final DemoDirectory directory, final int tallySource, final PrintWriter out)
        throws DemoFailure
    {
        final DemoHost host = new DemoHost(name, directory, tallySource);
        try
        {
            host.hub = EvtchnHub.start(HubConfig.directory(directory.path()).timerPeriod(DemoRun.TIMER_PERIOD));
        }
        catch (final EvtchnException ex)
        {
            if (ex.errno() == Errno.EBUSY)
            {
                throw new DemoFailure(DemoFailure.FAILED, "a hub" + describeHubPid(directory.path()) + " is already running in "
                    + directory.path() + ": stop it first, or run the demo without --dir (it then uses a fresh directory)", ex);
            }
            throw startFailure(directory.path(), ex);
        }
        catch (final IOException ex)
        {
            throw startFailure(directory.path(), ex);
        }
        for (final Path left : directory.cleared())
        {
            out.println("note: removed " + left + ", left by a demo that was killed");
        }
        if (directory.stale())
        {
            out.println("note: cleared the files a dead hub left in " + directory.path());
        }
        return host;
    }

    private static String describeHubPid(final Path directory)
    {
        try
        {
            return " (pid " + HubMark.read(directory).pid() + ')';
        }
        catch (final IOException ex)
        {
            return ""; // the pid is a courtesy: the mark file may be gone or still being written
        }
    }

    private static DemoFailure startFailure(final Path directory, final IOException ex)
    {
        return new DemoFailure(DemoFailure.FAILED, "cannot start the hub in " + directory + " (" + ex.getMessage()
            + "): check that the directory is writable and its file system has room, or give another --dir", ex);
    }

    /**
     * Start this host's bridge.
     *
     * @param config the bridge's configuration, its host name this host's.
     * @throws DemoFailure if the bridge cannot start.
     */
    void bridge(final BridgeConfig config) throws DemoFailure
    {
        try
        {
            bridge = EvtchnBridge.start(hub, config);
        }
        catch (final IOException ex)
        {
            throw new DemoFailure(DemoFailure.FAILED, "cannot start the bridge of host " + name + " (" + ex.getMessage()
                + "): is another program using UDP port " + config.listen().getPort() + "? Try again", ex);
        }
    }

    /**
     * Wait until the bridge to another host has proved itself.
     *
     * @param other the other host.
     * @throws DemoFailure if it does not come up in time.
     */
    void awaitBridgeUp(final DemoHost other) throws DemoFailure, InterruptedException
    {
        if (!bridge.awaitUp(other.name, BRIDGE_UP_TIMEOUT))
        {
            throw new DemoFailure(DemoFailure.FAILED, "the bridge from host " + name + " to host " + other.name
                + " did not come up within " + BRIDGE_UP_TIMEOUT.toSeconds() + " s: " + bridge);
        }
    }

    /**
     * The domid handles of this host use for a domain of a host.
     *
     * @param owner the host the domain lives on (this one, or the other across the bridge).
     * @param domid the domain's domid on its own hub.
     * @return the domid here.
     */
    int domidOf(final DemoHost owner, final int domid)
    {
        return owner == this ? domid : bridge.domidOf(owner.name, domid);
    }

    /**
     * Open domain 0's handle and its echo loop.
     *
     * @param idle how the loop waits.
     * @throws DemoFailure if the hub refuses.
     */
    void openDomain0(final DemoIdle idle) throws DemoFailure
    {
        try
        {
            domain0 = hub.openLocal();
        }
        catch (final EvtchnException ex)
        {
            throw new DemoFailure(DemoFailure.FAILED, "domain 0 of host " + name + " could not open: " + ex.getMessage(), ex);
        }
        loop = new DemoLoop(domain0, idle);
    }

    /**
     * Domain 0 allocates a port for a domain and echoes what arrives on it.
     *
     * @param remoteDomid the domain, as this hub knows it.
     * @return the port, for the domain to bind to.
     * @throws EvtchnException if the hub refuses.
     */
    int echoFor(final int remoteDomid) throws EvtchnException
    {
        final int port = domain0.bindUnboundPort(remoteDomid);
        loop.addEcho(port);
        return port;
    }

    /**
     * Domain 0 binds to another domain's unbound port and echoes what arrives on it.
     *
     * @param remoteDomid the domain, as this hub knows it.
     * @param remotePort  its port.
     * @throws EvtchnException if the hub refuses.
     */
    void echoTo(final int remoteDomid, final int remotePort) throws EvtchnException
    {
        loop.addEcho(domain0.bindInterdomain(remoteDomid, remotePort));
    }

    /**
     * Open one more handle of domain 0 on this hub (for a loop of its own).
     *
     * @return the handle.
     * @throws EvtchnException if the hub refuses.
     */
    Evtchn openLocal() throws EvtchnException
    {
        return hub.openLocal();
    }

    /**
     * Start domain 0's loop on its own thread, reporting into the tally until {@code stop} answers true.
     *
     * @param stop  when to stop.
     * @param tally where the figures go.
     */
    void startLoop(final BooleanSupplier stop, final DemoTally tally)
    {
        thread = run("demo-domain0-" + name, loop, stop,
            done -> tally.update(tallySource, done.events(), done.roundTrips(), done.ticks(), done.takeInterval()),
            error -> failure = error);
    }

    /**
     * Run a loop on a daemon thread until {@code stop} answers true, handing it to {@code reporter} every
     * quarter of a second and at the end, and its failure to {@code failed}.
     *
     * @return the thread, started.
     */
    static Thread run(
        final String threadName, final DemoLoop loop, final BooleanSupplier stop, final Consumer<DemoLoop> reporter,
        final Consumer<Throwable> failed)
    {
        final Thread thread = new Thread(() ->
        {
            try
            {
                loop.run(stop, REPORT_PERIOD_NS, reporter);
            }
            catch (final EvtchnException | RuntimeException ex)
            {
                failed.accept(ex);
            }
            catch (final InterruptedException ex)
            {
                failed.accept(ex);
                Thread.currentThread().interrupt();
            }
        }, threadName);
        thread.setDaemon(true);
        thread.start();
        return thread;
    }

    /**
     * Why domain 0's loop failed.
     *
     * @return the failure, or null.
     */
    Throwable failure()
    {
        return failure;
    }

    /**
     * Wait for domain 0's loop to end (after the stop condition turned true).
     */
    void joinLoop() throws InterruptedException
    {
        if (thread != null)
        {
            thread.join(DemoRun.STOP_WAIT_MS);
        }
    }

    /**
     * A hub counter.
     *
     * @param counter which.
     * @return its value.
     */
    long counter(final HubCounter counter)
    {
        return hub.counter(counter);
    }

    String name()
    {
        return name;
    }

    Path directory()
    {
        return hub.directory();
    }

    DemoDirectory demoDirectory()
    {
        return directory;
    }

    /**
     * The files left once the host closed, its bridge's driver directory included.
     */
    List<String> filesLeft()
    {
        return filesLeft;
    }

    /**
     * Stop domain 0's loop (its stop condition must answer true by now), the bridge, the hub; remove the
     * directory if the demo made it.
     */
    @Override
    public void close()
    {
        try
        {
            joinLoop();
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
        }
        if (domain0 != null)
        {
            domain0.close();
        }
        if (bridge != null)
        {
            bridge.close();
        }
        final Path aeron = EvtchnBridge.aeronDirectory(directory.path());
        if (hub != null)
        {
            hub.close();
        }
        filesLeft = directory.cleanUp();
        if (Files.exists(aeron))
        {
            filesLeft = new ArrayList<>(filesLeft);
            filesLeft.add(aeron.toString());
        }
    }
}

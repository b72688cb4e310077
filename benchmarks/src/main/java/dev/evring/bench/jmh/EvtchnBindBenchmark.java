package dev.evring.bench.jmh;

import dev.evring.bench.harness.PairRunner;
import dev.evring.evtchn.Evtchn;
import dev.evring.evtchn.EvtchnException;
import dev.evring.evtchn.EvtchnHub;
import dev.evring.evtchn.HubConfig;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * The cost of binding (and unbinding again) one port on a local handle against how many ports the handle
 * already holds: the hub's port table and the handle's bitmaps should keep it flat, and the event ring
 * grows (a resize) only while the bound count climbs past its capacity during set-up.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
@State(Scope.Thread)
public class EvtchnBindBenchmark
{
    private static final String HUB = "hub";

    /** Ports the handle holds before the measured bind. */
    @Param({"0", "1024", "16384"})
    public int bound;

    private Path directory;
    private EvtchnHub hub;
    private Evtchn handle;

    /**
     * Start a hub and bind {@code bound} ports.
     *
     * @throws IOException if the hub cannot start or a bind fails.
     */
    @Setup(Level.Trial)
    public void start() throws IOException
    {
        directory = Files.createTempDirectory(PairRunner.defaultBaseDirectory(), "evring-jmh-");
        hub = EvtchnHub.start(HubConfig.directory(directory.resolve(HUB)));
        handle = hub.openLocal();
        for (int i = 0; i < bound; i++)
        {
            handle.bindUnboundPort(EvtchnHub.HUB_DOMID);
        }
    }

    /**
     * Stop the hub and remove its directory.
     *
     * @throws IOException if the directory cannot be removed.
     */
    @TearDown(Level.Trial)
    public void stop() throws IOException
    {
        handle.close();
        hub.close(); // removes the hub's files, leaves its (empty) directory
        Files.deleteIfExists(directory.resolve(HUB));
        Files.deleteIfExists(directory);
    }

    /**
     * Bind an unbound port for domain 0, then unbind it.
     *
     * @return the port.
     * @throws EvtchnException if the hub refuses a call.
     */
    @Benchmark
    public int bindThenUnbind() throws EvtchnException
    {
        final int port = handle.bindUnboundPort(EvtchnHub.HUB_DOMID);
        handle.unbind(port);
        return port;
    }
}

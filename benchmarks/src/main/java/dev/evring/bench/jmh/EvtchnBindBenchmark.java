package dev.evring.bench.jmh;

import dev.evring.evtchn.Evtchn;
import dev.evring.evtchn.EvtchnException;
import dev.evring.evtchn.EvtchnHub;
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
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;

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
    /** Ports the handle holds before the measured bind. */
    @Param({"0", "1024", "16384"})
    public int bound;

    private ScratchHub scratch;
    private Evtchn handle;

    /**
     * Start a hub and bind {@code bound} ports.
     *
     * @throws IOException if the hub cannot start or a bind fails.
     */
    @Setup(Level.Trial)
    public void start() throws IOException
    {
        scratch = ScratchHub.start(UnaryOperator.identity());
        handle = scratch.hub().openLocal();
        for (int i = 0; i < bound; i++)
        {
            handle.bindUnboundPort(EvtchnHub.HUB_DOMID);
        }
    }

    /**
     * Stop the hub and remove its directory.
     */
    @TearDown(Level.Trial)
    public void stop()
    {
        handle.close();
        scratch.close(); // stops the hub and removes its directory
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

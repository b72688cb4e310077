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

/**
 * The whole cost of binding many ports into one fresh handle, resizes included: its event ring starts
 * at 64 and doubles up to 131072 on the way to 100k ports. If a resize stays amortized O(1) per bind, the
 * total grows linearly with the count: compare the {@code ports} rows (total / ports = cost per bind).
 * A local handle, so the figure is the hub's work, not a socket round trip per bind.
 */
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3)
@Measurement(iterations = 7)
@Fork(1)
@State(Scope.Thread)
public class EvtchnBindManyBenchmark
{
    /** Ports bound per measured shot. */
    @Param({"25000", "100000"})
    public int ports;

    private ScratchHub scratch;
    private Evtchn handle;

    /**
     * Start a fresh hub and handle for each shot.
     *
     * @throws IOException if the hub cannot start.
     */
    @Setup(Level.Iteration)
    public void start() throws IOException
    {
        scratch = ScratchHub.start(config -> config.maxPorts(131072));
        handle = scratch.hub().openLocal();
    }

    /**
     * Stop the hub and remove its directory.
     */
    @TearDown(Level.Iteration)
    public void stop()
    {
        handle.close();
        scratch.close(); // stops the hub and removes its directory
    }

    /**
     * Bind {@code ports} unbound ports for domain 0 into the one handle.
     *
     * @return the event ring's capacity at the end (131072 for 100k ports).
     * @throws EvtchnException if the hub refuses a bind.
     */
    @Benchmark
    public int bindAll() throws EvtchnException
    {
        final Evtchn handle = this.handle;
        for (int i = 0; i < ports; i++)
        {
            handle.bindUnboundPort(EvtchnHub.HUB_DOMID);
        }
        return handle.ringCapacity();
    }
}

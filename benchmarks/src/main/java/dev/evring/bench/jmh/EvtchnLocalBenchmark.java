package dev.evring.bench.jmh;

import dev.evring.evtchn.Evtchn;
import dev.evring.evtchn.EvtchnException;
import dev.evring.evtchn.EvtchnHub;
import dev.evring.evtchn.Virq;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.io.IOException;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;

/**
 * Event delivery inside one process, no socket and no other thread involved: an {@link EvtchnHub} and two
 * {@link EvtchnHub#openLocal() local handles} bound interdomain to each other (domain 0 to domain 0).
 * {@code notifyDeliver}: one handle notifies, the hub writes the other handle's port into its event ring,
 * the other handle takes it with {@code pending()} and unmasks it. {@code raiseVirqDeliver}: the hub raises
 * a virq and the handle that bound it takes and unmasks it. The hub's own overhead over a bare
 * {@link dev.evring.ring.PortRing} offer and read.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
@State(Scope.Thread)
public class EvtchnLocalBenchmark
{
    private ScratchHub scratch;
    private Evtchn sender;
    private Evtchn receiver;
    private int sendPort;
    private int receivePort;
    private int virqPort;

    /**
     * Start a hub in a fresh directory and bind the ports.
     *
     * @throws IOException if the hub cannot start.
     */
    @Setup(Level.Trial)
    public void start() throws IOException
    {
        scratch = ScratchHub.start(UnaryOperator.identity());
        sender = scratch.hub().openLocal();
        receiver = scratch.hub().openLocal();
        sendPort = sender.bindUnboundPort(EvtchnHub.HUB_DOMID);
        receivePort = receiver.bindInterdomain(EvtchnHub.HUB_DOMID, sendPort);
        virqPort = receiver.bindVirq(Virq.ARCH_0);
        // like Xen, a new interdomain channel starts with its local end pending: take that event first
        for (int fired = receiver.pending(); fired >= 0; fired = receiver.pending())
        {
            receiver.unmask(fired);
        }
    }

    /**
     * Stop the hub and remove its directory.
     */
    @TearDown(Level.Trial)
    public void stop()
    {
        sender.close();
        receiver.close();
        scratch.close(); // stops the hub and removes its directory
    }

    /**
     * Notify, take the fired port, unmask it.
     *
     * @return the fired port.
     * @throws EvtchnException if the hub refuses a call.
     */
    @Benchmark
    public int notifyDeliver() throws EvtchnException
    {
        sender.notify(sendPort);
        return take(receivePort);
    }

    /**
     * Raise a virq, take the fired port, unmask it.
     *
     * @return the fired port.
     * @throws EvtchnException if the hub refuses a call.
     */
    @Benchmark
    public int raiseVirqDeliver() throws EvtchnException
    {
        scratch.hub().raiseVirq(EvtchnHub.HUB_DOMID, Virq.ARCH_0);
        return take(virqPort);
    }

    private int take(final int expected) throws EvtchnException
    {
        final int fired = receiver.pending();
        if (fired != expected)
        {
            throw new IllegalStateException("fired " + fired + ", expected " + expected);
        }
        receiver.unmask(fired);
        return fired;
    }
}

package dev.evring.bench.jmh;

import dev.evring.evtchn.Evtchn;
import dev.evring.evtchn.EvtchnException;
import dev.evring.evtchn.EvtchnHub;
import dev.evring.evtchn.RequestPolling;
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

/**
 * The processor cost of one spinning round trip of the {@code evtchn} mechanism of {@code ./evring bench},
 * with no cache line crossing between cores: one thread plays both peers. An invoker hub and its local
 * handle A (peer A), and a remote handle B opened on the hub's socket (peer B, here in the same process),
 * bound interdomain. A pings with {@code unmaskAndNotify}, B takes the port with {@code pending()} and
 * answers with {@code unmaskAndNotify}, and A's {@code pending()} applies B's request word and takes its
 * port. Each call is the one the two peers make in the benchmark, so this is the work they add to the
 * two cache-line transfers of the floor.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
@State(Scope.Thread)
public class EvtchnRoundTripCostBenchmark
{
    private ScratchHub scratch;
    private Evtchn peerA;
    private Evtchn peerB;
    private int portA;
    private int portB;

    /**
     * Start an invoker hub, open both handles, bind them and take the event a new channel starts with.
     *
     * @throws IOException if the hub cannot start or a handle cannot open.
     */
    @Setup(Level.Trial)
    public void start() throws IOException
    {
        scratch = ScratchHub.start(config -> config.requestPolling(RequestPolling.INVOKER));
        peerA = scratch.hub().openLocal();
        peerB = Evtchn.open(scratch.hub().directory());
        portA = peerA.bindUnboundPort(peerB.domid());
        portB = peerB.bindInterdomain(EvtchnHub.HUB_DOMID, portA);
        for (int fired = peerB.pending(); fired >= 0; fired = peerB.pending())
        {
            peerB.unmask(fired);
        }
        peerA.pending(); // applies B's unmask: the channel is quiet and both ports are unmasked
    }

    /**
     * Close the handles, stop the hub and remove its directory.
     */
    @TearDown(Level.Trial)
    public void stop()
    {
        peerB.close();
        peerA.close();
        scratch.close(); // stops the hub and removes its directory
    }

    /**
     * One round trip: A pings, B answers, A takes the answer.
     *
     * @return the port A took.
     * @throws EvtchnException if the hub refuses a call.
     */
    @Benchmark
    public int roundTrip() throws EvtchnException
    {
        peerA.unmaskAndNotify(portA);
        final int atB = peerB.pending();
        if (atB != portB)
        {
            throw new IllegalStateException("B took " + atB + ", expected " + portB);
        }
        peerB.unmaskAndNotify(portB);
        final int atA = peerA.pending();
        if (atA != portA)
        {
            throw new IllegalStateException("A took " + atA + ", expected " + portA);
        }
        return atA;
    }
}

package dev.evring.jcstress;

import dev.evring.ring.Doorbell;
import dev.evring.ring.DoorbellWaiter;
import dev.evring.ring.PortRing;
import dev.evring.ring.ReaderWaiting;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.Description;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.III_Result;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

/**
 * The doorbell sleep protocol is Dekker's pattern: the reader announces itself as a sleeper (an atomic add,
 * a full fence) and re-checks the ring; the producer publishes {@code prod}, full fence ({@code smp_mb}),
 * and reads the sleeper count. One of the two must see the other: a reader that goes to sleep on an empty
 * ring must be woken by the producer whose port it missed.
 *
 * <p>The reader runs the ring's own sleep step ({@code PortRing.sleepOnce}, reached through a private method
 * handle because {@code awaitReadable} first spins for tens of microseconds, which would keep the two sides
 * from ever racing). Its doorbell waiter stands for a blocking wait: it returns when the doorbell rings, or
 * once the producer's offer has returned without ringing, after which nothing would ever wake it.
 */
@JCStressTest
@Description("doorbell: a reader that sleeps on an empty ring is always rung by the producer that fills it")
@Outcome(id = "0, 0, 1", expect = ACCEPTABLE,
    desc = "The reader's re-check found the port, so it did not sleep; the producer saw no sleeper.")
@Outcome(id = "0, 1, 1", expect = ACCEPTABLE,
    desc = "The reader's re-check found the port, but the producer saw it announced and rang anyway (harmless).")
@Outcome(id = "1, 1, 1", expect = ACCEPTABLE,
    desc = "The reader slept on an empty ring, the producer saw the sleeper and rang, the reader woke to the port.")
@Outcome(id = {"1, 0, 0", "1, 0, 1"}, expect = FORBIDDEN,
    desc = "Lost wake-up: the reader slept on an empty ring and the producer, having published, saw no sleeper.")
@Outcome(expect = FORBIDDEN, desc = "The reader woke without the port, or returned neither asleep nor readable.")
@State
public class DoorbellNeverLosesWakeup
{
    private static final long SLEEP_TIMEOUT_NS = Long.MAX_VALUE;
    private static final MethodHandle SLEEP_ONCE = sleepOnceHandle();

    private final PortRing ring = PortRing.allocate(4, 4, ReaderWaiting.DOORBELL);
    private final Bell bell = new Bell();

    /**
     * Give the ring this state's doorbell.
     */
    public DoorbellNeverLosesWakeup()
    {
        ring.doorbell(bell);
    }

    /**
     * The producer: one offer into the empty ring, then tell the waiter that no ring can come any more.
     */
    @Actor
    public void producer()
    {
        ring.offer(1);
        bell.producerDone = true;
    }

    /**
     * The reader: one step of the ring's sleep protocol.
     *
     * @param r r1 = 1 if the reader went to sleep (its re-check saw an empty ring), r3 = 1 if it came back
     *          with the ring readable.
     */
    @Actor
    public void reader(final III_Result r)
    {
        final boolean readable = sleepOnce(ring, bell);
        r.r1 = bell.slept ? 1 : 0;
        r.r3 = readable ? 1 : 0;
    }

    /**
     * Record whether the producer rang, then free the ring.
     *
     * @param r r2 = 1 if the producer rang the doorbell.
     */
    @Arbiter
    public void arbiter(final III_Result r)
    {
        r.r2 = bell.rung ? 1 : 0;
        ring.close();
    }

    private static boolean sleepOnce(final PortRing ring, final DoorbellWaiter waiter)
    {
        try
        {
            return (boolean)SLEEP_ONCE.invokeExact(ring, waiter, SLEEP_TIMEOUT_NS);
        }
        catch (final RuntimeException | Error ex)
        {
            throw ex;
        }
        catch (final Throwable ex)
        {
            throw new IllegalStateException("PortRing.sleepOnce failed", ex);
        }
    }

    private static MethodHandle sleepOnceHandle()
    {
        try
        {
            return MethodHandles.privateLookupIn(PortRing.class, MethodHandles.lookup()).findVirtual(
                PortRing.class, "sleepOnce", MethodType.methodType(boolean.class, DoorbellWaiter.class, long.class));
        }
        catch (final ReflectiveOperationException ex)
        {
            throw new ExceptionInInitializerError(new IllegalStateException(
                "PortRing no longer has the private sleep step 'boolean sleepOnce(DoorbellWaiter, long)' "
                + "that this test drives: update the test with the ring", ex));
        }
    }

    /**
     * Both ends of this state's doorbell. The waiting end stands for a blocking wait: it returns when rung,
     * or when the producer has finished its offer without ringing (a real waiter would then sleep forever).
     */
    static final class Bell implements Doorbell, DoorbellWaiter
    {
        volatile boolean rung;
        volatile boolean producerDone;
        boolean slept;

        /**
         * {@inheritDoc}
         */
        @Override
        public void ring()
        {
            rung = true;
        }

        /**
         * {@inheritDoc}
         */
        @Override
        public boolean await(final long timeoutNs)
        {
            slept = true;
            while (!rung && !producerDone)
            {
                Thread.onSpinWait();
            }
            return rung;
        }
    }
}

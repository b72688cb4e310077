package dev.evring.jcstress;

import dev.evring.ring.Doorbell;
import dev.evring.ring.DoorbellWaiter;
import dev.evring.ring.PortRing;
import dev.evring.ring.ReaderWaiting;
import org.agrona.concurrent.NoOpIdleStrategy;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.Description;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.III_Result;


import java.util.concurrent.TimeUnit;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

/**
 * The doorbell sleep protocol is Dekker's pattern: the reader announces itself as a sleeper (an atomic add,
 * a full fence) and re-checks the ring; the producer publishes {@code prod}, full fence ({@code smp_mb}),
 * and reads the sleeper count. One of the two must see the other: a reader that goes to sleep on an empty
 * ring must be woken by the producer whose port it missed.
 *
 * <p>The reader calls {@code awaitReadable} with no time to spin, so it goes straight into the sleep
 * protocol (the default 50 µs of spinning would keep the two sides from ever racing). Its doorbell waiter
 * stands for a blocking wait: it returns when the doorbell rings, or once the producer's offer has returned
 * without ringing, after which nothing would ever wake it; whether it was entered is recorded.
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
    private static final long WAIT_LIMIT_S = 60;

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
     * The reader: wait for the port, sleeping on the doorbell at once.
     *
     * @param r r1 = 1 if the reader went to sleep (its re-check saw an empty ring), r3 = 1 if it came back
     *          with the ring readable.
     */
    @Actor
    public void reader(final III_Result r)
    {
        final boolean readable = awaitWithoutSpinning(ring, bell);
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

    private static boolean awaitWithoutSpinning(final PortRing ring, final DoorbellWaiter waiter)
    {
        try
        {
            return ring.awaitReadable(WAIT_LIMIT_S, TimeUnit.SECONDS, NoOpIdleStrategy.INSTANCE, waiter, 0);
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for the port", ex);
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
        public boolean await(final long mark, final long timeoutNs)
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

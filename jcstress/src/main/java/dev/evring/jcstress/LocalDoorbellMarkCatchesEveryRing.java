package dev.evring.jcstress;

import dev.evring.ring.LocalDoorbell;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Description;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.II_Result;

import java.util.concurrent.TimeUnit;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

/**
 * {@link LocalDoorbell}'s ordering claim: a reader takes the doorbell's mark, then looks for work; the
 * producer publishes the work, then rings. A reader that found no work and waits with its mark is woken by
 * that ring wherever it falls: before the wait (the count already moved past the mark), during the wait's
 * check (the check runs under the ringer's lock) or after it (the ring signals the sleeper). The wait is
 * real and blocks; a lost ring shows as the wait running to its limit (one second, where a ring takes
 * microseconds), even though the count it looks at then has moved.
 */
@JCStressTest
@Description("LocalDoorbell: a ring after the reader's mark always ends the reader's wait")
@Outcome(id = "1, 0", expect = ACCEPTABLE, desc = "The reader found the work and did not wait.")
@Outcome(id = "0, 1", expect = ACCEPTABLE, desc = "The reader found no work, waited with its mark and was rung.")
@Outcome(id = "0, 0", expect = FORBIDDEN, desc = "Lost wake-up: the reader found no work and its wait ran to its limit.")
@Outcome(expect = FORBIDDEN, desc = "Impossible.")
@State
public class LocalDoorbellMarkCatchesEveryRing
{
    private static final long WAIT_LIMIT_NS = TimeUnit.SECONDS.toNanos(1);

    private final LocalDoorbell bell = new LocalDoorbell();
    private volatile boolean work;

    /**
     * The producer: publish the work, then ring.
     */
    @Actor
    public void producer()
    {
        work = true; // volatile write: the work is published before the ring
        bell.ring();
    }

    /**
     * The reader: mark, look for the work, and wait with the mark if there was none.
     *
     * @param r r1 = 1 if the look found the work, r2 = 1 if the wait was rung before its limit.
     */
    @Actor
    public void reader(final II_Result r)
    {
        final long mark = bell.mark();
        if (work)
        {
            r.r1 = 1;
            return;
        }
        try
        {
            final long start = System.nanoTime();
            final boolean rung = bell.await(mark, WAIT_LIMIT_NS);
            r.r2 = rung && System.nanoTime() - start < WAIT_LIMIT_NS ? 1 : 0;
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for the ring", ex);
        }
    }
}

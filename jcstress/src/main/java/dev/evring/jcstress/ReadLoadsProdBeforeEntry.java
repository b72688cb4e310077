package dev.evring.jcstress;

import dev.evring.ring.PortRing;
import dev.evring.ring.ReaderWaiting;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.Description;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.III_Result;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

/**
 * {@link PortRing#read(int[], int, int)} loads {@code prod}, then {@code smp_rmb}, then the entries: every
 * entry it copies must be at least as new as the {@code prod} that covers it, never what the slot held
 * before.
 *
 * <p>The ring has two slots holding stale ports {@value #STALE_SLOT0} and {@value #STALE_SLOT1}, and
 * {@code cons = prod = 3}, so the next two ports land in slot 1 and then slot 0: a read of both copies two
 * chunks across the wrap. One actor offers {@value #FIRST} then {@value #SECOND}, the other reads at most
 * two ports in one call.
 */
@JCStressTest
@Description("read: prod is loaded before the entries it covers (smp_rmb), across a two-chunk wrapped copy")
@Outcome(id = "0, 0, 0", expect = ACCEPTABLE, desc = "Read before the first offer was published: empty.")
@Outcome(id = "1, 1, 0", expect = ACCEPTABLE, desc = "Read between the two offers: the first port.")
@Outcome(id = "2, 1, 2", expect = ACCEPTABLE, desc = "Read after both offers: both ports, in order, across the wrap.")
@Outcome(id = {"1, -2, 0", "2, -2, -3", "2, 1, -3", "2, -2, 2"}, expect = FORBIDDEN,
    desc = "A stale entry under a prod that covers it: the entries were loaded before prod.")
@Outcome(expect = FORBIDDEN, desc = "A port never offered, a duplicate, or ports out of order.")
@State
public class ReadLoadsProdBeforeEntry
{
    private static final int STALE_SLOT0 = -3;
    private static final int STALE_SLOT1 = -2;
    private static final int FIRST = 1;
    private static final int SECOND = 2;

    private final PortRing ring = PortRing.allocate(2, 2, ReaderWaiting.SPIN);
    private final int[] dst = new int[2];

    /**
     * Prime the ring: slot 0 holds {@value #STALE_SLOT0}, slot 1 holds {@value #STALE_SLOT1}, empty at index 3.
     */
    public ReadLoadsProdBeforeEntry()
    {
        ring.offer(-1);
        ring.read(dst, 0, 1);
        ring.offer(STALE_SLOT1);
        ring.offer(STALE_SLOT0);
        ring.read(dst, 0, 2);
    }

    /**
     * The producer: two offers, the second one wrapping to slot 0.
     */
    @Actor
    public void producer()
    {
        ring.offer(FIRST);
        ring.offer(SECOND);
    }

    /**
     * The reader: one read of at most two ports.
     *
     * @param r r1 = ports read, r2 and r3 = the ports read (0 where the read returned fewer).
     */
    @Actor
    public void reader(final III_Result r)
    {
        final int n = ring.read(dst, 0, 2);
        r.r1 = n;
        r.r2 = n > 0 ? dst[0] : 0;
        r.r3 = n > 1 ? dst[1] : 0;
    }

    /**
     * Free the ring once both actors are done.
     */
    @Arbiter
    public void close()
    {
        ring.close();
    }
}

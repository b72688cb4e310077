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
 * {@link PortRing#offer(int)} writes the slot, then {@code smp_wmb}, then publishes {@code prod}: a reader
 * that sees the new {@code prod} must see the new entries, never what the slots held before.
 *
 * <p>The ring has two slots, which already held {@value #STALE} (offered and read while priming), so the
 * next offers reuse them. One actor offers {@value #FIRST} and {@value #SECOND}; the other reads at most
 * two ports. A read of exactly one new port takes it from the producer word (prod and the last port are
 * published in one store), so only a read of two goes through the entries: that is the read that would
 * see a stale slot if an entry store were not ordered before the prod store.
 */
@JCStressTest
@Description("offer: the entry store is ordered before the prod store (smp_wmb)")
@Outcome(id = "0, 0, 0", expect = ACCEPTABLE, desc = "Read before the first offer was published: empty.")
@Outcome(id = "1, 41, 0", expect = ACCEPTABLE, desc = "Read between the offers: one port, from the producer word.")
@Outcome(id = "2, 41, 42", expect = ACCEPTABLE, desc = "Read after both offers: both new entries.")
@Outcome(id = {"2, -1, 42", "2, 41, -1", "2, -1, -1"}, expect = FORBIDDEN,
    desc = "The new prod with a stale entry: an entry store was not ordered before the prod store.")
@Outcome(expect = FORBIDDEN, desc = "A port that was never in the slot, or a count the ring cannot hold.")
@State
public class OfferPublishesEntryBeforeProd
{
    private static final int STALE = -1;
    private static final int FIRST = 41;
    private static final int SECOND = 42;

    private final PortRing ring = PortRing.allocate(2, 2, ReaderWaiting.SPIN);
    private final int[] dst = new int[2];

    /**
     * Prime the ring so that both slots hold the stale port and the ring is empty.
     */
    public OfferPublishesEntryBeforeProd()
    {
        ring.offer(STALE);
        ring.offer(STALE);
        ring.read(dst, 0, 2);
    }

    /**
     * The producer: offer two new ports into the reused slots.
     */
    @Actor
    public void producer()
    {
        ring.offer(FIRST);
        ring.offer(SECOND);
    }

    /**
     * The reader: read at most two ports.
     *
     * @param r r1 = ports read, r2 and r3 = the ports read (0 where none).
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

package dev.evring.jcstress;

import dev.evring.ring.PortRing;
import dev.evring.ring.ReaderWaiting;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.Description;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.II_Result;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

/**
 * {@link PortRing#offer(int)} writes the slot, then {@code smp_wmb}, then publishes {@code prod}: a reader
 * that sees the new {@code prod} must see the new entry, never what the slot held before.
 *
 * <p>The ring has one slot, which already held {@value #STALE} (offered and read while priming), so the
 * next offer reuses it. One actor offers {@value #PORT}, the other reads at most one port.
 */
@JCStressTest
@Description("offer: the entry store is ordered before the prod store (smp_wmb)")
@Outcome(id = "0, 0", expect = ACCEPTABLE, desc = "Read before the offer was published: the ring was empty.")
@Outcome(id = "1, 42", expect = ACCEPTABLE, desc = "Read after the offer: the new prod and the new port.")
@Outcome(id = "1, -1", expect = FORBIDDEN,
    desc = "The new prod with the stale entry: the entry store was not ordered before the prod store.")
@Outcome(expect = FORBIDDEN, desc = "A port that was never in the slot, or a count the ring cannot hold.")
@State
public class OfferPublishesEntryBeforeProd
{
    private static final int STALE = -1;
    private static final int PORT = 42;

    private final PortRing ring = PortRing.allocate(1, 1, ReaderWaiting.SPIN);
    private final int[] dst = new int[1];

    /**
     * Prime the ring so that its only slot holds the stale port and the ring is empty.
     */
    public OfferPublishesEntryBeforeProd()
    {
        ring.offer(STALE);
        ring.read(dst, 0, 1);
    }

    /**
     * The producer: offer the new port into the reused slot.
     */
    @Actor
    public void producer()
    {
        ring.offer(PORT);
    }

    /**
     * The reader: read at most one port.
     *
     * @param r r1 = ports read, r2 = the port read (0 if none).
     */
    @Actor
    public void reader(final II_Result r)
    {
        final int n = ring.read(dst, 0, 1);
        r.r1 = n;
        r.r2 = n == 0 ? 0 : dst[0];
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

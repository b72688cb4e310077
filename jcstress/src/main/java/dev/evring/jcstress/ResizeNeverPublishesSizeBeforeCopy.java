package dev.evring.jcstress;

import dev.evring.ring.PortRing;
import dev.evring.ring.ReaderWaiting;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.Description;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.IIII_Result;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

/**
 * {@link PortRing#resize(int)} copies {@code [0, size)} to {@code [size, 2 * size)}, then {@code smp_wmb},
 * then publishes the new size: a reader racing with it must read every port exactly once, in order, whether
 * it sees the old size or the new one.
 *
 * <p>The ring has capacity 4 (maximum 8) and is full with ports 1 to 4 whose live range wraps
 * ({@code cons = 2}, {@code prod = 6}: slots 2, 3, 0, 1). Under the new mask, ports 3 and 4 live in slots 4
 * and 5, which only the copy fills. One actor resizes to 8 and offers 5 and 6 (these offers fail, and
 * overflow the ring, if they do not see the new size); the other reads twice. The arbiter reads whatever is
 * left, so all six ports must have come out in order between the two.
 */
@JCStressTest
@Description("resize: the doubled copy is visible before the new size, so readers never see a hole or a repeat")
@Outcome(id = {"4, 6, 0, 0", "5, 6, 0, 0", "6, 6, 0, 0"}, expect = ACCEPTABLE,
    desc = "The reader took the first 4, 5 or 6 ports; with the arbiter, ports 1 to 6 each came out once, in order.")
@Outcome(expect = FORBIDDEN,
    desc = "A missing, repeated, out-of-order or never-offered port (r3 = its 1-based position, r4 = its value), "
        + "or the reader missed ports the ring held before the resize.")
@State
public class ResizeNeverPublishesSizeBeforeCopy
{
    private static final int OLD_CAPACITY = 4;
    private static final int NEW_CAPACITY = 8;
    private static final int PORTS = 6;

    private final PortRing ring = PortRing.allocate(OLD_CAPACITY, NEW_CAPACITY, ReaderWaiting.SPIN);
    private final int[] dst = new int[NEW_CAPACITY];

    /**
     * Prime the ring: full with ports 1 to 4, the live range wrapping past the end of the entries.
     */
    public ResizeNeverPublishesSizeBeforeCopy()
    {
        ring.offer(-1);
        ring.offer(-2);
        ring.read(dst, 0, 2);
        for (int port = 1; port <= OLD_CAPACITY; port++)
        {
            ring.offer(port);
        }
    }

    /**
     * The producer: double the ring, then offer two more ports that only fit in the doubled ring.
     */
    @Actor
    public void producer()
    {
        ring.resize(NEW_CAPACITY);
        ring.offer(OLD_CAPACITY + 1);
        ring.offer(OLD_CAPACITY + 2);
    }

    /**
     * The reader: two reads, each taking all it can.
     *
     * @param r r1 = ports read by this actor.
     */
    @Actor
    public void reader(final IIII_Result r)
    {
        final int first = ring.read(dst, 0, dst.length);
        r.r1 = first + ring.read(dst, first, dst.length - first);
    }

    /**
     * Read what is left and check the whole sequence, then free the ring.
     *
     * @param r r2 = ports read in all, r3 = 1-based position of the first wrong port (0 if none), r4 = its value.
     */
    @Arbiter
    public void arbiter(final IIII_Result r)
    {
        final int total = r.r1 + ring.read(dst, r.r1, dst.length - r.r1);
        r.r2 = total;
        for (int i = 0; i < total; i++)
        {
            if (dst[i] != i + 1)
            {
                r.r3 = i + 1;
                r.r4 = dst[i];
                break;
            }
        }
        ring.close();
    }
}

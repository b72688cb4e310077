package dev.evring.ring;

import java.nio.file.Path;

/**
 * A producer in its own JVM for {@link PortRingProducerRoleTest}: offers 0, 1, 2, ... into a ring, as
 * fast as there is room, until it is killed. It never exits on its own.
 */
public final class OfferingProcess
{
    private OfferingProcess()
    {
    }

    /**
     * Run the producer.
     *
     * @param args the ring file, then {@code exclusive} to claim the exclusive producer role first.
     * @throws Exception if the ring cannot be opened.
     */
    public static void main(final String[] args) throws Exception
    {
        try (PortRing ring = PortRing.open(Path.of(args[0])))
        {
            if (args.length > 1 && "exclusive".equals(args[1]))
            {
                ring.claimExclusiveProducer();
            }
            int next = 0;
            while (true)
            {
                if (ring.tryOffer(next))
                {
                    next++;
                }
                else
                {
                    Thread.onSpinWait();
                }
            }
        }
    }
}

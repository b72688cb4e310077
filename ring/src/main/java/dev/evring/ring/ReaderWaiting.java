package dev.evring.ring;

/**
 * How the readers of a ring wait for ports, fixed when the ring is created and recorded in its header.
 *
 * <p>A reader that sleeps and a producer that publishes form Dekker's pattern: each must store, fence,
 * then load what the other stored, or a wake-up can be lost. The producer's half is a full fence
 * ({@code smp_mb}) on every offer; on a stream that fence waits for the store of {@code prod} to reach
 * the cache line the readers keep pulling away, which costs far more than the offer itself. A ring
 * whose readers only spin does not need it.
 */
public enum ReaderWaiting
{
    /**
     * Readers spin, yield or park on a timer through an {@code IdleStrategy}, never on a doorbell; offer
     * pays only the store-store fence ({@code smp_wmb}). The fastest stream.
     */
    SPIN(0),

    /**
     * Readers may sleep on a {@link DoorbellWaiter}; offer adds a full fence and a sleeper check, and
     * rings the {@link Doorbell} when a port lands in an empty ring while a reader sleeps. The default.
     */
    DOORBELL(1);

    private final int code;

    ReaderWaiting(final int code)
    {
        this.code = code;
    }

    int code()
    {
        return code;
    }

    static ReaderWaiting of(final int code)
    {
        for (final ReaderWaiting mode : values())
        {
            if (mode.code == code)
            {
                return mode;
            }
        }
        return null;
    }
}

package dev.evring.ring;

/**
 * A read on a ring whose producer found it full: the ring's sticky overflow flag is set and every read
 * fails with {@link Errno#EFBIG} until {@link PortRing#reset()} (the kernel's {@code -EFBIG} from
 * {@code evtchn_read}). Ports that did not fit were lost; the reader must resynchronise.
 */
public final class RingOverflowException extends IllegalStateException
{
    private static final long serialVersionUID = 1L;

    /**
     * Create the exception for the named ring.
     *
     * @param ring what the ring is, for the message.
     */
    public RingOverflowException(final String ring)
    {
        super("EFBIG: " + ring + " overflowed (a port was offered while it was full); reset() it and resynchronise");
    }

    /**
     * The error number a device read reports for this condition.
     *
     * @return {@link Errno#EFBIG}.
     */
    public Errno errno()
    {
        return Errno.EFBIG;
    }
}

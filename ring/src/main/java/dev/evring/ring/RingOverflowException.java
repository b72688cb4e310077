package dev.evring.ring;

/**
 * A read on a ring whose producer found it full: the ring's sticky overflow flag is set and every read
 * fails with {@link Errno#EFBIG} until {@link PortRing#reset()} (the kernel's {@code -EFBIG} from
 * {@code evtchn_read}). Ports that did not fit were lost; the reader must resynchronise.
 *
 * <p>A {@link RingException}, so it carries its errno as every member of the {@link ErrnoException}
 * family does, and still an {@link IllegalStateException}, so existing catchers keep compiling and
 * catching it.
 */
public final class RingOverflowException extends RingException
{
    private static final long serialVersionUID = 2L;

    /**
     * Create the exception for the named ring.
     *
     * @param ring what the ring is, for the message.
     */
    public RingOverflowException(final String ring)
    {
        super(Errno.EFBIG, ring + " overflowed (a port was offered while it was full); reset() it and resynchronise");
    }
}

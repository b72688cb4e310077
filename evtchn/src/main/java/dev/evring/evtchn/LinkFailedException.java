package dev.evring.evtchn;

/**
 * Carries a link failure out of a {@link dev.evring.ring.DoorbellWaiter}, whose signature admits no
 * checked exception; {@link Evtchn} unwraps it.
 */
final class LinkFailedException extends RuntimeException
{
    private static final long serialVersionUID = 1L;

    LinkFailedException(final EvtchnException cause)
    {
        super(cause.getMessage(), cause, false, false);
    }

    EvtchnException failure()
    {
        return (EvtchnException)getCause();
    }
}

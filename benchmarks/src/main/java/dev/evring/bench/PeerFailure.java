package dev.evring.bench;

/**
 * A benchmark peer stopped because its partner gave up or died, the run's deadline passed, or the data it
 * received was not what was sent.
 */
final class PeerFailure extends RuntimeException
{
    private static final long serialVersionUID = 1L;

    /**
     * A failure with its reason.
     *
     * @param message what went wrong.
     */
    PeerFailure(final String message)
    {
        super(message);
    }
}

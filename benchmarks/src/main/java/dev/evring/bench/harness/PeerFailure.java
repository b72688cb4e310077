package dev.evring.bench.harness;

/**
 * A benchmark peer stopped because its partner gave up or died, the run's deadline passed, or the data it
 * received was not what was sent.
 */
public final class PeerFailure extends RuntimeException
{
    private static final long serialVersionUID = 1L;

    /**
     * A failure with its reason.
     *
     * @param message what went wrong.
     */
    public PeerFailure(final String message)
    {
        super(message);
    }
}

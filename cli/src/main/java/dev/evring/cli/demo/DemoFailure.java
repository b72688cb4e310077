package dev.evring.cli.demo;

/**
 * Why {@code evring demo} cannot go on, in one line that says what to do, with the exit status to end
 * with: {@link #USAGE} for a mistake on the command line, {@link #FAILED} for the machine or a run that
 * went wrong.
 */
final class DemoFailure extends Exception
{
    private static final long serialVersionUID = 1L;

    /** Exit status for a bad option or a bad {@code --dir}. */
    static final int USAGE = 2;
    /** Exit status for everything else that stops the demo. */
    static final int FAILED = 1;

    private final int exitCode;

    DemoFailure(final int exitCode, final String message)
    {
        super(message);
        this.exitCode = exitCode;
    }

    DemoFailure(final int exitCode, final String message, final Throwable cause)
    {
        super(message, cause);
        this.exitCode = exitCode;
    }

    int exitCode()
    {
        return exitCode;
    }
}

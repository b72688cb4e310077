package dev.evring.examples;

import dev.evring.lguest.GuestContext;
import dev.evring.lguest.GuestMemory;
import dev.evring.lguest.GuestProgram;

/**
 * An lguest guest: the launcher ({@link LauncherExample}) puts a number {@code n} at guest-physical
 * address {@link #INPUT}; the guest writes 1 + 2 + ... + n at {@link #OUTPUT} and notifies
 * {@link #DONE}, the launcher's {@code run()} returns with that notify, and the guest returns (its
 * vCPU shuts down) when resumed.
 */
public final class GuestExample implements GuestProgram
{
    /** Where the launcher puts the input. */
    public static final long INPUT = 0x1000;
    /** Where the guest writes its answer. */
    public static final long OUTPUT = 0x1008;
    /** The notify address that says the answer is there. */
    public static final long DONE = 0x2000;

    /**
     * A guest program needs a public no-argument constructor: the guest runtime instantiates it.
     */
    public GuestExample()
    {
    }

    /**
     * {@inheritDoc}
     */
    @Override
    public void run(final GuestContext context)
    {
        final GuestMemory memory = context.memory();          // bounds-checked guest-physical memory
        final long n = memory.getLong(INPUT);
        memory.putLong(OUTPUT, n * (n + 1) / 2);
        context.notify(DONE);                                 // stops this vCPU until the next run()
    }
}

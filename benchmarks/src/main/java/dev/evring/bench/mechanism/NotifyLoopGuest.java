package dev.evring.bench.mechanism;

import dev.evring.lguest.GuestContext;
import dev.evring.lguest.GuestProgram;

/**
 * The guest program of {@code lguest-notify}: notify {@link #ADDRESS} for ever. Each notify returns when
 * the launcher runs the vCPU again; the launcher ends the guest by closing the device.
 */
public final class NotifyLoopGuest implements GuestProgram
{
    /** The address the guest notifies (no eventfd holds it, so every notify is a {@code run()} exit). */
    static final long ADDRESS = 0x1000;

    /**
     * Loaded by the guest JVM through this constructor.
     */
    public NotifyLoopGuest()
    {
    }

    /**
     * {@inheritDoc}
     */
    @Override
    public void run(final GuestContext context)
    {
        while (true)
        {
            context.notify(ADDRESS);
        }
    }
}

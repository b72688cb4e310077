package dev.evring.lguest;

/**
 * The guest's code: the class named as {@code startClass} in {@link Lguest#initialize}, loaded in the guest
 * JVM through its public no-argument constructor. One instance runs on every vCPU, each call on that vCPU's
 * own thread with its own {@link GuestContext}; it first runs at the first {@link Lguest#run(int)} of that
 * vCPU.
 *
 * <p>Returning ends the program on that vCPU; when it has returned on every vCPU the guest shuts down and
 * is reported dead with a reason saying so. An exception thrown out of {@code run} kills the guest with a
 * reason naming it.
 */
@FunctionalInterface
public interface GuestProgram
{
    /**
     * Run on one vCPU.
     *
     * @param context this vCPU's runtime: memory, notify, halt, interrupts, crash.
     * @throws Exception anything; it kills the guest.
     */
    void run(GuestContext context) throws Exception;
}

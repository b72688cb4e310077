package dev.evring.ring;

/**
 * The producer's end of a doorbell: what {@link PortRing#offer(int)} rings when a port lands in an empty
 * ring while a reader sleeps (the {@code wake_up_interruptible} of the kernel's {@code evtchn_interrupt}).
 * Rung only on that slow path, so a reader that spins never costs the producer a system call.
 */
@FunctionalInterface
public interface Doorbell
{
    /**
     * Wake every reader blocked in a {@link DoorbellWaiter} of this doorbell. Must not block.
     */
    void ring();
}

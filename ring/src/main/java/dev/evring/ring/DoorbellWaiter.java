package dev.evring.ring;

/**
 * The reader's end of a doorbell: blocks a reader that has announced itself asleep in a ring until the
 * producer rings, the timeout passes or the thread is interrupted. A ring that happened before the wait
 * started must not be lost: implementations keep it as a pending permit.
 */
@FunctionalInterface
public interface DoorbellWaiter
{
    /**
     * Block until rung.
     *
     * @param timeoutNs the longest wait, in nanoseconds; zero or less returns at once.
     * @return true if a ring was taken, false on timeout.
     * @throws InterruptedException if the waiting thread is interrupted.
     */
    boolean await(long timeoutNs) throws InterruptedException;
}

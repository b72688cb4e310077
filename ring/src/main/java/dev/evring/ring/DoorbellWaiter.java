package dev.evring.ring;

/**
 * The reader's end of a doorbell: blocks a reader that has announced itself asleep in a ring until the
 * producer rings, the timeout passes or the thread is interrupted. The reader takes a {@link #mark()}
 * before its last look at the ring and waits with it: a ring after the mark ends the wait even if it came
 * before the wait began, so no ring between the look and the sleep is lost (the kernel's
 * {@code prepare_to_wait} before the condition's check).
 */
@FunctionalInterface
public interface DoorbellWaiter
{
    /**
     * Mark the rings so far, before the last look at the ring. The default, 0, is for a waiter that keeps
     * every ring as a pending permit until a wait takes it (a byte in a socket), so it needs no mark.
     *
     * @return the mark to pass to {@link #await(long, long)}.
     */
    default long mark()
    {
        return 0L;
    }

    /**
     * Block until rung after {@code mark} was taken.
     *
     * @param mark      what {@link #mark()} returned before the caller last looked at its ring.
     * @param timeoutNs the longest wait, in nanoseconds; zero or less returns at once.
     * @return true if a ring came after the mark, false on timeout.
     * @throws InterruptedException if the waiting thread is interrupted.
     */
    boolean await(long mark, long timeoutNs) throws InterruptedException;
}

package dev.evring.evtchn;

import dev.evring.ring.DoorbellWaiter;
import dev.evring.ring.PortRing;
import org.agrona.concurrent.IdleStrategy;

import java.util.concurrent.TimeUnit;
import java.util.function.IntSupplier;

/**
 * A handle's wait for its next fired port ({@link Evtchn#awaitPending}): poll the event ring through the
 * handle's idle strategy for its spin time, with no system call on either side, then sleep until the hub
 * rings the handle's doorbell. Where the ports come from (the ring, and for an in-process handle of an
 * invoker hub one hub duty cycle when it is empty) and whether the handle is still usable are the
 * handle's to say.
 */
final class PendingWait
{
    /**
     * The handle's check that it is open and its hub alive.
     */
    @FunctionalInterface
    interface UsableCheck
    {
        /**
         * Fail if the handle is closed or its link failed.
         *
         * @throws EvtchnException EBADF, or the link's failure.
         */
        void check() throws EvtchnException;
    }

    private final HubLink link;
    private final DoorbellWaiter waiter;
    private final long spinBeforeSleepNs;
    private final ThreadLocal<IdleStrategy> idle;
    private final IntSupplier nextPort;
    private final UsableCheck usable;

    /**
     * A wait over a handle's link.
     *
     * @param link     the handle's link (its event ring, once the first bind made it).
     * @param options  the handle's options: idle strategy and spin time.
     * @param waiter   the handle's doorbell waiter.
     * @param nextPort the handle's next port, or -1.
     * @param usable   the handle's check that it may go on.
     */
    PendingWait(final HubLink link, final HandleOptions options, final DoorbellWaiter waiter, final IntSupplier nextPort,
        final UsableCheck usable)
    {
        this.link = link;
        this.waiter = waiter;
        this.spinBeforeSleepNs = options.spinBeforeSleepNs();
        this.idle = ThreadLocal.withInitial(options.idleStrategy());
        this.nextPort = nextPort;
        this.usable = usable;
    }

    /**
     * Wait for the next port.
     *
     * @param timeoutNs the longest wait.
     * @return the port, or -1 on timeout.
     * @throws EvtchnException       as the handle's check, while polling.
     * @throws InterruptedException  if the thread is interrupted while waiting.
     * @throws LinkFailedException   if the link fails while the thread sleeps.
     * @throws IllegalStateException as the ring's reads (an overflow).
     */
    int await(final long timeoutNs) throws EvtchnException, InterruptedException
    {
        final long start = System.nanoTime();
        final long deadline = start + timeoutNs;
        final IdleStrategy idle = this.idle.get();
        idle.reset();
        while (true) // polling: costs no system call, and sees the hub's failure through the link
        {
            final int port = nextPort.getAsInt();
            if (port >= 0)
            {
                return port;
            }
            final long now = System.nanoTime();
            if (now - deadline >= 0)
            {
                return -1;
            }
            if (now - start >= spinBeforeSleepNs)
            {
                break;
            }
            usable.check();
            if (Thread.interrupted())
            {
                throw new InterruptedException("interrupted while waiting for a port");
            }
            idle.idle();
        }
        while (true)
        {
            final long mark = waiter.mark(); // before the look: a ring after it (the ring made) ends the sleep below
            final int port = nextPort.getAsInt(); // an invoker hub's requests posted so far apply before any sleep
            if (port >= 0)
            {
                return port;
            }
            final long remaining = deadline - System.nanoTime();
            if (remaining <= 0)
            {
                return -1;
            }
            final PortRing events = link.events();
            if (events == null)
            {
                if (Thread.interrupted())
                {
                    throw new InterruptedException("interrupted while waiting for a port");
                }
                waiter.await(mark, remaining);
            }
            else if (!events.awaitReadable(remaining, TimeUnit.NANOSECONDS, idle, waiter, 0)) // spun above
            {
                return -1;
            }
        }
    }
}

package dev.evring.evtchn;

import dev.evring.ring.DoorbellWaiter;
import dev.evring.ring.PortRing;


/**
 * How a handle reaches its hub: over a control socket and shared-memory rings ({@link SocketLink}), or
 * by direct calls in the hub's own process ({@link LocalLink}).
 */
interface HubLink
{
    /**
     * The handle's domain.
     */
    int domid();

    /**
     * The hub's number of ports.
     */
    int maxPorts();

    /**
     * Run a control request and return its value; the event ring is available once a bind succeeded.
     */
    int control(int op, int a, int b) throws EvtchnException;

    /**
     * Post an unmask or notify (a request-ring op) for a port the handle holds.
     */
    void post(int ringOp, int port) throws EvtchnException;

    /**
     * The event ring, or null before the first bind.
     */
    PortRing events();

    /**
     * Whether the event ring's unread entries hold a port rather than only blanks (the zeros an unbind
     * leaves in place of the ports it removed, which readers skip).
     */
    default boolean hasPorts()
    {
        final PortRing events = events();
        return events != null && events.hasUnreadOtherThan(Protocol.BLANK);
    }

    /**
     * The doorbell the hub rings when a port lands in the empty ring while a reader sleeps; it is also
     * rung when the link fails, and then it fails the wait.
     */
    DoorbellWaiter waiter();

    /**
     * Why the link no longer works, or null while it does.
     */
    EvtchnException failure();

    /**
     * Run the hub's request polling once on the calling thread if this link is an in-process handle of a
     * {@link RequestPolling#INVOKER} hub, and return the number of request words applied (0 for any other
     * link).
     */
    default int pollHub()
    {
        return 0;
    }

    /**
     * Wake every thread sleeping on {@link #waiter()} so that it looks at the handle's state again.
     */
    void wake();

    /**
     * Release the handle at the hub.
     */
    void close();
}

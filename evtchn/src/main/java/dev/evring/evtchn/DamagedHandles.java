package dev.evring.evtchn;

import dev.evring.ring.Errno;
import dev.evring.ring.RingException;

import java.util.ArrayDeque;

/**
 * The handles whose client broke memory it shares with the hub (truncated, zeroed or locked its event
 * ring, say), found in the middle of an operation: the operation finishes without them, and the
 * {@link HubConductor} faults each one once it is done (H1). Reporting never throws, so a port table
 * operation cut short by one client's ring still leaves the table consistent for everybody else. Used
 * under the hub's lock.
 */
final class DamagedHandles
{
    private final ArrayDeque<HubHandle> handles = new ArrayDeque<>();

    /**
     * A handle's ring failed: remember it (once) with the ring's errno.
     */
    void report(final HubHandle handle, final RingException cause)
    {
        report(handle, cause.errno());
    }

    /**
     * A handle is to be cut off with this errno (the first reason reported wins). A handle whose release
     * was cut short (a late fault) may be reported again, so that its release completes.
     */
    void report(final HubHandle handle, final Errno errno)
    {
        if (handle.damage == null)
        {
            handle.damage = errno;
        }
        if (!handles.contains(handle))
        {
            handles.add(handle);
        }
    }

    /**
     * The next handle to fault.
     *
     * @return a reported handle, or null when none is left.
     */
    HubHandle poll()
    {
        return handles.poll();
    }
}

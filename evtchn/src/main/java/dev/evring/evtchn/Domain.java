package dev.evring.evtchn;

import org.agrona.collections.IntHashSet;

/**
 * A domain in a hub: domain 0 is the hub's own (its in-process handles); the remote handles of one
 * process (one pid) share a domain, which lives while any of them is open. Ports belong to the domain;
 * each bound port is held by one handle. Guarded by the hub's lock.
 */
final class Domain
{
    /** The pid of domain 0, which is not keyed by a client's pid. */
    static final long HUB_PID = -1;

    final int domid;
    final long pid;
    final int[] virqPorts = new int[Virq.COUNT];
    final IntHashSet ports = new IntHashSet();
    int handles;

    Domain(final int domid, final long pid)
    {
        this.domid = domid;
        this.pid = pid;
    }
}

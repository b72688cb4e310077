package dev.evring.evtchn;

import org.agrona.collections.IntHashSet;

/**
 * A domain in a hub: domain 0 is the hub's own (its in-process handles), every remote handle is a domain
 * of its own. Guarded by the hub's lock.
 */
final class Domain
{
    final int domid;
    final int[] virqPorts = new int[Virq.COUNT];
    final IntHashSet ports = new IntHashSet();

    Domain(final int domid)
    {
        this.domid = domid;
    }
}

package dev.evring.evtchn;

import dev.evring.ring.PortRing;

/**
 * Taking ports off a handle's event ring: the ring may hold blank entries ({@link Protocol#BLANK}), left
 * where an unbind took back ports that were not read yet (the hub cannot remove an entry from the middle
 * of a ring). Every reader skips them, and a ring that holds only blanks counts as empty.
 */
final class EventReads
{
    private EventReads()
    {
    }

    /**
     * Take the next port that is not a blank.
     *
     * @param events the event ring.
     * @return the port, or -1 if the ring holds none.
     * @throws IllegalStateException as {@link PortRing#readOne()} (an overflow, a broken ring).
     */
    static int nextPort(final PortRing events)
    {
        while (true)
        {
            final long port = events.readOne();
            if (port == PortRing.NONE)
            {
                return -1;
            }
            if (port != Protocol.BLANK)
            {
                return (int)port;
            }
        }
    }

    /**
     * Take up to {@code room} ports that are not blanks: reads again while a read took only blanks.
     *
     * @param events the event ring.
     * @param ports  destination.
     * @param off    first index to fill.
     * @param room   at most this many, at least 1.
     * @return the number of ports taken, 0 if the ring holds none.
     * @throws IllegalStateException as {@link PortRing#read(int[], int, int)}.
     */
    static int read(final PortRing events, final int[] ports, final int off, final int room)
    {
        while (true)
        {
            final int n = events.read(ports, off, room);
            int kept = 0;
            for (int i = 0; i < n; i++)
            {
                final int port = ports[off + i];
                if (port != Protocol.BLANK)
                {
                    ports[off + kept++] = port;
                }
            }
            if (n == 0 || kept > 0)
            {
                return kept;
            }
        }
    }

    /**
     * A link's poll mask, with rings of blanks only counted as empty.
     *
     * @param link the link.
     * @return {@link PortRing#POLLOUT}, with {@link PortRing#POLLIN} while ports are pending;
     * {@link PortRing#POLLERR} alone after an overflow.
     */
    static int pollMask(final HubLink link)
    {
        final PortRing events = link.events();
        if (events == null)
        {
            return PortRing.POLLOUT;
        }
        final int mask = events.pollMask();
        return (mask & PortRing.POLLIN) != 0 && !link.hasPorts() ? mask & ~PortRing.POLLIN : mask;
    }
}

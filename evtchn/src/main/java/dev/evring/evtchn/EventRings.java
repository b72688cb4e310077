package dev.evring.evtchn;

import dev.evring.ring.Errno;
import dev.evring.ring.ErrnoException;
import dev.evring.ring.PortRing;
import dev.evring.ring.ReaderWaiting;
import dev.evring.ring.RingException;
import org.agrona.concurrent.status.AtomicCounter;

import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * The handles' event rings, seen from the hub, their only writer: made at a handle's first bind (a
 * mapped file {@code h<id>.events} for a remote handle, direct memory for an in-process one), grown so
 * that every bound port has a free slot (E1), reset, scrubbed of an unbound port, and dropped with the
 * handle. Called under the hub's lock.
 *
 * <p>A remote handle's client maps its ring read-write, so the hub trusts nothing it finds there: the
 * capacity it grows from is its own ({@link HubHandle#eventCapacity}), it is the ring's
 * {@link PortRing#claimExclusiveProducer() exclusive producer} (prod and size stay on its side), the
 * ring's own checks catch a truncated file before any atomic, and the producer lock, which only the hub
 * takes, is waited for {@value #PRODUCER_LOCK_TIMEOUT_MS} ms at most. A ring that fails one of those
 * checks is {@link DamagedHandles reported}: its handle is faulted once the operation is done.
 */
final class EventRings
{
    /** The hub is the only producer of its rings: a lock held longer is a client's doing (H3). */
    static final long PRODUCER_LOCK_TIMEOUT_MS = 10;
    private static final int OP_BIND = Protocol.OP_BIND_UNBOUND_PORT;

    private final Path directory;
    private final int capacityLimit;
    private final DamagedHandles damaged;
    private final AtomicCounter wakeupsCounter;
    private final int[] drained = new int[1024];

    EventRings(final Path directory, final int capacityLimit, final DamagedHandles damaged, final HubCounters counters)
    {
        this.directory = directory;
        this.capacityLimit = capacityLimit;
        this.damaged = damaged;
        this.wakeupsCounter = counters.counter(HubCounter.WAKEUPS);
    }

    /**
     * One free slot for every bound port: the first bind makes room for 64, then room doubles each time
     * the bound count exceeds it (E1).
     *
     * @throws EvtchnException ENOMEM beyond the capacity limit, ENOSPC if the disk has no room for the
     *                         new entries (nothing changed), or the ring's errno if the client broke it.
     */
    void ensureRoom(final HubHandle handle) throws EvtchnException
    {
        final int capacity = handle.eventCapacity;
        if (handle.ports.size() <= capacity)
        {
            return;
        }
        final int newCapacity = capacity == 0 ? PortRing.DEFAULT_INITIAL_CAPACITY : capacity << 1;
        if (newCapacity > capacityLimit)
        {
            throw ErrorText.exception(OP_BIND, Errno.ENOMEM, 0, 0);
        }
        if (handle.events == null)
        {
            create(handle);
        }
        else
        {
            grow(handle, newCapacity);
        }
    }

    private void grow(final HubHandle handle, final int newCapacity) throws EvtchnException
    {
        try
        {
            handle.events.resize(newCapacity);
            handle.eventCapacity = newCapacity;
        }
        catch (final RingException ex)
        {
            if (ex.errno() != Errno.ENOSPC)
            {
                damaged.report(handle, ex);
            }
            throw new EvtchnException(ex.errno(), ex.getMessage(), ex);
        }
    }

    /**
     * Make a remote handle's event ring file ahead of its first bind, outside the hub's lock (creating,
     * reserving and mapping a file is the slowest step of a bind, and nobody else should wait for it).
     *
     * @return the new ring, or null if the handle has one (or is local) or the file cannot be made now (the
     *         bind then tries again under the lock and fails with the reason).
     */
    PortRing prepare(final HubHandle handle)
    {
        if (handle.isLocal() || handle.events != null)
        {
            return null;
        }
        try
        {
            return createFile(handle);
        }
        catch (final EvtchnException ex)
        {
            return null;
        }
    }

    /**
     * Drop the ring {@link #prepare} made if the bind did not take it (it failed, or the handle went).
     */
    void discardFresh(final HubHandle handle)
    {
        final PortRing fresh = handle.freshEvents;
        if (fresh != null)
        {
            handle.freshEvents = null;
            fresh.close();
            HubHandle.deleteQuietly(fresh.file());
        }
    }

    private PortRing createFile(final HubHandle handle) throws EvtchnException
    {
        final Path file = directory.resolve(HubHandle.eventsFileName(handle.id));
        try
        {
            final PortRing events = PortRing.create(file, PortRing.DEFAULT_INITIAL_CAPACITY, capacityLimit, ReaderWaiting.DOORBELL);
            events.producerLockTimeout(PRODUCER_LOCK_TIMEOUT_MS, TimeUnit.MILLISECONDS);
            return events;
        }
        catch (final IOException ex)
        {
            final Errno errno = ex instanceof ErrnoException ? ((ErrnoException)ex).errno() : Errno.ENOMEM;
            throw new EvtchnException(errno, "cannot create the event ring " + file + ": " + ex.getMessage(), ex);
        }
    }

    private void create(final HubHandle handle) throws EvtchnException
    {
        final int initial = PortRing.DEFAULT_INITIAL_CAPACITY;
        final PortRing events;
        if (handle.isLocal())
        {
            events = PortRing.allocate(initial, capacityLimit, ReaderWaiting.DOORBELL);
        }
        else
        {
            events = handle.freshEvents != null ? handle.freshEvents : createFile(handle);
            handle.freshEvents = null;
            handle.eventsFile = events.file();
        }
        events.claimExclusiveProducer(); // the hub is the only writer of every event ring
        final HubSession session = handle.session;
        events.doorbell(session == null ? handle.localDoorbell : () ->
        {
            wakeupsCounter.incrementRelease();
            session.doorbell();
        });
        handle.eventCapacity = initial;
        handle.events = events;
        if (session == null)
        {
            handle.localDoorbell.ring(); // a local reader waiting for the ring to exist looks again
        }
    }

    /**
     * Empty a handle's ring and clear its overflow (the handle's reset request).
     *
     * @throws EvtchnException the ring's errno if the client broke it (the handle is then reported).
     */
    void reset(final HubHandle handle) throws EvtchnException
    {
        final PortRing events = handle.events;
        if (events == null)
        {
            return;
        }
        try
        {
            events.reset();
        }
        catch (final RingException ex)
        {
            damaged.report(handle, ex);
            throw new EvtchnException(ex.errno(), ex.getMessage(), ex);
        }
    }

    /**
     * Overwrite every unread copy of {@code port} in the ring with 0, which is never a port and which
     * readers skip: after unbind returns, the port cannot be read from this handle's ring (E16).
     * {@link PortRing#replaceUnread} also reaches the copy a one-port read takes from the producer word,
     * and moves the ring's generation so that no read begun before it can claim a scrubbed copy. A ring
     * left holding blanks only is read empty, so that its poll mask stops reporting POLLIN for entries no
     * reader would return. A ring the client broke is reported instead (its handle goes, ring and all).
     */
    void scrub(final HubHandle handle, final int port)
    {
        final PortRing events = handle.events;
        if (events == null)
        {
            return;
        }
        try
        {
            events.replaceUnread(port, Protocol.BLANK);
            if (!events.isEmpty() && !events.hasUnreadOtherThan(Protocol.BLANK))
            {
                drainBlanks(events);
            }
        }
        catch (final RingException ex)
        {
            damaged.report(handle, ex);
        }
    }

    /**
     * Read away a ring that holds only blanks. Safe next to other readers: under the lock nothing but
     * blanks can be read.
     */
    private void drainBlanks(final PortRing events)
    {
        if (events.overflowed())
        {
            return; // the overflow stays until reset, whatever the ring holds
        }
        while (events.read(drained, 0, drained.length) > 0)
        {
            // blanks only: dropped
        }
    }

    /**
     * Whether a remote handle's ring files still cover their mappings (one {@code fstat} each).
     *
     * @return false if the client truncated its event or request ring.
     */
    static boolean filesWhole(final HubHandle handle)
    {
        return isWhole(handle.events) && isWhole(handle.requests);
    }

    private static boolean isWhole(final PortRing ring)
    {
        try
        {
            if (ring != null)
            {
                ring.checkFile();
            }
            return true;
        }
        catch (final IOException | IllegalStateException ex)
        {
            return false;
        }
    }

    /**
     * Drop a released handle's event ring: unmap it (the ring skips its atomics on a truncated file) and
     * remove its file.
     */
    void drop(final HubHandle handle)
    {
        final PortRing events = handle.events;
        if (events != null)
        {
            events.close();
            HubHandle.deleteQuietly(handle.eventsFile);
        }
    }
}

package dev.evring.evtchn;

import dev.evring.ring.Errno;
import dev.evring.ring.LocalDoorbell;
import dev.evring.ring.PortRing;
import org.agrona.collections.IntHashSet;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The hub's side of one handle (the kernel's {@code per_user_data}): its domain, its ports, its event
 * ring (written only by the hub) and, for a remote handle, its request ring and control session.
 * Mutable fields are guarded by the hub's lock; {@link #events} is also read by an in-process handle.
 *
 * <p>What the hub must know about the event ring it keeps here, never in the ring: its capacity
 * ({@link #eventCapacity}, which the client could overwrite in the shared size word).
 * {@link #freshEvents} holds, during one bind request, an event ring made outside the lock for the
 * handle's first bind.
 */
final class HubHandle
{
    static final int UNRESTRICTED = -1;

    final long id;
    final Domain domain;
    final HubSession session;
    final LocalDoorbell localDoorbell;
    final IntHashSet ports = new IntHashSet();
    int restrictDomid = UNRESTRICTED;
    volatile PortRing events;
    PortRing freshEvents;
    int eventCapacity;
    Path eventsFile;
    PortRing requests;
    Path requestsFile;
    volatile boolean released;
    boolean leftDomain;
    volatile boolean releaseDone;
    Errno damage;

    HubHandle(final long id, final Domain domain, final HubSession session)
    {
        this.id = id;
        this.domain = domain;
        this.session = session;
        this.localDoorbell = session == null ? new LocalDoorbell() : null;
    }

    int domid()
    {
        return domain.domid;
    }

    boolean isLocal()
    {
        return session == null;
    }

    static String eventsFileName(final long id)
    {
        return "h" + id + ".events";
    }

    static String requestsFileName(final long id)
    {
        return "h" + id + ".requests";
    }

    /**
     * Remove one of a handle's files, if it is there; a file that cannot be removed is left to the next
     * hub in the directory, which removes leftovers.
     */
    static void deleteQuietly(final Path file)
    {
        try
        {
            if (file != null)
            {
                Files.deleteIfExists(file);
            }
        }
        catch (final IOException ignore)
        {
            // the next hub in this directory removes leftovers
        }
    }
}

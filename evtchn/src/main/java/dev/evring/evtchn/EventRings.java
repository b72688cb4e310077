package dev.evring.evtchn;

import dev.evring.ring.Errno;
import dev.evring.ring.PortRing;
import dev.evring.ring.PortRingDescriptor;
import dev.evring.ring.ReaderWaiting;
import org.agrona.IoUtil;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.status.AtomicCounter;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * The handles' event rings, seen from the hub, their only writer: made at a handle's first bind (a
 * mapped file {@code h<id>.events} for a remote handle, direct memory for an in-process one), grown so
 * that every bound port has a free slot (E1), and dropped with the handle. Called under the hub's lock.
 */
final class EventRings
{
    private final Path directory;
    private final int capacityLimit;
    private final AtomicCounter wakeupsCounter;

    EventRings(final Path directory, final int capacityLimit, final HubCounters counters)
    {
        this.directory = directory;
        this.capacityLimit = capacityLimit;
        this.wakeupsCounter = counters.counter(HubCounter.WAKEUPS);
    }

    /**
     * One free slot for every bound port: the first bind makes room for 64, then room doubles each time
     * the bound count exceeds it (E1).
     */
    void ensureRoom(final HubHandle handle) throws EvtchnException
    {
        final PortRing events = handle.events;
        final int capacity = events == null ? 0 : events.capacity();
        final int bound = handle.ports.size();
        if (bound <= capacity)
        {
            return;
        }
        final int newCapacity = capacity == 0 ? PortRing.DEFAULT_INITIAL_CAPACITY : capacity << 1;
        if (newCapacity > capacityLimit)
        {
            throw ErrorText.exception(Protocol.OP_BIND_UNBOUND_PORT, Errno.ENOMEM, 0, 0);
        }
        if (events == null)
        {
            create(handle);
        }
        else
        {
            events.resize(newCapacity);
        }
    }

    private void create(final HubHandle handle) throws EvtchnException
    {
        final int length = PortRingDescriptor.requiredLength(capacityLimit);
        final UnsafeBuffer buffer;
        if (handle.isLocal())
        {
            buffer = new UnsafeBuffer(ByteBuffer.allocateDirect(length));
        }
        else
        {
            final Path file = directory.resolve(HubHandle.eventsFileName(handle.id));
            try
            {
                Files.newByteChannel(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE).close();
                try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw"))
                {
                    raf.setLength(length);
                }
                handle.eventsMapping = IoUtil.mapExistingFile(file.toFile(), file.toString(), 0, length);
            }
            catch (final IOException ex)
            {
                HubHandle.deleteQuietly(file);
                throw new EvtchnException(Errno.ENOMEM, "cannot create the event ring " + file + ": " + ex.getMessage(), ex);
            }
            handle.eventsFile = file;
            buffer = new UnsafeBuffer(handle.eventsMapping);
        }
        final PortRing events = PortRing.format(buffer, PortRing.DEFAULT_INITIAL_CAPACITY, capacityLimit, ReaderWaiting.DOORBELL);
        events.claimExclusiveProducer(); // the hub is the only writer of every event ring
        final HubSession session = handle.session;
        events.doorbell(session == null ? handle.localDoorbell : () ->
        {
            wakeupsCounter.incrementRelease();
            session.doorbell();
        });
        handle.events = events;
        if (session == null)
        {
            handle.localDoorbell.ring(); // a local reader waiting for the ring to exist looks again
        }
    }

    /**
     * Drop a released handle's event ring: unmap it and remove its file.
     */
    void drop(final HubHandle handle)
    {
        final PortRing events = handle.events;
        if (events != null)
        {
            events.close();
            if (handle.eventsMapping != null)
            {
                IoUtil.unmap(handle.eventsMapping);
                HubHandle.deleteQuietly(handle.eventsFile);
            }
        }
    }
}

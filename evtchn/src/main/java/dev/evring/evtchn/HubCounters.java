package dev.evring.evtchn;

import dev.evring.ring.SharedMappedFile;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.status.AtomicCounter;
import org.agrona.concurrent.status.CountersManager;
import org.agrona.concurrent.status.CountersReader;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A hub's counters file, laid out as {@link HubCountersDescriptor} draws it (Agrona's
 * {@link CountersManager} layout), so that any process can map it and read the counters live, the way
 * AeronStat reads Aeron's {@code cnc.dat}.
 */
public final class HubCounters implements AutoCloseable
{
    /** The counters file's name in the hub directory ({@link HubCountersDescriptor#FILE_NAME}). */
    public static final String FILE_NAME = HubCountersDescriptor.FILE_NAME;
    /** Room for this many counters ({@link HubCountersDescriptor#MAX_COUNTERS}). */
    public static final int MAX_COUNTERS = HubCountersDescriptor.MAX_COUNTERS;

    private final SharedMappedFile mapping;
    private final CountersReader reader;
    private final AtomicCounter[] counters;

    private HubCounters(final SharedMappedFile mapping, final CountersReader reader, final AtomicCounter[] counters)
    {
        this.mapping = mapping;
        this.reader = reader;
        this.counters = counters;
    }

    static HubCounters create(final Path directory) throws IOException
    {
        final Path file = directory.resolve(FILE_NAME);
        final SharedMappedFile mapping;
        try
        {
            // every page written for real: a full disk is ENOSPC here, not a SIGBUS at the first count
            mapping = SharedMappedFile.create(file, HubCountersDescriptor.FILE_LENGTH, HubCountersDescriptor.FILE_LENGTH);
        }
        catch (final IOException ex)
        {
            throw HubDirectory.failure("cannot create " + file, ex);
        }
        final UnsafeBuffer whole = new UnsafeBuffer(mapping.mapping());
        final CountersManager manager = new CountersManager(
            HubCountersDescriptor.metadata(whole), HubCountersDescriptor.values(whole));
        final HubCounter[] kinds = HubCounter.values();
        final AtomicCounter[] counters = new AtomicCounter[kinds.length];
        for (final HubCounter kind : kinds)
        {
            counters[kind.ordinal()] = manager.newCounter(kind.label());
        }
        return new HubCounters(mapping, manager, counters);
    }

    /**
     * Map the counters of a hub, possibly running in another process, for reading.
     *
     * @param directory the hub directory.
     * @return the counters; close to unmap.
     * @throws IOException if the directory holds no counters file.
     */
    public static HubCounters map(final Path directory) throws IOException
    {
        final Path file = directory.resolve(FILE_NAME);
        if (!Files.isRegularFile(file) || Files.size(file) != HubCountersDescriptor.FILE_LENGTH)
        {
            throw new IOException("no hub counters at " + file + ": is a hub running in " + directory + "?");
        }
        final SharedMappedFile mapping = SharedMappedFile.open(file);
        if (mapping.length() != HubCountersDescriptor.FILE_LENGTH)
        {
            mapping.close();
            throw new IOException(file + " is " + mapping.length() + " bytes, not a hub's counters file ("
                + HubCountersDescriptor.FILE_LENGTH + ")");
        }
        final UnsafeBuffer whole = new UnsafeBuffer(mapping.mapping());
        final CountersReader reader = new CountersReader(
            HubCountersDescriptor.metadata(whole), HubCountersDescriptor.values(whole));
        return new HubCounters(mapping, reader, null);
    }

    /**
     * Allocate one more counter in the file (a bridge's), for the hub's process only.
     *
     * @throws IllegalStateException if the file has no room left.
     */
    AtomicCounter newCounter(final String label)
    {
        return ((CountersManager)reader).newCounter(label);
    }

    /**
     * Allocate one more counter of a type of its own, with a key (a bridge's map), for the hub's process only.
     *
     * @throws IllegalStateException if the file has no room left.
     * @throws IllegalArgumentException if the key is longer than a record's key.
     */
    AtomicCounter newCounter(final int typeId, final DirectBuffer key, final String label)
    {
        return ((CountersManager)reader).newCounter(label, typeId, buffer -> buffer.putBytes(0, key, 0, key.capacity()));
    }

    /**
     * The reader of the whole file, for counters of other types than {@link HubCountersDescriptor#COUNT_TYPE_ID}
     * (their keys), as Aeron's {@code CountersReader} is to {@code cnc.dat}.
     *
     * @return the reader; valid until {@link #close()}.
     */
    public CountersReader reader()
    {
        return reader;
    }

    AtomicCounter counter(final HubCounter kind)
    {
        return counters[kind.ordinal()];
    }

    /**
     * Every allocated count and gauge ({@link HubCountersDescriptor#COUNT_TYPE_ID}), label to value, in
     * allocation order. Counters of other types (a bridge's map) are read through {@link #reader()}.
     *
     * @return a snapshot.
     */
    public Map<String, Long> snapshot()
    {
        final Map<String, Long> values = new LinkedHashMap<>();
        reader.forEach((CountersReader.MetaData)(counterId, typeId, key, label) ->
        {
            if (typeId == HubCountersDescriptor.COUNT_TYPE_ID)
            {
                values.put(label, reader.getCounterValue(counterId));
            }
        });
        return values;
    }

    /**
     * One counter's current value.
     *
     * @param kind the counter.
     * @return its value, or -1 if the file does not hold it.
     */
    public long value(final HubCounter kind)
    {
        final Long value = snapshot().get(kind.label());
        return value == null ? -1 : value;
    }

    /**
     * Unmap the file (the counters stay for other processes).
     */
    @Override
    public void close()
    {
        if (counters != null)
        {
            for (final AtomicCounter counter : counters)
            {
                counter.disconnectCountersManager();
            }
        }
        mapping.close();
    }
}

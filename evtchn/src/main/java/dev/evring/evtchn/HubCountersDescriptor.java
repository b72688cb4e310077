package dev.evring.evtchn;

import org.agrona.concurrent.AtomicBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.status.CountersReader;

/**
 * The layout of a hub's counters file ({@value #FILE_NAME} in the hub directory): Agrona's
 * {@link org.agrona.concurrent.status.CountersManager} layout, the values region first and the metadata
 * region after it, so that any process can map the file and read the counters live (the way AeronStat
 * reads Aeron's {@code cnc.dat}). The hub writes it; {@code evring stat}, the demo and tests read it
 * through {@link HubCounters#map(java.nio.file.Path)} or, for their own mapping, with {@link #values} and
 * {@link #metadata}.
 *
 * <pre>
 *    0 +--------------------------------------------------------------+
 *      | value record 0 (128): value (8), registration id (8),        |  values region,
 *      |   owner id (8), reference id (8), padding                    |  MAX_COUNTERS records of
 *  128 +--------------------------------------------------------------+  CountersReader.COUNTER_LENGTH
 *      | value record 1 ...                                           |
 *      | ...                                                          |
 * 16384 +-------------------------------------------------------------+
 *      | metadata record 0 (512): state (4), type id (4),             |  metadata region,
 *      |   free-for-reuse deadline (8), key (112),                    |  MAX_COUNTERS records of
 *      |   label length (4) + label (380, ASCII)                      |  CountersReader.METADATA_LENGTH
 *      | metadata record 1 ...                                        |
 *      | ...                                                          |
 * 81920 +-------------------------------------------------------------+  FILE_LENGTH
 * </pre>
 *
 * <p>Counter {@code i} of {@link HubCounter} is record {@code i} (allocated in declaration order); its
 * label is {@link HubCounter#label()}. The offsets above are for {@link #MAX_COUNTERS} = 128.
 *
 * <p>Counters of type {@link #COUNT_TYPE_ID} are counts and gauges, read by their label (the hub's own and
 * a bridge's). A module that publishes something else in the file gives its counters a type id of its own
 * and a key in the record's 112 key bytes, and owns that key's layout (the bridge's domid map: its
 * {@code BridgeMapDescriptor}). Readers skip the types they do not know.
 */
public final class HubCountersDescriptor
{
    /** The counters file's name in the hub directory. */
    public static final String FILE_NAME = "counters.dat";
    /** Room for this many counters. */
    public static final int MAX_COUNTERS = 128;
    /** The type id of a plain count or gauge, read by its label (Agrona's default type id). */
    public static final int COUNT_TYPE_ID = 0;
    /** Offset of the values region. */
    public static final int VALUES_OFFSET = 0;
    /** Length of the values region. */
    public static final int VALUES_LENGTH = MAX_COUNTERS * CountersReader.COUNTER_LENGTH;
    /** Offset of the metadata region. */
    public static final int METADATA_OFFSET = VALUES_OFFSET + VALUES_LENGTH;
    /** Length of the metadata region. */
    public static final int METADATA_LENGTH = MAX_COUNTERS * CountersReader.METADATA_LENGTH;
    /** The whole file's length. */
    public static final int FILE_LENGTH = METADATA_OFFSET + METADATA_LENGTH;

    private HubCountersDescriptor()
    {
    }

    /**
     * The values region of a mapped counters file.
     *
     * @param file the whole file, {@link #FILE_LENGTH} bytes.
     * @return a view of its values region.
     */
    public static AtomicBuffer values(final AtomicBuffer file)
    {
        return new UnsafeBuffer(file, VALUES_OFFSET, VALUES_LENGTH);
    }

    /**
     * The metadata region of a mapped counters file.
     *
     * @param file the whole file, {@link #FILE_LENGTH} bytes.
     * @return a view of its metadata region.
     */
    public static AtomicBuffer metadata(final AtomicBuffer file)
    {
        return new UnsafeBuffer(file, METADATA_OFFSET, METADATA_LENGTH);
    }
}

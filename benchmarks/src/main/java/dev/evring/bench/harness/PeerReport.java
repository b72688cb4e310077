package dev.evring.bench.harness;

import org.HdrHistogram.Histogram;

import java.io.IOException;
import java.io.Reader;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Properties;

/**
 * What peer A hands the coordinator when a pair finishes: the floor before, the mechanism's measurement
 * and the floor after. Written as a properties file with histograms in HdrHistogram's compressed form,
 * base64 encoded, and moved into place only when complete.
 *
 * @param floorBefore floor round trips measured before the mechanism.
 * @param measurement the mechanism's measurement.
 * @param floorAfter  floor round trips measured after the mechanism.
 * @param initiatorPid the process id of peer A.
 * @param responderPid the process id of peer B.
 * @param initiatorCpuShare the share of the mechanism phase peer A's thread was on a CPU.
 * @param responderCpuShare the same for peer B.
 */
public record PeerReport(Histogram floorBefore, Measurement measurement, Histogram floorAfter, long initiatorPid,
    long responderPid, double initiatorCpuShare, double responderCpuShare)
{
    /** Its file name in a run directory, where peer A writes it. */
    public static final String FILE_NAME = "report.properties";

    private static final String FLOOR_BEFORE = "floor.before";
    private static final String FLOOR_AFTER = "floor.after";
    private static final String KIND = "kind";
    private static final String ROUND_TRIPS = "round-trips";
    private static final String STREAM = "stream";
    private static final String HISTOGRAM = "histogram";
    private static final String MESSAGES = "messages";
    private static final String ELAPSED_NS = "elapsed.ns";
    private static final String CHUNKS = "chunks";
    private static final String NOTIFIES_ISSUED = "notifies.issued";
    private static final String NOTIFIES_SENT = "notifies.sent";
    private static final String INITIATOR_PID = "initiator.pid";
    private static final String RESPONDER_PID = "responder.pid";
    private static final String INITIATOR_CPU = "initiator.cpu.share";
    private static final String RESPONDER_CPU = "responder.cpu.share";

    /**
     * Write the report atomically.
     *
     * @param file where the coordinator looks for it.
     * @throws IOException if it cannot be written.
     */
    public void write(final Path file) throws IOException
    {
        final Properties properties = new Properties();
        properties.setProperty(FLOOR_BEFORE, HistogramText.encode(floorBefore));
        properties.setProperty(FLOOR_AFTER, HistogramText.encode(floorAfter));
        properties.setProperty(INITIATOR_PID, Long.toString(initiatorPid));
        properties.setProperty(RESPONDER_PID, Long.toString(responderPid));
        properties.setProperty(INITIATOR_CPU, Double.toString(initiatorCpuShare));
        properties.setProperty(RESPONDER_CPU, Double.toString(responderCpuShare));
        if (measurement.isRoundTrip())
        {
            properties.setProperty(KIND, ROUND_TRIPS);
            properties.setProperty(HISTOGRAM, HistogramText.encode(measurement.histogram()));
        }
        else
        {
            properties.setProperty(KIND, STREAM);
            properties.setProperty(MESSAGES, Long.toString(measurement.messages()));
            properties.setProperty(ELAPSED_NS, Long.toString(measurement.elapsedNs()));
            properties.setProperty(CHUNKS, HistogramText.encode(measurement.chunks()));
            final NotifyCounts notifies = measurement.notifies();
            if (notifies != null)
            {
                properties.setProperty(NOTIFIES_ISSUED, Long.toString(notifies.issued()));
                properties.setProperty(NOTIFIES_SENT, Long.toString(notifies.sent()));
            }
        }
        final Path partial = file.resolveSibling(file.getFileName() + ".partial");
        try (Writer writer = Files.newBufferedWriter(partial, StandardCharsets.UTF_8))
        {
            properties.store(writer, "evring bench peer report");
        }
        Files.move(partial, file, StandardCopyOption.ATOMIC_MOVE);
    }

    /**
     * Read a report written by {@link #write(Path)}.
     *
     * @param file the report.
     * @return the report.
     * @throws IOException if it is missing or malformed.
     */
    public static PeerReport read(final Path file) throws IOException
    {
        final Properties properties = new Properties();
        try (Reader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8))
        {
            properties.load(reader);
        }
        final String kind = required(properties, KIND, file);
        final Measurement measurement;
        if (ROUND_TRIPS.equals(kind))
        {
            measurement = Measurement.roundTrips(decode(required(properties, HISTOGRAM, file), file));
        }
        else if (STREAM.equals(kind))
        {
            measurement = Measurement.stream(number(properties, MESSAGES, file), number(properties, ELAPSED_NS, file),
                decode(required(properties, CHUNKS, file), file), notifies(properties, file));
        }
        else
        {
            throw new IOException(file + ": unknown measurement kind '" + kind + "'");
        }
        return new PeerReport(
            decode(required(properties, FLOOR_BEFORE, file), file),
            measurement,
            decode(required(properties, FLOOR_AFTER, file), file),
            number(properties, INITIATOR_PID, file),
            number(properties, RESPONDER_PID, file),
            share(properties, INITIATOR_CPU, file),
            share(properties, RESPONDER_CPU, file));
    }

    private static NotifyCounts notifies(final Properties properties, final Path file) throws IOException
    {
        if (properties.getProperty(NOTIFIES_ISSUED) == null)
        {
            return null;
        }
        try
        {
            return new NotifyCounts(number(properties, NOTIFIES_ISSUED, file), number(properties, NOTIFIES_SENT, file));
        }
        catch (final IllegalArgumentException ex)
        {
            throw new IOException(file + ": " + ex.getMessage(), ex);
        }
    }

    private static double share(final Properties properties, final String key, final Path file) throws IOException
    {
        try
        {
            return Double.parseDouble(required(properties, key, file));
        }
        catch (final NumberFormatException ex)
        {
            throw new IOException(file + ": '" + key + "' is not a number", ex);
        }
    }

    private static long number(final Properties properties, final String key, final Path file) throws IOException
    {
        try
        {
            return Long.parseLong(required(properties, key, file));
        }
        catch (final NumberFormatException ex)
        {
            throw new IOException(file + ": '" + key + "' is not a number", ex);
        }
    }

    private static String required(final Properties properties, final String key, final Path file) throws IOException
    {
        final String value = properties.getProperty(key);
        if (value == null)
        {
            throw new IOException(file + " lacks '" + key + "'");
        }
        return value;
    }

    private static Histogram decode(final String text, final Path file) throws IOException
    {
        try
        {
            return HistogramText.decode(text, 0);
        }
        catch (final IllegalArgumentException ex)
        {
            throw new IOException(file + ": malformed histogram", ex);
        }
    }
}

package dev.evring.bench.report;

import dev.evring.bench.harness.Measurement;
import dev.evring.bench.harness.NotifyCounts;
import dev.evring.bench.harness.PeerReport;
import dev.evring.bench.mechanism.Floor;
import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ResultRowTest
{
    /** 1..1000 ns once each: exact at three significant digits. */
    private static Histogram oneToThousand()
    {
        final Histogram histogram = Measurement.newHistogram();
        for (int v = 1; v <= 1000; v++)
        {
            histogram.recordValue(v);
        }
        return histogram;
    }

    /** Chunk times 1, 2 and 3 ms: the median is 2 ms. */
    private static Histogram chunks()
    {
        final Histogram histogram = Measurement.newHistogram();
        histogram.recordValue(1_000_000);
        histogram.recordValue(2_000_000);
        histogram.recordValue(3_000_000);
        return histogram;
    }

    /** Ten messages in 10 ns, no complete chunk. */
    private static Measurement noChunks()
    {
        return Measurement.stream(10, 10, Measurement.newHistogram());
    }

    private static Histogram constant(final long value, final int count)
    {
        final Histogram histogram = Measurement.newHistogram();
        histogram.recordValueWithCount(value, count);
        return histogram;
    }

    @Test
    void roundTripHistogramBecomesPercentilesAndRatio()
    {
        final PeerReport report = new PeerReport(constant(100, 50), Measurement.roundTrips(oneToThousand()),
            constant(110, 50), 11, 12, 1.0, 0.99);

        final ResultRow row = ResultRow.of("portring", report);

        assertEquals("portring", row.name());
        assertFalse(row.stream());
        assertEquals(500L, row.p50Ns());
        assertEquals(900L, row.p90Ns());
        assertEquals(990L, row.p99Ns());
        assertEquals(999L, row.p999Ns());
        assertEquals(1000L, row.maxNs());
        assertNull(row.msgsPerSecond());
        assertNull(row.msgsPerSecondMedianChunk());
        assertEquals(100L, row.floorBeforeNs());
        assertEquals(110L, row.floorAfterNs());
        assertEquals(500 / 105.0, row.ratioToFloor(), 1e-9);
        assertEquals(1.0, row.cpuShareA());
        assertEquals(0.99, row.cpuShareB());
        assertNull(row.flag());
        assertNull(row.error());
    }

    @Test
    void streamBecomesRateWithoutPercentiles()
    {
        final PeerReport report = new PeerReport(constant(130, 10),
            Measurement.stream(3_000_000, 1_500_000_000L, chunks()),
            constant(130, 10), 11, 12, 0.95, 0.97);

        final ResultRow row = ResultRow.of("portring-stream", report);

        assertTrue(row.stream());
        assertEquals(2_000_000.0, row.msgsPerSecond(), 1e-6);
        final double medianChunkRate = Measurement.CHUNK * 1e9 / 2_000_000;
        assertEquals(medianChunkRate, row.msgsPerSecondMedianChunk(), medianChunkRate * 1e-3,
            "median chunk of 2 ms, to the histogram's three significant digits");
        assertNull(row.p50Ns());
        assertNull(row.p90Ns());
        assertNull(row.p99Ns());
        assertNull(row.p999Ns());
        assertNull(row.maxNs());
        assertNull(row.ratioToFloor());
        assertEquals(130L, row.floorBeforeNs());
        assertEquals(130L, row.floorAfterNs());
    }

    @Test
    void movedFloorFlagsTheRow()
    {
        final PeerReport report = new PeerReport(constant(130, 10), Measurement.roundTrips(oneToThousand()),
            constant(490, 10), 11, 12, 1.0, 1.0);

        final ResultRow row = ResultRow.of("agrona-o2o", report);

        assertTrue(row.drift().moved());
        assertEquals("floor moved +277%", row.flag());
    }

    @Test
    void streamWithoutACompleteChunkHasNoChunkRate()
    {
        final PeerReport report = new PeerReport(constant(130, 10), noChunks(),
            constant(130, 10), 11, 12, 1.0, 1.0);

        final ResultRow row = ResultRow.of("naive-stream", report);

        assertEquals(1e9, row.msgsPerSecond(), 1e-3);
        assertNull(row.msgsPerSecondMedianChunk());
    }

    @Test
    void descheduledPeerFlagsTheRow()
    {
        final PeerReport report = new PeerReport(constant(130, 10), noChunks(), constant(130, 10), 11,
            12, 0.45, 0.995);

        assertEquals("descheduled: on CPU A 45% B 100%", ResultRow.of("naive-stream", report).flag());
    }

    @Test
    void peersThatParkByDesignAreNotFlaggedAsDescheduled()
    {
        final PeerReport report = new PeerReport(constant(130, 10), noChunks(), constant(130, 10), 11,
            12, 0.30, 0.04);

        final ResultRow row = ResultRow.of("lguest-notify", report, false);

        assertNull(row.flag());
        assertEquals(0.04, row.cpuShareB(), 1e-9, "the share is still reported");
        assertEquals("descheduled: on CPU A 30% B 4%", ResultRow.of("lguest-notify", report, true).flag());
    }

    @Test
    void movedFloorAndDescheduledPeerAreBothFlagged()
    {
        final PeerReport report = new PeerReport(constant(100, 10), noChunks(), constant(50, 10), 11,
            12, 0.95, 0.5);

        assertEquals("floor moved -50%; descheduled: on CPU A 95% B 50%", ResultRow.of("naive-stream", report).flag());
    }

    @Test
    void failedRowHasNoNumbers()
    {
        final ResultRow row = ResultRow.failed(new Floor(), "peers exited with A=1 B=1");

        assertEquals("FAILED", row.flag());
        assertEquals("peers exited with A=1 B=1", row.error());
        assertNull(row.p50Ns());
        assertNull(row.floorBeforeNs());
        assertNull(row.drift());
    }

    @Test
    void peerReportSurvivesTheFile(@TempDir final Path dir) throws IOException
    {
        final Path file = dir.resolve("report.properties");
        new PeerReport(constant(120, 7), Measurement.roundTrips(oneToThousand()), constant(125, 9), 41, 42, 0.5, 0.25)
            .write(file);

        final PeerReport read = PeerReport.read(file);

        assertEquals(constant(120, 7), read.floorBefore());
        assertEquals(constant(125, 9), read.floorAfter());
        assertEquals(oneToThousand(), read.measurement().histogram());
        assertEquals(41, read.initiatorPid());
        assertEquals(42, read.responderPid());
        assertEquals(0.5, read.initiatorCpuShare());
        assertEquals(0.25, read.responderCpuShare());
        assertFalse(Files.exists(dir.resolve("report.properties.partial")));
    }

    @Test
    void peerReportOfAStreamSurvivesTheFile(@TempDir final Path dir) throws IOException
    {
        final Path file = dir.resolve("report.properties");
        new PeerReport(constant(120, 7), Measurement.stream(5, 10, chunks()), constant(125, 9), 41, 42, 1.0, 1.0)
            .write(file);

        final Measurement read = PeerReport.read(file).measurement();

        assertFalse(read.isRoundTrip());
        assertEquals(5, read.messages());
        assertEquals(10, read.elapsedNs());
        assertEquals(chunks(), read.chunks());
    }

    @Test
    void aNotifyStreamsRowHasTheEventsReadAsItsRateAndTheNotifiesBeside()
    {
        // 2 s: 3M notifies issued, 1.2M messages sent, 1M events read
        final PeerReport report = new PeerReport(constant(130, 10),
            Measurement.notifyStream(1_000_000, 2_000_000_000L, new NotifyCounts(3_000_000, 1_200_000)),
            constant(130, 10), 11, 12, 1.0, 1.0);

        final ResultRow row = ResultRow.of("evtchn-bridge-stream", report);

        assertTrue(row.stream());
        assertEquals(500_000.0, row.msgsPerSecond(), 1e-6, "the events read per second");
        assertNull(row.msgsPerSecondMedianChunk(), "the producer's chunks are not timed");
        final NotifyRates rates = row.notifyRates();
        assertEquals(1_500_000.0, rates.notifiesPerSecond(), 1e-6);
        assertEquals(600_000.0, rates.messagesPerSecond(), 1e-6);
        assertEquals(2 / 3.0, rates.coalescedFraction(), 1e-9);
        assertEquals(rates, row.withFlag("looked at").notifyRates(), "a new flag keeps the figures");
        assertNull(ResultRow.of("portring-stream", new PeerReport(constant(130, 10), noChunks(), constant(130, 10),
            11, 12, 1.0, 1.0)).notifyRates(), "other streams have none");
    }

    @Test
    void aNotifyStreamCannotReadMoreEventsThanNotifiesWereIssuedNorSendMoreMessages()
    {
        assertThrows(IllegalArgumentException.class,
            () -> Measurement.notifyStream(11, 100, new NotifyCounts(10, 10)));
        assertThrows(IllegalArgumentException.class, () -> new NotifyCounts(10, 11));
        assertThrows(IllegalArgumentException.class, () -> new NotifyCounts(0, 0));
    }

    @Test
    void peerReportOfANotifyStreamSurvivesTheFile(@TempDir final Path dir) throws IOException
    {
        final Path file = dir.resolve("report.properties");
        new PeerReport(constant(120, 7), Measurement.notifyStream(5, 10, new NotifyCounts(9, 7)), constant(125, 9),
            41, 42, 1.0, 1.0).write(file);

        final Measurement read = PeerReport.read(file).measurement();

        assertEquals(5, read.messages());
        assertEquals(new NotifyCounts(9, 7), read.notifies());
        assertNull(PeerReport.read(writeStream(dir)).measurement().notifies(), "a plain stream has no counts");
    }

    private static Path writeStream(final Path dir) throws IOException
    {
        final Path file = dir.resolve("plain.properties");
        new PeerReport(constant(120, 7), Measurement.stream(5, 10, chunks()), constant(125, 9), 41, 42, 1.0, 1.0)
            .write(file);
        return file;
    }

    @Test
    void malformedPeerReportIsAClearError(@TempDir final Path dir) throws IOException
    {
        final Path file = dir.resolve("report.properties");
        Files.writeString(file, "kind=stream\nmessages=5\n");

        final IOException ex = assertThrows(IOException.class, () -> PeerReport.read(file));

        assertTrue(ex.getMessage().contains("lacks"), ex.getMessage());
    }
}

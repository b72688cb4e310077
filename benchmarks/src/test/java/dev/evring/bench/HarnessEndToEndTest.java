package dev.evring.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.evring.bench.harness.FootprintEntry;
import dev.evring.bench.harness.Measurement;
import dev.evring.bench.harness.Mechanism;
import dev.evring.bench.harness.PeerReport;
import dev.evring.bench.harness.Pinning;
import dev.evring.bench.harness.RunPlan;
import dev.evring.bench.harness.StreamClock;
import dev.evring.bench.mechanism.Floor;
import dev.evring.bench.mechanism.PortRingPingPong;
import dev.evring.bench.mechanism.PortRingStream;
import dev.evring.bench.report.JsonReportTest;
import dev.evring.bench.report.PercentileChart;
import dev.evring.bench.report.ResultRow;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import javax.imageio.ImageIO;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Tiny real runs: two child JVMs, very few iterations, no timing assertions.
 */
@Timeout(value = 300, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class HarnessEndToEndTest
{
    /** A few hundred round trips, 20 ms of stream, 60 s budget. */
    private static final RunPlan TINY = new RunPlan(100, 500, 100, 500, 10, 20, 10_000, 60_000);

    @Test
    void floorRunsInTwoChildJvmsAndGivesARow(@TempDir final Path base) throws IOException
    {
        final PairRunner.Outcome outcome = new PairRunner(Pinning.detect(), base).run(new Floor(), TINY);

        assertNull(outcome.error());
        final PeerReport report = outcome.report();
        final long self = ProcessHandle.current().pid();
        assertTrue(report.initiatorPid() > 0 && report.responderPid() > 0);
        assertNotEquals(report.initiatorPid(), report.responderPid());
        assertNotEquals(self, report.initiatorPid());
        assertNotEquals(self, report.responderPid());
        assertEquals(TINY.roundTrips(), report.measurement().histogram().getTotalCount());
        assertEquals(TINY.floorRoundTrips(), report.floorBefore().getTotalCount());
        assertEquals(TINY.floorRoundTrips(), report.floorAfter().getTotalCount());
        final double shareA = report.initiatorCpuShare();
        final double shareB = report.responderCpuShare();
        assertTrue(shareA > 0 && shareA <= 1.05, "A " + shareA);
        assertTrue(shareB > 0 && shareB <= 1.05, "B " + shareB);

        final ResultRow row = ResultRow.of("floor", report);
        assertTrue(row.p50Ns() > 0 && row.p50Ns() <= row.p99Ns() && row.p99Ns() <= row.maxNs());
        assertTrue(row.floorBeforeNs() > 0 && row.floorAfterNs() > 0);
        try (Stream<Path> left = Files.list(base))
        {
            assertEquals(0, left.count(), "the run directory is removed");
        }
    }

    @Test
    void benchRunPrintsTableAndWritesJsonAndPng(@TempDir final Path dir) throws IOException
    {
        final Path json = dir.resolve("bench.json");
        final Path png = dir.resolve("bench.png");
        final StringWriter out = new StringWriter();
        final StringWriter err = new StringWriter();
        final BenchRun run = new BenchRun(
            List.of(Mechanisms.byName("floor"), Mechanisms.byName("portring-stream")), TINY, false, 1, true);

        final int exit = run.run(new PrintWriter(out, true), new PrintWriter(err, true), json, png);

        assertEquals(0, exit, err.toString());
        assertTrue(out.toString().contains("| floor | "), out.toString());
        assertTrue(err.toString().contains("[1/2] floor"), err.toString());
        final JsonNode root = new ObjectMapper().readTree(json.toFile());
        final JsonNode result = root.get("results").get(0);
        assertEquals("floor", result.get("name").asText());
        for (final String field : JsonReportTest.RESULT_FIELDS)
        {
            assertTrue(result.has(field), field);
        }
        assertTrue(result.get("p50_ns").asLong() > 0);
        assertTrue(result.get("floor_before_ns").asLong() > 0);
        assertTrue(result.get("msgs_per_s").isNull());
        assertEquals(Runtime.getRuntime().availableProcessors(), root.get("machine").get("cores").asInt());
        final JsonNode stream = root.get("results").get(1);
        assertEquals("portring-stream", stream.get("name").asText());
        for (final String field : JsonReportTest.RESULT_FIELDS)
        {
            assertTrue(stream.has(field), field);
        }
        assertTrue(stream.get("p50_ns").isNull());
        assertTrue(stream.get("msgs_per_s").asDouble() > 0);
        final BufferedImage image = ImageIO.read(png.toFile());
        assertNotNull(image, "a PNG ImageIO can decode");
        assertEquals(PercentileChart.WIDTH, image.getWidth());
        assertEquals(PercentileChart.HEIGHT, image.getHeight());
        assertTrue(err.toString().contains("wrote " + png), err.toString());
    }

    @ParameterizedTest
    @MethodSource("dev.evring.bench.Mechanisms#names")
    void everyMechanismCompletesATinyRun(final String name, @TempDir final Path base)
    {
        final Mechanism mechanism = Mechanisms.byName(name);

        final PairRunner.Outcome outcome = new PairRunner(Pinning.detect(), base).run(mechanism, TINY);

        assertNull(outcome.error(), name);
        final Measurement measurement = outcome.report().measurement();
        assertEquals(mechanism.isStream(), !measurement.isRoundTrip());
        if (measurement.isRoundTrip())
        {
            assertEquals(TINY.roundTrips(), measurement.histogram().getTotalCount());
        }
        else
        {
            if (measurement.notifies() == null)
            {
                assertTrue(measurement.messages() >= StreamClock.CLOCK_EVERY, measurement.messages() + " messages");
            }
            else
            {
                // a notify stream's clock counts the notifies issued, its measured count from the first notify after
                // the clock's mark (so one less than the clock's); the events read may be fewer (they fold)
                assertTrue(measurement.notifies().issued() >= StreamClock.CLOCK_EVERY - 1, measurement.notifies().toString());
                assertTrue(measurement.messages() > 0, measurement.messages() + " events read");
            }
        }
        assertEquals(mechanism.footprintFiles(base).size(), outcome.footprint().size());
    }

    @Test
    void portRingStreamDeliversInOrderAndLeavesReservedPagesUnallocated(@TempDir final Path base)
    {
        final PairRunner.Outcome outcome =
            new PairRunner(Pinning.detect(), base).run(Mechanisms.byName("portring-stream"), TINY);

        assertNull(outcome.error());
        assertTrue(outcome.report().measurement().messages() > 0);
        assertEquals(1, outcome.footprint().size());
        final FootprintEntry ring = outcome.footprint().get(0);
        assertEquals(PortRingStream.CAPACITY, ring.capacity());
        assertEquals(PortRingPingPong.MAX_CAPACITY, ring.maxCapacity());
        assertNotNull(ring.allocatedBytes(), "stat works on this machine");
        assertTrue(ring.allocatedBytes() < ring.apparentBytes() / 4,
            ring.allocatedBytes() + " of " + ring.apparentBytes() + " bytes allocated");
    }
}

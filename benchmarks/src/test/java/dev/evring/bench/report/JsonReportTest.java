package dev.evring.bench.report;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.evring.bench.Mechanisms;
import dev.evring.bench.harness.FootprintEntry;
import dev.evring.bench.harness.MachineInfo;
import dev.evring.bench.harness.RunPlan;
import dev.evring.bench.mechanism.AgronaStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

public class JsonReportTest
{
    public static final List<String> RESULT_FIELDS = List.of("name", "p50_ns", "p90_ns", "p99_ns", "p999_ns", "max_ns",
        "msgs_per_s", "floor_before_ns", "floor_after_ns");
    private static final List<String> LATENCY_FIELDS = List.of("p50_ns", "p90_ns", "p99_ns", "p999_ns", "max_ns");

    private static BenchReport report()
    {
        final MachineInfo machine = new MachineInfo("AMD EPYC", 2, "17.0.15", "OpenJDK 64-Bit Server VM (Debian)",
            "Linux 6.1 amd64", true, "taskset: A on CPU 0, B on CPU 1", "/dev/shm", "1.00 0.50 0.25");
        final ResultRow roundTrip = new ResultRow("portring", false, 300L, 350L, 400L, 900L, 20_000L, null, null,
            130L, 140L, 300 / 135.0, 1.0, 0.98, null, null);
        final ResultRow stream = new ResultRow("portring-stream", true, null, null, null, null, null, 1.5e8, 2.5e8,
            130L, 260L, null, 0.97, 0.99, "floor moved +100%", null);
        final ResultRow failed = ResultRow.failed(new AgronaStream(), "timed out");
        final FootprintEntry footprint = new FootprintEntry("portring", "a-to-b.ring", 64, 131072, 525056, 4096L);
        return new BenchReport(machine, true, RunPlan.QUICK, "2026-11-21T14:00:00Z", "2.00 1.00 0.50",
            List.of(roundTrip, stream, failed), List.of(footprint));
    }

    @Test
    void everyResultHasEveryFieldWithNullsWhereNotApplicable(@TempDir final Path dir) throws IOException
    {
        final Path file = dir.resolve("bench.json");
        JsonReport.write(report(), file);

        final JsonNode root = new ObjectMapper().readTree(file.toFile());

        final JsonNode results = root.get("results");
        assertEquals(3, results.size());
        for (final JsonNode result : results)
        {
            for (final String field : RESULT_FIELDS)
            {
                assertTrue(result.has(field), field + " missing from " + result);
            }
        }

        final JsonNode roundTrip = results.get(0);
        assertEquals("portring", roundTrip.get("name").asText());
        assertEquals("round-trip", roundTrip.get("kind").asText());
        assertEquals(Mechanisms.byName("portring").description(), roundTrip.get("description").asText());
        assertEquals(300, roundTrip.get("p50_ns").asLong());
        assertEquals(350, roundTrip.get("p90_ns").asLong());
        assertEquals(400, roundTrip.get("p99_ns").asLong());
        assertEquals(900, roundTrip.get("p999_ns").asLong());
        assertEquals(20_000, roundTrip.get("max_ns").asLong());
        assertTrue(roundTrip.get("msgs_per_s").isNull());
        assertTrue(roundTrip.get("msgs_per_s_median_chunk").isNull());
        assertEquals(130, roundTrip.get("floor_before_ns").asLong());
        assertEquals(140, roundTrip.get("floor_after_ns").asLong());
        assertTrue(roundTrip.get("flag").isNull());
        assertEquals(0.98, roundTrip.get("cpu_share_b").asDouble());

        final JsonNode stream = results.get(1);
        for (final String field : LATENCY_FIELDS)
        {
            assertTrue(stream.get(field).isNull(), field + " should be null for a stream: " + stream);
        }
        assertEquals(1.5e8, stream.get("msgs_per_s").asDouble());
        assertEquals(2.5e8, stream.get("msgs_per_s_median_chunk").asDouble());
        assertTrue(stream.get("ratio_to_floor").isNull());
        assertEquals("floor moved +100%", stream.get("flag").asText());

        final JsonNode failed = results.get(2);
        assertEquals("agrona-o2o-stream", failed.get("name").asText());
        assertTrue(failed.get("msgs_per_s").isNull());
        assertTrue(failed.get("floor_before_ns").isNull());
        assertTrue(failed.get("cpu_share_a").isNull());
        assertEquals("timed out", failed.get("error").asText());
    }

    @Test
    void machineRunAndFootprintSectionsArePresent()
    {
        final JsonNode root = JsonReport.toJson(report());

        final JsonNode machine = root.get("machine");
        assertEquals("AMD EPYC", machine.get("cpu_model").asText());
        assertEquals(2, machine.get("cores").asInt());
        assertEquals("17.0.15", machine.get("java_version").asText());
        assertEquals("Linux 6.1 amd64", machine.get("os").asText());
        assertTrue(machine.get("taskset_used").asBoolean());
        assertEquals("2.00 1.00 0.50", machine.get("load_average_end").asText());

        assertTrue(root.get("run").get("quick").asBoolean());
        assertEquals(RunPlan.QUICK.roundTrips(), root.get("run").get("round_trips").asLong());

        final JsonNode ring = root.get("footprint").get("rings").get(0);
        assertEquals("a-to-b.ring", ring.get("file").asText());
        assertEquals(64, ring.get("capacity").asInt());
        assertEquals(131072, ring.get("max_capacity").asInt());
        assertEquals(525056, ring.get("apparent_bytes").asLong());
        assertEquals(4096, ring.get("allocated_bytes").asLong());
        assertFalse(root.get("footprint").get("method").asText().isEmpty());
    }

    @Test
    void comparisonsOfPairsInTheSameRun()
    {
        final ResultRow agrona = new ResultRow("agrona-o2o", false, 200L, 250L, 500L, 900L, 20_000L, null, null,
            100L, 100L, 200 / 100.0, 1.0, 1.0, null, null);
        final ResultRow portring = new ResultRow("portring", false, 300L, 350L, 400L, 900L, 20_000L, null, null,
            130L, 140L, 300 / 135.0, 1.0, 1.0, null, null);
        final ResultRow stream = new ResultRow("portring-stream", true, null, null, null, null, null, 3e8, 4e8,
            130L, 130L, null, 1.0, 1.0, null, null);
        final ResultRow naive = new ResultRow("naive-stream", true, null, null, null, null, null, 2e8, 1e8,
            130L, 130L, null, 1.0, 1.0, null, null);
        final BenchReport base = report();

        final JsonNode comparisons = JsonReport.toJson(new BenchReport(base.machine(), true, RunPlan.QUICK,
            base.startedAt(), base.loadAverageEnd(), List.of(agrona, portring, stream, naive), List.of()))
            .get("comparisons");

        assertEquals(4, comparisons.size(), comparisons.toString());
        assertEquals("p50_over_floor", comparisons.get(0).get("metric").asText());
        assertEquals((300 / 135.0) / (200 / 100.0), comparisons.get(0).get("ratio").asDouble(), 1e-9);
        assertEquals("p99_over_floor", comparisons.get(1).get("metric").asText());
        assertEquals((400 / 135.0) / (500 / 100.0), comparisons.get(1).get("ratio").asDouble(), 1e-9);
        assertEquals("naive-stream", comparisons.get(2).get("baseline").asText());
        assertEquals(1.5, comparisons.get(2).get("ratio").asDouble(), 1e-9);
        assertEquals("msgs_per_s_median_chunk", comparisons.get(3).get("metric").asText());
        assertEquals(4.0, comparisons.get(3).get("ratio").asDouble(), 1e-9);
    }

    @Test
    void theBridgeIsComparedWithAeronUdpAndTheRingsWithAeronIpc()
    {
        final ResultRow aeronIpc = new ResultRow("aeron-ipc", false, 250L, 300L, 500L, 900L, 20_000L, null, null,
            100L, 100L, 250 / 100.0, 1.0, 1.0, null, null);
        final ResultRow portring = new ResultRow("portring", false, 300L, 350L, 400L, 900L, 20_000L, null, null,
            150L, 150L, 300 / 150.0, 1.0, 1.0, null, null);
        final ResultRow aeronUdp = new ResultRow("aeron-udp", false, 8_000L, 9_000L, 20_000L, 90_000L, 20_000L, null,
            null, 100L, 100L, 80.0, 1.0, 1.0, null, null);
        final ResultRow bridge = new ResultRow("evtchn-bridge", false, 10_000L, 12_000L, 30_000L, 90_000L, 20_000L,
            null, null, 140L, 140L, 10_000 / 140.0, 1.0, 1.0, null, null);
        final BenchReport base = report();

        final JsonNode comparisons = JsonReport.toJson(new BenchReport(base.machine(), true, RunPlan.QUICK,
            base.startedAt(), base.loadAverageEnd(), List.of(aeronIpc, portring, aeronUdp, bridge), List.of()))
            .get("comparisons");

        assertEquals(2, comparisons.size(), comparisons.toString());
        assertEquals("portring", comparisons.get(0).get("subject").asText());
        assertEquals("aeron-ipc", comparisons.get(0).get("baseline").asText());
        assertEquals((300 / 150.0) / (250 / 100.0), comparisons.get(0).get("ratio").asDouble(), 1e-9);
        assertEquals("p50_ns", comparisons.get(1).get("metric").asText());
        assertEquals("evtchn-bridge", comparisons.get(1).get("subject").asText());
        assertEquals("aeron-udp", comparisons.get(1).get("baseline").asText());
        assertEquals(1.25, comparisons.get(1).get("ratio").asDouble(), 1e-9);
    }

    @Test
    void aNotifyStreamHasItsNotifiesInTheJsonAndATableOfItsOwnAndIsComparedWithAeronUdp()
    {
        final ResultRow aeron = new ResultRow("aeron-udp-stream", true, null, null, null, null, null, 2e6, 2.2e6,
            130L, 130L, null, 1.0, 1.0, null, null);
        final ResultRow bridge = new ResultRow("evtchn-bridge-stream", true, null, null, null, null, null, 5e5, null,
            130L, 130L, null, 1.0, 1.0, null, null, new NotifyRates(1.5e6, 6e5, 2 / 3.0));
        final BenchReport base = report();
        final BenchReport run = new BenchReport(base.machine(), true, RunPlan.QUICK, base.startedAt(),
            base.loadAverageEnd(), List.of(aeron, bridge), List.of());

        final JsonNode root = JsonReport.toJson(run);

        final JsonNode plain = root.get("results").get(0);
        assertTrue(plain.get("notifies_per_s").isNull(), "only a notify stream has them: " + plain);
        assertTrue(plain.get("coalesced_fraction").isNull());
        final JsonNode notifies = root.get("results").get(1);
        assertEquals(5e5, notifies.get("msgs_per_s").asDouble());
        assertEquals(1.5e6, notifies.get("notifies_per_s").asDouble());
        assertEquals(6e5, notifies.get("notify_messages_per_s").asDouble());
        assertEquals(2 / 3.0, notifies.get("coalesced_fraction").asDouble(), 1e-12);
        final JsonNode comparison = root.get("comparisons").get(0);
        assertEquals("evtchn-bridge-stream", comparison.get("subject").asText());
        assertEquals("aeron-udp-stream", comparison.get("baseline").asText());
        assertEquals(0.25, comparison.get("ratio").asDouble(), 1e-9);

        final String markdown = MarkdownReport.render(run);
        assertTrue(markdown.contains("| name | events read/s | notifies issued/s | messages sent/s | coalesced |"),
            markdown);
        assertTrue(markdown.contains("| evtchn-bridge-stream | 500,000 | 1,500,000 | 600,000 | 66.7% |"), markdown);
        assertFalse(markdown.contains("| aeron-udp-stream | 2,000,000 | "), "only notify streams: " + markdown);
        assertFalse(MarkdownReport.render(report()).contains("events read/s"), "no table without a notify stream");
    }

    @Test
    void unknownAllocationIsNull()
    {
        final BenchReport base = report();
        final BenchReport withUnknown = new BenchReport(base.machine(), false, RunPlan.FULL, base.startedAt(),
            base.loadAverageEnd(), base.results(),
            List.of(new FootprintEntry("portring", "b-to-a.ring", 64, 131072, 525056, null)));

        final JsonNode ring = JsonReport.toJson(withUnknown).get("footprint").get("rings").get(0);

        assertTrue(ring.get("allocated_bytes").isNull());
    }

    @Test
    void markdownTableHasOneRowPerResultAndTheFootprint()
    {
        final String markdown = MarkdownReport.render(report());

        assertTrue(markdown.contains("| name | p50 ns | p90 ns | p99 ns | p99.9 ns | max ns | msgs/s "
            + "| msgs/s median chunk | floor before ns | floor after ns | ratio to floor | on CPU A/B | flag |"),
            markdown);
        assertTrue(markdown.contains("| portring | 300 | 350 | 400 | 900 | 20000 | - | - | 130 | 140 | 2.22 "
            + "| 100%/98% |  |"), markdown);
        assertTrue(markdown.contains("| portring-stream | - | - | - | - | - | 150,000,000 | 250,000,000 | 130 | 260 "
            + "| - | 97%/99% | floor moved +100% |"), markdown);
        assertTrue(markdown.contains("FAILED: timed out"), markdown);
        assertTrue(markdown.contains("- portring-stream: " + Mechanisms.byName("portring-stream").description()),
            markdown);
        assertTrue(markdown.contains("| portring | a-to-b.ring | 64 | 131072 | 525056 | 4096 |"), markdown);
    }
}

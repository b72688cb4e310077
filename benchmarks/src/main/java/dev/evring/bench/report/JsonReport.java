package dev.evring.bench.report;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.evring.bench.Mechanisms;
import dev.evring.bench.harness.FootprintEntry;
import dev.evring.bench.harness.MachineInfo;
import dev.evring.bench.harness.RunPlan;

import java.io.IOException;
import java.nio.file.Path;

/**
 * The JSON form of a run (Jackson's tree model):
 * {@code {"machine": {...}, "run": {...}, "results": [{"name", "p50_ns", "p90_ns", "p99_ns", "p999_ns",
 * "max_ns", "msgs_per_s", "floor_before_ns", "floor_after_ns", ..., "notifies_per_s", "notify_messages_per_s",
 * "coalesced_fraction"}], "comparisons": [...], "footprint": {...}}}, with null for a field that does not apply
 * (the last three apply to notify streams only, whose msgs_per_s are the events their consumer read).
 */
public final class JsonReport
{
    private static final ObjectMapper MAPPER = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private JsonReport()
    {
    }

    /**
     * Build the JSON tree.
     *
     * @param report the run.
     * @return the tree.
     */
    static ObjectNode toJson(final BenchReport report)
    {
        final ObjectNode root = MAPPER.createObjectNode();
        final MachineInfo m = report.machine();
        final ObjectNode machine = root.putObject("machine");
        machine.put("cpu_model", m.cpuModel());
        machine.put("cores", m.cores());
        machine.put("java_version", m.javaVersion());
        machine.put("java_vm", m.javaVm());
        machine.put("os", m.os());
        machine.put("taskset_used", m.tasksetUsed());
        machine.put("pinning", m.pinning());
        machine.put("shared_memory_dir", m.sharedMemory());
        machine.put("load_average_start", m.loadAverage());
        machine.put("load_average_end", report.loadAverageEnd());

        final ObjectNode run = root.putObject("run");
        run.put("started_at", report.startedAt());
        run.put("quick", report.quick());
        final RunPlan plan = report.plan();
        run.put("floor_warmup_round_trips", plan.floorWarmup());
        run.put("floor_round_trips", plan.floorRoundTrips());
        run.put("warmup_round_trips", plan.warmupRoundTrips());
        run.put("round_trips", plan.roundTrips());
        run.put("stream_warmup_ms", plan.streamWarmupMs());
        run.put("stream_ms", plan.streamMs());
        run.put("phase_cap_ms", plan.phaseCapMs());
        run.put("floor_drift_threshold", FloorDrift.THRESHOLD);

        final ArrayNode results = root.putArray("results");
        for (final ResultRow row : report.results())
        {
            final ObjectNode r = results.addObject();
            r.put("name", row.name());
            r.put("kind", row.stream() ? "stream" : "round-trip");
            r.put("description", Mechanisms.byName(row.name()).description());
            r.put("p50_ns", row.p50Ns());
            r.put("p90_ns", row.p90Ns());
            r.put("p99_ns", row.p99Ns());
            r.put("p999_ns", row.p999Ns());
            r.put("max_ns", row.maxNs());
            r.put("msgs_per_s", row.msgsPerSecond());
            r.put("msgs_per_s_median_chunk", row.msgsPerSecondMedianChunk());
            r.put("floor_before_ns", row.floorBeforeNs());
            r.put("floor_after_ns", row.floorAfterNs());
            r.put("ratio_to_floor", row.ratioToFloor());
            r.put("cpu_share_a", row.cpuShareA());
            r.put("cpu_share_b", row.cpuShareB());
            r.put("flag", row.flag());
            r.put("error", row.error());
            final NotifyRates notifies = row.notifyRates();
            r.put("notifies_per_s", notifies == null ? null : notifies.notifiesPerSecond());
            r.put("notify_messages_per_s", notifies == null ? null : notifies.messagesPerSecond());
            r.put("coalesced_fraction", notifies == null ? null : notifies.coalescedFraction());
        }

        final ArrayNode comparisons = root.putArray("comparisons");
        for (final Comparison comparison : Comparison.of(report.results()))
        {
            final ObjectNode c = comparisons.addObject();
            c.put("metric", comparison.metric());
            c.put("subject", comparison.subject());
            c.put("baseline", comparison.baseline());
            c.put("ratio", comparison.ratio());
        }

        final ObjectNode footprint = root.putObject("footprint");
        footprint.put("method", "allocated = st_blocks * block size (stat -c '%b %B') after the run's traffic");
        final ArrayNode rings = footprint.putArray("rings");
        for (final FootprintEntry entry : report.footprint())
        {
            final ObjectNode f = rings.addObject();
            f.put("mechanism", entry.mechanism());
            f.put("file", entry.file());
            f.put("capacity", entry.capacity());
            f.put("max_capacity", entry.maxCapacity());
            f.put("apparent_bytes", entry.apparentBytes());
            f.put("allocated_bytes", entry.allocatedBytes());
        }
        return root;
    }

    /**
     * Write the JSON file.
     *
     * @param report the run.
     * @param file   where to write.
     * @throws IOException if it cannot be written.
     */
    public static void write(final BenchReport report, final Path file) throws IOException
    {
        MAPPER.writeValue(file.toFile(), toJson(report));
    }
}

package dev.evring.bench.report;

import dev.evring.bench.harness.FootprintEntry;
import dev.evring.bench.harness.MachineInfo;
import dev.evring.bench.harness.RunPlan;

import java.util.List;

/**
 * Everything one {@code evring bench} run produced, for the markdown table and the JSON file.
 *
 * @param machine        the machine.
 * @param quick          whether {@code --quick} was given.
 * @param plan           the counts each pair ran.
 * @param startedAt      ISO-8601 start time.
 * @param loadAverageEnd load averages when the run ended.
 * @param results        one row per mechanism, in run order.
 * @param footprint      the ring files' footprint after their runs.
 */
public record BenchReport(
    MachineInfo machine,
    boolean quick,
    RunPlan plan,
    String startedAt,
    String loadAverageEnd,
    List<ResultRow> results,
    List<FootprintEntry> footprint)
{
}

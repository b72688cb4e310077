package dev.evring.bench.report;

import dev.evring.bench.harness.FootprintEntry;
import org.HdrHistogram.Histogram;

import java.util.List;

/**
 * One round of one mechanism: its row, the footprint of its ring files and its round-trip histogram
 * (null for a stream or a failure). {@link MedianRound} picks the round a run reports.
 *
 * @param row       the result row.
 * @param footprint the allocated size of its ring files.
 * @param latency   the round-trip histogram, or null.
 */
public record Measured(ResultRow row, List<FootprintEntry> footprint, Histogram latency)
{
}

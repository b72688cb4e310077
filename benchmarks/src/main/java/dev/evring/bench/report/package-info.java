/**
 * What a run reports: a {@link dev.evring.bench.report.ResultRow} per mechanism, the median of interleaved
 * rounds ({@link dev.evring.bench.report.MedianRound}), and the markdown table, JSON file and PNG chart of
 * a {@link dev.evring.bench.report.BenchReport}.
 */
package dev.evring.bench.report;

/**
 * The harness: a {@link dev.evring.bench.harness.Mechanism} runs in two fresh peer JVMs that
 * {@link dev.evring.bench.harness.PairRunner} starts, pinned to their own CPUs, sharing a control file
 * ({@link dev.evring.bench.harness.SharedControl}); inside the same two processes the cache-line floor is
 * measured before and after the mechanism, and each peer reports a
 * {@link dev.evring.bench.harness.PeerReport}.
 */
package dev.evring.bench.harness;

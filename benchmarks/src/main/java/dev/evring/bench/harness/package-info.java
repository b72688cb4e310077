/**
 * The harness: a {@link dev.evring.bench.harness.Mechanism} runs in two fresh peer JVMs that the
 * coordinator ({@code dev.evring.bench.PairRunner}) starts, pinned to their own CPUs, in a scratch
 * directory ({@link dev.evring.bench.harness.RunDirectories}), sharing a control file
 * ({@link dev.evring.bench.harness.SharedControl}); inside the same two processes the cache-line floor is
 * measured before and after the mechanism, and peer A reports a {@link dev.evring.bench.harness.PeerReport}.
 * Nothing here refers to the packages above it.
 */
package dev.evring.bench.harness;

/**
 * The cross-process harness behind {@code evring bench}: {@link dev.evring.bench.BenchRun} runs a
 * selection of mechanisms (the table {@link dev.evring.bench.Mechanisms}) in pairs of child JVMs that
 * {@link dev.evring.bench.PairRunner} starts, each as {@link dev.evring.bench.PeerMain}, and reports them.
 *
 * <ul>
 *     <li>{@code harness}: what a run is made of: the {@code Mechanism} interface, what a peer gets
 *     ({@code Peer}, the shared control file, the run's scratch directory), pinning, watchdog, run plans
 *     and the measurements each peer reports;</li>
 *     <li>{@code mechanism}: the IPC mechanisms measured, each one class over {@code AbstractMechanism};</li>
 *     <li>{@code report}: result rows, the median of rounds, markdown, JSON and the PNG chart;</li>
 *     <li>{@code jmh}: the in-process JMH benchmarks and {@code JmhMain}, the main class of
 *     {@code benchmarks.jar}.</li>
 * </ul>
 */
package dev.evring.bench;

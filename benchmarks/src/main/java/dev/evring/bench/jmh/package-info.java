/**
 * The in-process JMH benchmarks (ring offer and read against Agrona's buffers, reads across the wrap,
 * resize, hub raise to deliver, bind cost, eventfd lookup) and {@link dev.evring.bench.jmh.JmhMain}, which
 * gives every fork evring's JVM flags.
 */
package dev.evring.bench.jmh;

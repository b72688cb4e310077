/**
 * {@code evring demo}: an embedded hub and consumer JVMs ({@link dev.evring.cli.demo.DemoConsumer})
 * exchanging events, with live figures, a summary and a latency histogram.
 */
package dev.evring.cli.demo;

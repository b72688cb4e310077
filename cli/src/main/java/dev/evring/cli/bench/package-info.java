/**
 * {@code evring bench}: the options of a harness run ({@code dev.evring.bench.BenchRun}).
 */
package dev.evring.cli.bench;

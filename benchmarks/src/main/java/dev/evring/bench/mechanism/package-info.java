/**
 * The IPC mechanisms the harness measures, one class each over
 * {@link dev.evring.bench.mechanism.AbstractMechanism}: PortRing, evtchn and lguest beside Agrona's ring
 * buffers, Chronicle Queue, UNIX sockets, a naive int ring and the raw cache-line floor. A new mechanism is
 * one class here plus one line in {@link dev.evring.bench.Mechanisms}.
 */
package dev.evring.bench.mechanism;

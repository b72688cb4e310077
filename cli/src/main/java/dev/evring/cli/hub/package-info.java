/**
 * {@code evring hub} (a standalone hub, as {@code dev.evring.evtchn.HubProgram} runs it) and
 * {@code evring stat} (a live hub's counters and mark, from another process).
 */
package dev.evring.cli.hub;

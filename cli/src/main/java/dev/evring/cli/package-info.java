/**
 * The {@code evring} command line ({@link dev.evring.cli.EvringCommand}, the main class of
 * {@code evring.jar}, which {@code ./evring} runs): {@code demo} ({@code demo}), {@code hub} and
 * {@code stat} ({@code hub}), {@code bench} ({@code bench}, over the benchmarks module's harness) and
 * {@code lguest-demo} ({@code lguest}). Applications only: the library modules do not depend on it.
 */
package dev.evring.cli;

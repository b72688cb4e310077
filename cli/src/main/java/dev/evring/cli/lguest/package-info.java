/**
 * {@code evring lguest-demo}: a guest JVM ({@link dev.evring.cli.lguest.ConsoleGuest}) writing text into a
 * console ring in guest memory, serviced by the launcher ({@link dev.evring.cli.lguest.LguestConsoleDemo}).
 */
package dev.evring.cli.lguest;

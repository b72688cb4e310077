package dev.evring.examples;

import dev.evring.lguest.Lguest;
import dev.evring.lguest.RunResult;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * An lguest launcher: starts {@link GuestExample} in a guest JVM over 16 pages of guest memory, gives it
 * a number, runs it until it notifies, reads its answer, and runs it again until it shuts down.
 *
 * <pre>
 *   java @jvm.options -cp ... dev.evring.examples.LauncherExample 100
 * </pre>
 */
public final class LauncherExample
{
    private LauncherExample()
    {
    }

    /**
     * Launch.
     *
     * @param args the number the guest sums up to.
     * @throws Exception if the guest cannot start or dies.
     */
    public static void main(final String[] args) throws Exception
    {
        final long n = Long.parseLong(args[0]);
        final Path dir = Files.createTempDirectory("evring-guest");
        final Path memoryFile = dir.resolve("guest.mem");       // created, and removed at close
        try (Lguest lguest = Lguest.open())
        {
            lguest.initialize(memoryFile, 0, 16, GuestExample.class.getName(), 1);
            lguest.memory().putLong(GuestExample.INPUT, n);
            final RunResult first = lguest.run(0);
            if (!first.isNotify() || first.notifyAddress() != GuestExample.DONE)
            {
                throw new IllegalStateException("the guest did not notify: " + first);
            }
            System.out.println("launcher: the guest says 1 + ... + " + n + " = " + lguest.memory().getLong(GuestExample.OUTPUT));
            final RunResult last = lguest.run(0);
            System.out.println("launcher: guest stopped: " + last.deathReason());
        }
        finally
        {
            Files.deleteIfExists(dir);
        }
    }
}

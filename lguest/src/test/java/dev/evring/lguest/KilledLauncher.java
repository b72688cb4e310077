package dev.evring.lguest;

import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * A launcher in its own JVM for the kill -9 test: starts a spinning guest, prints the guest's pid, and runs
 * it until this JVM is killed.
 */
public final class KilledLauncher
{
    private KilledLauncher()
    {
    }

    /**
     * Run the launcher.
     *
     * @param args the memory file.
     * @throws Exception on any failure, which the test sees as a missing pid line.
     */
    public static void main(final String[] args) throws Exception
    {
        final Lguest lguest = Lguest.open(Guests.FAST_GUEST_JVM);
        lguest.initialize(Path.of(args[0]), 0, Guests.PAGES, Guests.Spin.class.getName(), 1);
        final RunResult first = lguest.run(0, 100, TimeUnit.MILLISECONDS);
        if (first.kind() != RunResult.Kind.TIMEOUT)
        {
            throw new IllegalStateException("the spinning guest should still run: " + first);
        }
        System.out.println(lguest.guestPid());
        System.out.flush();
        while (true)
        {
            final RunResult result = lguest.run(0, 1, TimeUnit.SECONDS);
            if (result.isDead())
            {
                throw new IllegalStateException("the guest died first: " + result);
            }
        }
    }
}

package dev.evring.bench.mechanism;

import dev.evring.bench.harness.PeerFailure;
import dev.evring.bench.harness.Watchdog;
import dev.evring.lguest.Lguest;
import dev.evring.lguest.RunResult;

import java.io.IOException;
import java.util.concurrent.TimeUnit;

/**
 * The launcher's loop of the lguest mechanisms: run the guest in slices until its next notify, checking
 * the peer's watchdog whenever a slice runs out, so that a dead partner or a passed deadline ends the run.
 */
final class GuestRunLoop
{
    private static final long RUN_SLICE_MS = 100;

    private GuestRunLoop()
    {
    }

    /**
     * Run the guest until it notifies.
     *
     * @param lguest    the launcher, its guest initialized.
     * @param watchdog  the peer's watchdog.
     * @param mechanism the mechanism's name, for the failure.
     * @return the notify's result.
     * @throws IOException if the launcher fails.
     * @throws PeerFailure if the guest dies, or from the watchdog.
     */
    static RunResult runToNotify(final Lguest lguest, final Watchdog watchdog, final String mechanism)
        throws IOException
    {
        while (true)
        {
            final RunResult result = lguest.run(0, RUN_SLICE_MS, TimeUnit.MILLISECONDS);
            if (result.isNotify())
            {
                return result;
            }
            if (result.isDead())
            {
                throw new PeerFailure(mechanism + ": the guest died: " + result.deathReason());
            }
            watchdog.check(); // a slice ran out: the guest is still busy, unless B is gone
        }
    }
}

package dev.evring.bench.harness;

import java.util.Optional;

/**
 * Keeps a peer's busy-wait loops from waiting forever: every {@link #CHECK_MASK}{@code + 1} spins a loop
 * calls {@link #check()}, which fails if the partner gave up, if the partner's process is gone, or if the
 * run's deadline passed. The check is cheap enough for a loop that only gets there when it has already
 * waited tens of microseconds.
 */
public final class Watchdog
{
    /** A waiting loop calls {@link #check()} when {@code (spins & CHECK_MASK) == 0}. */
    public static final long CHECK_MASK = (1 << 16) - 1;

    private final SharedControl control;
    private final PeerRole partner;
    private final long deadlineNs;
    private ProcessHandle partnerProcess;

    /**
     * A watchdog for one peer.
     *
     * @param control    the shared control block.
     * @param self       the peer that waits.
     * @param deadlineNs the {@link System#nanoTime()} after which every wait fails.
     */
    public Watchdog(final SharedControl control, final PeerRole self, final long deadlineNs)
    {
        this.control = control;
        this.partner = self.partner();
        this.deadlineNs = deadlineNs;
    }

    /**
     * Fail if waiting longer makes no sense.
     *
     * @throws PeerFailure if the partner aborted or died, or the deadline passed.
     */
    public void check()
    {
        if (control.aborted(partner))
        {
            throw new PeerFailure("the " + name(partner) + " gave up");
        }
        if (partnerProcess == null)
        {
            final long pid = control.pid(partner);
            final Optional<ProcessHandle> handle = pid == 0 ? Optional.empty() : ProcessHandle.of(pid);
            if (pid != 0 && handle.isEmpty())
            {
                throw new PeerFailure("the " + name(partner) + " (pid " + pid + ") is gone");
            }
            partnerProcess = handle.orElse(null);
        }
        if (partnerProcess != null && !partnerProcess.isAlive())
        {
            throw new PeerFailure("the " + name(partner) + " (pid " + partnerProcess.pid() + ") died");
        }
        if (System.nanoTime() - deadlineNs > 0)
        {
            throw new PeerFailure("the run's deadline passed while waiting for the " + name(partner));
        }
    }

    private static String name(final PeerRole role)
    {
        return role.name().toLowerCase(java.util.Locale.ROOT);
    }
}

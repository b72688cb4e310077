package dev.evring.lguest;

import java.util.Objects;

/**
 * What {@link Lguest#run(int)} returns: the vCPU stopped in a notify that no eventfd took (the address),
 * the guest is dead (the reason), or, for the timed run, the time ran out while the vCPU was still running.
 */
public final class RunResult
{
    /**
     * Why {@code run} returned.
     */
    public enum Kind
    {
        /** The vCPU notified an address no target holds; it stays stopped until the next run. */
        NOTIFY,
        /** The guest is dead; {@link #deathReason()} says why. */
        DEAD,
        /** A timed run's time ran out; the vCPU keeps running and the next run keeps waiting for it. */
        TIMEOUT
    }

    private static final RunResult TIMED_OUT = new RunResult(Kind.TIMEOUT, 0, null);

    private final Kind kind;
    private final long notifyAddress;
    private final String deathReason;

    private RunResult(final Kind kind, final long notifyAddress, final String deathReason)
    {
        this.kind = kind;
        this.notifyAddress = notifyAddress;
        this.deathReason = deathReason;
    }

    static RunResult notify(final long address)
    {
        return new RunResult(Kind.NOTIFY, address, null);
    }

    static RunResult dead(final String reason)
    {
        return new RunResult(Kind.DEAD, 0, Objects.requireNonNull(reason, "reason"));
    }

    static RunResult timedOut()
    {
        return TIMED_OUT;
    }

    /**
     * Why {@code run} returned.
     *
     * @return the kind.
     */
    public Kind kind()
    {
        return kind;
    }

    /**
     * Whether the vCPU stopped in a notify.
     *
     * @return true for {@link Kind#NOTIFY}.
     */
    public boolean isNotify()
    {
        return kind == Kind.NOTIFY;
    }

    /**
     * Whether the guest is dead.
     *
     * @return true for {@link Kind#DEAD}.
     */
    public boolean isDead()
    {
        return kind == Kind.DEAD;
    }

    /**
     * The notified address.
     *
     * @return the address.
     * @throws IllegalStateException if this is not a {@link Kind#NOTIFY}.
     */
    public long notifyAddress()
    {
        if (kind != Kind.NOTIFY)
        {
            throw new IllegalStateException("not a notify: " + this);
        }
        return notifyAddress;
    }

    /**
     * Why the guest died: its own string, or what the launcher saw (exit status, signal).
     *
     * @return the reason.
     * @throws IllegalStateException if this is not a {@link Kind#DEAD}.
     */
    public String deathReason()
    {
        if (kind != Kind.DEAD)
        {
            throw new IllegalStateException("not a death: " + this);
        }
        return deathReason;
    }

    /**
     * {@inheritDoc}
     */
    @Override
    public String toString()
    {
        switch (kind)
        {
            case NOTIFY:
                return "RunResult{notify 0x" + Long.toHexString(notifyAddress) + "}";
            case DEAD:
                return "RunResult{dead: " + deathReason + "}";
            default:
                return "RunResult{timeout}";
        }
    }
}

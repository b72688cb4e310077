package dev.evring.bench.mechanism;

import dev.evring.bench.harness.Mechanism;

/**
 * What every cross-process mechanism has besides its two peers' code: its name on the command line, the
 * one line that says what it measures, and whether it is a stream. A mechanism extends this and
 * implements {@link #initiate} and {@link #respond} (and, where it needs them, {@link #prepare},
 * {@link #regionLength}, {@link #footprintFiles} and {@link #peersSpin}).
 */
public abstract class AbstractMechanism implements Mechanism
{
    private final String name;
    private final String description;
    private final boolean stream;

    /**
     * A mechanism's identity.
     *
     * @param name        the name used on the command line and in the results, lower case with dashes.
     * @param description one line saying what is measured.
     * @param stream      true for a one-way stream (messages per second), false for round trips.
     */
    protected AbstractMechanism(final String name, final String description, final boolean stream)
    {
        this.name = name;
        this.description = description;
        this.stream = stream;
    }

    /**
     * {@inheritDoc}
     */
    @Override
    public final String name()
    {
        return name;
    }

    /**
     * {@inheritDoc}
     */
    @Override
    public final String description()
    {
        return description;
    }

    /**
     * {@inheritDoc}
     */
    @Override
    public final boolean isStream()
    {
        return stream;
    }

    /**
     * The name.
     *
     * @return the name.
     */
    @Override
    public String toString()
    {
        return name;
    }
}

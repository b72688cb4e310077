package dev.evring.bench.mechanism;

import dev.evring.bench.harness.Mechanism;

/**
 * What every cross-process mechanism has besides its two peers' code: its name on the command line, the
 * one line that says what it measures, whether it is a stream, and how much of the shared region its
 * peers use. A mechanism extends this and implements {@link #initiate} and {@link #respond} (and, where it
 * needs them, {@link #prepare}, {@link #footprintFiles} and {@link #peersSpin}).
 */
public abstract class AbstractMechanism implements Mechanism
{
    private final String name;
    private final String description;
    private final boolean stream;
    private final int regionLength;

    /**
     * A mechanism's identity, for one whose peers use no shared region.
     *
     * @param name        the name used on the command line and in the results, lower case with dashes.
     * @param description one line saying what is measured.
     * @param stream      true for a one-way stream (messages per second), false for round trips.
     */
    protected AbstractMechanism(final String name, final String description, final boolean stream)
    {
        this(name, description, stream, 0);
    }

    /**
     * A mechanism's identity and the shared region its peers use.
     *
     * @param name         the name used on the command line and in the results, lower case with dashes.
     * @param description  one line saying what is measured.
     * @param stream       true for a one-way stream (messages per second), false for round trips.
     * @param regionLength bytes of the shared file's region the peers use, at least 0.
     */
    protected AbstractMechanism(final String name, final String description, final boolean stream,
        final int regionLength)
    {
        if (regionLength < 0)
        {
            throw new IllegalArgumentException("regionLength must not be negative, got " + regionLength);
        }
        this.name = name;
        this.description = description;
        this.stream = stream;
        this.regionLength = regionLength;
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
     * {@inheritDoc}
     */
    @Override
    public int regionLength()
    {
        return regionLength;
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

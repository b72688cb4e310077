package dev.evring.bench.mechanism;

import org.agrona.concurrent.UnsafeBuffer;

import java.io.IOException;
import java.nio.file.Path;

/**
 * What the mechanisms across two bridged hubs ({@link BridgedHub}) share: a page of the shared region, the
 * hubs' words at its start, and the coordinator's preparation (two free loopback ports, the key file).
 */
abstract class BridgedMechanism extends AbstractMechanism
{
    private static final int REGION_LENGTH = 4096;

    /**
     * A mechanism's identity.
     *
     * @param name        its name.
     * @param description what it measures.
     * @param stream      true for a one-way stream.
     */
    BridgedMechanism(final String name, final String description, final boolean stream)
    {
        super(name, description, stream);
    }

    /**
     * {@inheritDoc}
     */
    @Override
    public final int regionLength()
    {
        return REGION_LENGTH;
    }

    /**
     * Two free loopback ports, one for each bridge, and the key file both read.
     *
     * @param directory the run's directory.
     * @param region    the mechanism's region.
     * @throws IOException if no port is free or the key cannot be written.
     */
    @Override
    public final void prepare(final Path directory, final UnsafeBuffer region) throws IOException
    {
        BridgedHub.prepare(directory, region);
    }
}

package dev.evring.bench.jmh;

import dev.evring.bench.harness.RunDirectories;
import dev.evring.evtchn.EvtchnHub;
import dev.evring.evtchn.HubConfig;

import java.io.IOException;
import java.nio.file.Path;
import java.util.function.UnaryOperator;

/**
 * The hub of an evtchn benchmark's set-up: started in a fresh scratch directory, and on close stopped and
 * its directory removed. The benchmark closes its handles first.
 */
final class ScratchHub implements AutoCloseable
{
    private final Path directory;
    private final EvtchnHub hub;

    private ScratchHub(final Path directory, final EvtchnHub hub)
    {
        this.directory = directory;
        this.hub = hub;
    }

    /**
     * Start a hub in a fresh scratch directory.
     *
     * @param configure the benchmark's settings over the directory's default configuration.
     * @return the running hub.
     * @throws IOException if the directory cannot be made or the hub cannot start.
     */
    static ScratchHub start(final UnaryOperator<HubConfig> configure) throws IOException
    {
        final Path directory = RunDirectories.create("evring-jmh-");
        try
        {
            final HubConfig config = configure.apply(HubConfig.directory(directory.resolve("hub")));
            return new ScratchHub(directory, EvtchnHub.start(config));
        }
        catch (final IOException | RuntimeException ex)
        {
            RunDirectories.deleteQuietly(directory);
            throw ex;
        }
    }

    /**
     * The hub.
     *
     * @return the hub.
     */
    EvtchnHub hub()
    {
        return hub;
    }

    /**
     * Stop the hub (it removes its files) and remove the scratch directory.
     */
    @Override
    public void close()
    {
        hub.close();
        RunDirectories.deleteQuietly(directory);
    }
}

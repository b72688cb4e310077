package dev.evring.cli.hub;

import dev.evring.evtchn.HubConfig;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine;

import java.nio.file.Path;

/**
 * The {@code --name} / {@code --dir} options that say which hub a command runs or reads, shared by
 * {@link HubCommand} and {@link StatCommand} as a picocli mixin.
 */
public final class HubLocation
{
    @Option(names = "--name", description = "Hub name: directory /dev/shm/evring-$USER/<name> (default: ${DEFAULT-VALUE}).")
    String name = "default";

    @Option(names = "--dir", description = "Hub directory (overrides --name).")
    Path directory;

    /**
     * The hub directory the options name.
     *
     * @return {@code --dir} if given, else the default directory of {@code --name}.
     * @throws IllegalArgumentException if the name is not a valid hub name.
     */
    public Path directory()
    {
        return directory != null ? directory : HubConfig.defaultDirectory(name);
    }

    /**
     * The hub directory the options name, a bad name being a usage error of the command.
     *
     * @param command the command whose options these are.
     * @return {@code --dir} if given, else the default directory of {@code --name}.
     * @throws ParameterException if the name is not a valid hub name.
     */
    public Path directory(final CommandLine command)
    {
        try
        {
            return directory();
        }
        catch (final IllegalArgumentException ex)
        {
            throw new ParameterException(command, "--name: " + ex.getMessage(), ex, null, name);
        }
    }
}

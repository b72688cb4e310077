package dev.evring.cli.lguest;

import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * {@code evring lguest-demo}: runs the console example ({@link LguestConsoleDemo}) and exits 0 when the
 * guest shut down normally.
 */
@Command(
    name = "lguest-demo",
    mixinStandardHelpOptions = true,
    description = "Start a guest JVM that writes text into a console ring in guest memory and notifies; "
        + "the launcher services the device and prints the text.")
public final class LguestDemoCommand implements Callable<Integer>
{
    @Spec
    private CommandSpec spec;

    @Option(names = "--lines", defaultValue = "5", description = "Lines the guest writes (default: ${DEFAULT-VALUE}).")
    private long lines;

    @Option(names = "--eventfd", description = "Route the console kicks through an eventfd target, so run() "
        + "does not return for them; a service thread drains the ring and raises an interrupt.")
    private boolean eventfd;

    @Option(names = "--memory-file", description = "Guest memory file to create; it must not exist, and the demo "
        + "removes it at the end (default: in /dev/shm).")
    private Path memoryFile;

    /**
     * Run the demo.
     *
     * @return the exit code: 0 when the guest shut down normally.
     * @throws Exception if the device fails.
     */
    @Override
    public Integer call() throws Exception
    {
        if (lines < 0)
        {
            throw new ParameterException(spec.commandLine(), "--lines must not be negative: " + lines);
        }
        final Path file = memoryFile != null ? checkNew(memoryFile) : LguestConsoleDemo.defaultMemoryFile();
        return new LguestConsoleDemo(file, lines, eventfd, System.out, List.of()).run();
    }

    /**
     * Refuse a memory file the demo would not create: one that exists (the demo writes guest memory and
     * must never change a file it did not make), one whose control file ({@code <file>.lguest}) exists, or
     * one in a directory that does not exist.
     */
    private Path checkNew(final Path file)
    {
        final Path absolute = file.toAbsolutePath();
        final Path control = absolute.resolveSibling(absolute.getFileName() + ".lguest");
        for (final Path existing : List.of(absolute, control))
        {
            if (Files.exists(existing, LinkOption.NOFOLLOW_LINKS))
            {
                throw new ParameterException(spec.commandLine(), "--memory-file " + file + ": " + existing
                    + " exists; give a path that does not exist (the demo creates the file and removes it)");
            }
        }
        final Path parent = absolute.getParent();
        if (parent == null || !Files.isDirectory(parent))
        {
            throw new ParameterException(spec.commandLine(), "--memory-file " + file + ": directory " + parent
                + " does not exist");
        }
        return absolute;
    }
}

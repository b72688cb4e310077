package dev.evring.bench.harness;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Pins each peer to its own CPU by putting {@code taskset -c N} in front of its command, when
 * {@code taskset} exists and this process may run on at least two CPUs: the first two CPUs it is allowed
 * (cores 0 and 1 on an unrestricted machine). Otherwise the peers run unpinned, and the report says so.
 */
public final class Pinning
{
    private final String taskset;
    private final int[] cpus;

    private Pinning(final String taskset, final int[] cpus)
    {
        this.taskset = taskset;
        this.cpus = cpus;
    }

    /**
     * Decide how to pin on this machine.
     *
     * @return the pinning, possibly none.
     */
    public static Pinning detect()
    {
        final String taskset = findOnPath("taskset");
        final int[] allowed = allowedCpus();
        if (taskset == null || allowed.length < 2)
        {
            return new Pinning(null, allowed);
        }
        return new Pinning(taskset, new int[] {allowed[0], allowed[1]});
    }

    /**
     * No pinning, whatever the machine offers.
     *
     * @return the pinning.
     */
    public static Pinning none()
    {
        return new Pinning(null, new int[0]);
    }

    /**
     * Whether peers are pinned.
     *
     * @return true if {@code taskset} is used.
     */
    public boolean used()
    {
        return taskset != null;
    }

    /**
     * The CPU a peer runs on.
     *
     * @param role the peer.
     * @return the CPU number, or -1 when unpinned.
     */
    int cpu(final PeerRole role)
    {
        return used() ? cpus[role.ordinal()] : -1;
    }

    /**
     * What goes in front of a peer's command.
     *
     * @param role the peer.
     * @return {@code taskset -c N}, or nothing.
     */
    public List<String> prefix(final PeerRole role)
    {
        return used() ? List.of(taskset, "-c", Integer.toString(cpu(role))) : List.of();
    }

    /**
     * One line for the report.
     *
     * @return e.g. {@code taskset: A on CPU 0, B on CPU 1}.
     */
    public String describe()
    {
        if (!used())
        {
            return findOnPath("taskset") == null
                ? "unpinned (no taskset on PATH)"
                : "unpinned (fewer than 2 CPUs allowed)";
        }
        return String.format(Locale.ROOT, "taskset: A on CPU %d, B on CPU %d", cpus[0], cpus[1]);
    }

    /**
     * Look a program up on the {@code PATH}, as a shell would.
     *
     * @param program the program's name.
     * @return its absolute path, or null if no directory of the {@code PATH} holds an executable of that name.
     */
    public static String findOnPath(final String program)
    {
        final String path = System.getenv("PATH");
        if (path == null)
        {
            return null;
        }
        for (final String dir : path.split(File.pathSeparator))
        {
            final Path candidate = Path.of(dir.isEmpty() ? "." : dir, program);
            if (Files.isRegularFile(candidate) && Files.isExecutable(candidate))
            {
                return candidate.toString();
            }
        }
        return null;
    }

    /**
     * The CPUs this process may run on, from {@code Cpus_allowed_list} in {@code /proc/self/status}
     * (e.g. {@code 0-3,8}); without it, {@code 0 .. availableProcessors - 1}.
     */
    public static int[] allowedCpus()
    {
        try
        {
            for (final String line : Files.readAllLines(Path.of("/proc/self/status")))
            {
                if (line.startsWith("Cpus_allowed_list:"))
                {
                    return parseCpuList(line.substring(line.indexOf(':') + 1).strip());
                }
            }
        }
        catch (final IOException | RuntimeException ignored)
        {
            // not Linux, or an unexpected format: fall back to the processor count
        }
        final int[] cpus = new int[Runtime.getRuntime().availableProcessors()];
        for (int i = 0; i < cpus.length; i++)
        {
            cpus[i] = i;
        }
        return cpus;
    }

    /**
     * Parse a Linux CPU list such as {@code 0-3,8,10-11}.
     *
     * @param list the list.
     * @return the CPUs in order.
     */
    static int[] parseCpuList(final String list)
    {
        final List<Integer> cpus = new ArrayList<>();
        for (final String part : list.split(","))
        {
            final String range = part.strip();
            if (range.isEmpty())
            {
                continue;
            }
            final int dash = range.indexOf('-');
            final int first = Integer.parseInt(dash < 0 ? range : range.substring(0, dash));
            final int last = dash < 0 ? first : Integer.parseInt(range.substring(dash + 1));
            for (int cpu = first; cpu <= last; cpu++)
            {
                cpus.add(cpu);
            }
        }
        return cpus.stream().mapToInt(Integer::intValue).toArray();
    }
}

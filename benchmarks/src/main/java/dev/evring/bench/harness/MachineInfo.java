package dev.evring.bench.harness;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * The machine a run measured: CPU model, CPUs, Java, OS, how the peers were pinned, where the shared
 * files lived and how loaded the machine was (other work on the same cores changes every number).
 *
 * @param cpuModel       the CPU's model name, or "unknown".
 * @param cores          processors this JVM may use.
 * @param javaVersion    the Java runtime version.
 * @param javaVm         the VM's name and vendor.
 * @param os             OS name, version and architecture.
 * @param tasksetUsed    whether the peers were pinned with {@code taskset}.
 * @param pinning        how the peers were pinned, in words.
 * @param sharedMemory   the directory the shared files lived in.
 * @param loadAverage    the 1, 5 and 15 minute load averages when the run started, or "unknown".
 */
public record MachineInfo(
    String cpuModel,
    int cores,
    String javaVersion,
    String javaVm,
    String os,
    boolean tasksetUsed,
    String pinning,
    String sharedMemory,
    String loadAverage)
{
    /**
     * Describe this machine.
     *
     * @param pinning      the peers' pinning.
     * @param sharedMemory where run directories are made.
     * @return the description.
     */
    public static MachineInfo detect(final Pinning pinning, final Path sharedMemory)
    {
        return new MachineInfo(
            readCpuModel(),
            Runtime.getRuntime().availableProcessors(),
            Runtime.version().toString(),
            System.getProperty("java.vm.name") + " (" + System.getProperty("java.vm.vendor") + ")",
            System.getProperty("os.name") + " " + System.getProperty("os.version") + " "
                + System.getProperty("os.arch"),
            pinning.used(),
            pinning.describe(),
            sharedMemory.toString(),
            currentLoadAverage());
    }

    /**
     * The load averages now.
     *
     * @return "1min 5min 15min", or "unknown" without {@code /proc/loadavg}.
     */
    public static String currentLoadAverage()
    {
        try
        {
            final String[] fields = Files.readString(Path.of("/proc/loadavg")).strip().split("\\s+");
            return fields[0] + " " + fields[1] + " " + fields[2];
        }
        catch (final IOException | RuntimeException ex)
        {
            return "unknown";
        }
    }

    private static String readCpuModel()
    {
        try
        {
            for (final String line : Files.readAllLines(Path.of("/proc/cpuinfo")))
            {
                if (line.toLowerCase(Locale.ROOT).startsWith("model name"))
                {
                    return line.substring(line.indexOf(':') + 1).strip();
                }
            }
        }
        catch (final IOException | RuntimeException ignored)
        {
            // not Linux: fall through
        }
        return "unknown";
    }
}

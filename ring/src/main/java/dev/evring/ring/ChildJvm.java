package dev.evring.ring;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Starts child JVMs (readers in other processes, the hub, guests, benchmark peers) with the same Java,
 * the same class path and evring's JVM flags.
 *
 * <p>The flags are kept in one place: {@code jvm.options} at the repository root, plus
 * {@code jvm-jdk24.options} on JDK 24 and later, in the java launcher's {@code @argfile} format. The build
 * packages both files into this jar; Surefire, JMH, the launcher script and the executable jars' manifests
 * read the same files.
 */
public final class ChildJvm
{
    private static final String OPTIONS = "jvm.options";
    private static final String JDK24_OPTIONS = "jvm-jdk24.options";

    private ChildJvm()
    {
    }

    /**
     * The JVM flags evring needs on the running Java version (Agrona's and Chronicle Core's
     * {@code --add-opens} / {@code --add-exports}, and on JDK 24+ the explicit permission to use
     * {@code sun.misc.Unsafe} memory access).
     *
     * @return the flags, one per element.
     */
    public static List<String> jvmFlags()
    {
        final List<String> flags = new ArrayList<>(readOptions(OPTIONS));
        if (Runtime.version().feature() >= 24)
        {
            flags.addAll(readOptions(JDK24_OPTIONS));
        }
        return flags;
    }

    /**
     * The command line that runs a main class in a new JVM like this one.
     *
     * @param mainClass the class whose {@code main} to run.
     * @param jvmArgs   extra JVM arguments (heap size, system properties), may be empty.
     * @param args      program arguments.
     * @return the command, starting with the path of this JVM's {@code java}.
     */
    public static List<String> command(final String mainClass, final List<String> jvmArgs, final String... args)
    {
        final List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(jvmFlags());
        command.addAll(jvmArgs);
        command.add("-cp");
        command.add(classPath());
        command.add(mainClass);
        command.addAll(Arrays.asList(args));
        return command;
    }

    /**
     * A process builder for {@link #command(String, List, String...)} whose standard error goes to this
     * process's, so a child's failure is seen in the parent's log.
     *
     * @param mainClass the class whose {@code main} to run.
     * @param args      program arguments.
     * @return the builder, ready to start.
     */
    public static ProcessBuilder processBuilder(final Class<?> mainClass, final String... args)
    {
        return new ProcessBuilder(command(mainClass.getName(), List.of(), args))
            .redirectError(ProcessBuilder.Redirect.INHERIT);
    }

    /**
     * This JVM's class path. Under Surefire that is the test class path it records, not its booter jar.
     *
     * @return the class path to give a child.
     */
    public static String classPath()
    {
        final String testClassPath = System.getProperty("surefire.test.class.path");
        return testClassPath != null && !testClassPath.isBlank() ? testClassPath : System.getProperty("java.class.path");
    }

    private static List<String> readOptions(final String resource)
    {
        final InputStream in = ChildJvm.class.getResourceAsStream(resource);
        if (in == null)
        {
            throw new IllegalStateException("the evring ring jar lacks " + resource + ": rebuild it with Maven");
        }
        final List<String> options = new ArrayList<>();
        try (BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8)))
        {
            String line;
            while ((line = reader.readLine()) != null)
            {
                final String option = line.strip();
                if (!option.isEmpty() && !option.startsWith("#"))
                {
                    options.add(option);
                }
            }
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException(ex);
        }
        return options;
    }
}

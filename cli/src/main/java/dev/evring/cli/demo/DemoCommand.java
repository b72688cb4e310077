package dev.evring.cli.demo;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code evring demo}: an embedded hub in a fresh directory, consumer JVMs in domains of their own
 * exchanging events over interdomain channels (a ring of neighbours, and each with the hub's domain 0),
 * VIRQ_TIMER in every consumer, a live status line, then a summary and a latency histogram. Every file is
 * removed at the end, on Ctrl-C too. With {@code --hosts 2}, two hubs bridged over Aeron UDP on two
 * loopback addresses, the consumers split between them (see {@link DemoRun}).
 *
 * <p>The summary is one {@code name: value} fact per line, for scripts: {@code events: N},
 * {@code overflows: 0}, {@code files left: 0}, {@code hub directory removed: yes}, {@code result: ok}. The
 * exit status is 0 only if events flowed, nothing overflowed, every consumer finished and no file was left;
 * 1 if the run failed or the machine stopped it (a full {@code /dev/shm}, a hub already running); 2 for a
 * bad option. Every error is one line that says what to do.
 */
@Command(
    name = "demo",
    mixinStandardHelpOptions = true,
    description = "Run an evtchn hub with consumer JVMs exchanging events (interdomain channels, VIRQ_TIMER), show live "
        + "figures, then a summary and a round-trip latency histogram. Removes every file it made.")
public final class DemoCommand implements Callable<Integer>
{
    /** The most consumer JVMs the demo starts. */
    public static final int MAX_CONSUMERS = 32;
    /** The shortest run. */
    public static final Duration MIN_DURATION = Duration.ofMillis(100);
    /** The longest run. */
    public static final Duration MAX_DURATION = Duration.ofHours(24);

    private static final Pattern DURATION = Pattern.compile("(\\d+(?:\\.\\d+)?)\\s*(ms|s|m|h)?");

    @Option(names = "--duration", paramLabel = "TIME",
        description = "How long the traffic runs: e.g. 10s, 3s, 500ms, 2m (default: ${DEFAULT-VALUE}).")
    String duration = "10s";

    @Option(names = "--consumers", paramLabel = "N", description = "Consumer JVMs, 2 to " + MAX_CONSUMERS + " (default: ${DEFAULT-VALUE}).")
    String consumers = "2";

    @Option(names = "--hosts", paramLabel = "N",
        description = "1: one hub; 2: two hubs on two loopback addresses bridged over Aeron UDP, the consumers split "
            + "between them (default: ${DEFAULT-VALUE}).")
    String hosts = "1";

    @Option(names = "--idle", paramLabel = "MODE",
        description = "How handles wait for events: spin, yield, backoff or block (default: ${DEFAULT-VALUE}).")
    String idle = DemoIdle.BACKOFF.label();

    @Option(names = "--dir", paramLabel = "DIR",
        description = "Hub directory: new, empty, or left by a dead hub (default: a fresh one under /dev/shm/evring-$USER, "
            + "removed at the end).")
    Path directory;

    @Spec
    CommandSpec spec;

    /**
     * Run the demo on its own ({@code java ... dev.evring.cli.demo.DemoCommand --duration 3s}); the
     * {@code evring} tool runs it as its {@code demo} subcommand.
     *
     * @param args the demo's options.
     */
    public static void main(final String[] args)
    {
        System.exit(new CommandLine(new DemoCommand()).execute(args));
    }

    /**
     * Run the demo.
     *
     * @return 0 if the run met every promise, 1 if it failed, 2 for bad options.
     */
    @Override
    public Integer call()
    {
        final PrintWriter out = spec.commandLine().getOut();
        final PrintWriter err = spec.commandLine().getErr();
        DemoRun run = null;
        Thread cleanup = null;
        try
        {
            final Duration runFor = parseDuration(duration);
            final DemoIdle waitMode = parseIdle(idle);
            final int consumerCount = parseConsumers(consumers);
            final int hostCount = parseHosts(hosts);
            final DemoDirectory hubDirectory = DemoDirectory.choose(directory);
            run = new DemoRun(consumerCount, hostCount, waitMode, runFor, hubDirectory, out, System.console() != null);
            final DemoRun toClose = run;
            cleanup = new Thread(() ->
            {
                if (!toClose.isClosed())
                {
                    toClose.close();
                    err.println("evring demo: interrupted; the consumers were stopped and " + hubDirectory.path() + " cleaned up");
                    err.flush();
                }
            }, "evring-demo-cleanup");
            Runtime.getRuntime().addShutdownHook(cleanup);
            final DemoReport.Summary summary = run.run();
            DemoReport.print(out, summary);
            if (!summary.ok())
            {
                err.println("evring demo: the run failed: " + String.join("; ", summary.failures()));
                err.flush();
            }
            return summary.ok() ? 0 : DemoFailure.FAILED;
        }
        catch (final DemoFailure ex)
        {
            return fail(out, err, ex.getMessage(), ex.exitCode());
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            return fail(out, err, "interrupted; every consumer was stopped and every file removed", DemoFailure.FAILED);
        }
        catch (final RuntimeException ex) // a bug, or the JVM shutting down under the run: still one line
        {
            return fail(out, err, "unexpected failure: " + ex + " (if this is not a Ctrl-C, please report it)", DemoFailure.FAILED);
        }
        catch (final InternalError ex) // the JVM's answer to SIGBUS on a mapped file: a full or shrunk tmpfs
        {
            return fail(out, err, "a shared-memory page could not be touched (" + ex.getMessage()
                + "): is /dev/shm full? Free some space there or give --dir on another file system", DemoFailure.FAILED);
        }
        finally
        {
            if (run != null)
            {
                run.close();
            }
            removeHook(cleanup);
        }
    }

    private static int fail(final PrintWriter out, final PrintWriter err, final String message, final int exitCode)
    {
        out.flush();
        err.println("evring demo: " + message);
        err.flush();
        return exitCode;
    }

    private static void removeHook(final Thread hook)
    {
        if (hook == null)
        {
            return;
        }
        try
        {
            Runtime.getRuntime().removeShutdownHook(hook);
        }
        catch (final IllegalStateException ex)
        {
            // the JVM is shutting down: the hook runs (or ran) and finds the run closed
        }
    }

    /**
     * Parse a {@code --duration}: a positive number with {@code ms}, {@code s} (the default unit), {@code m}
     * or {@code h}, from {@link #MIN_DURATION} to {@link #MAX_DURATION}.
     *
     * @param text e.g. {@code 10s}, {@code 500ms}, {@code 1.5s}.
     * @return the duration.
     * @throws DemoFailure for anything else.
     */
    static Duration parseDuration(final String text) throws DemoFailure
    {
        final Matcher matcher = DURATION.matcher(text.strip().toLowerCase(Locale.ROOT));
        if (!matcher.matches())
        {
            throw new DemoFailure(DemoFailure.USAGE, "--duration must be a positive time such as 10s, 3s or 500ms, got '" + text + "'");
        }
        final double amount = Double.parseDouble(matcher.group(1));
        final String unit = matcher.group(2) == null ? "s" : matcher.group(2);
        final double millis;
        switch (unit)
        {
            case "ms":
                millis = amount;
                break;
            case "m":
                millis = amount * 60_000;
                break;
            case "h":
                millis = amount * 3_600_000;
                break;
            default:
                millis = amount * 1_000;
                break;
        }
        if (millis < MIN_DURATION.toMillis() || millis > MAX_DURATION.toMillis())
        {
            throw new DemoFailure(DemoFailure.USAGE, "--duration must lie between " + MIN_DURATION.toMillis() + "ms and "
                + MAX_DURATION.toHours() + "h, got '" + text + "'");
        }
        return Duration.ofMillis(Math.round(millis));
    }

    /**
     * Parse {@code --consumers} (a string option, so that a bad value gets the demo's one-line error).
     *
     * @param text a whole number from 2 to {@link #MAX_CONSUMERS}.
     * @return the number.
     * @throws DemoFailure for anything else.
     */
    static int parseConsumers(final String text) throws DemoFailure
    {
        final int count;
        try
        {
            count = Integer.parseInt(text.strip());
        }
        catch (final NumberFormatException ex)
        {
            throw new DemoFailure(DemoFailure.USAGE, "--consumers must be a whole number from 2 to " + MAX_CONSUMERS + ", got '" + text + "'");
        }
        if (count < 2 || count > MAX_CONSUMERS)
        {
            throw new DemoFailure(DemoFailure.USAGE, "--consumers must be a whole number from 2 to " + MAX_CONSUMERS + ", got " + count);
        }
        return count;
    }

    /**
     * Parse {@code --hosts}.
     *
     * @param text 1 or 2.
     * @return the number.
     * @throws DemoFailure for anything else.
     */
    static int parseHosts(final String text) throws DemoFailure
    {
        final String value = text.strip();
        if (!value.equals("1") && !value.equals("2"))
        {
            throw new DemoFailure(DemoFailure.USAGE, "--hosts must be 1 or 2, got '" + text + "'");
        }
        return Integer.parseInt(value);
    }

    private static DemoIdle parseIdle(final String text) throws DemoFailure
    {
        try
        {
            return DemoIdle.parse(text);
        }
        catch (final IllegalArgumentException ex)
        {
            throw new DemoFailure(DemoFailure.USAGE, ex.getMessage());
        }
    }
}

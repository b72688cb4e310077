package dev.evring.cli.demo;

import dev.evring.ring.ChildJvm;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * The demo's side of one consumer JVM ({@link DemoConsumer}): sends it commands, waits for its answers with
 * a deadline, and feeds its {@code STAT} lines into the {@link DemoTally} as they come. A consumer that dies
 * is seen at once (its output ends) and never waited on.
 */
final class DemoChild implements AutoCloseable
{
    private static final String END = "\u0000end";
    private static final long DESTROY_WAIT_MS = 5_000;
    private static final long EXIT_STATUS_WAIT_MS = 2_000;
    private static final List<String> CONSUMER_JVM_ARGS = List.of("-Xms16m", "-Xmx64m", "-XX:+UseSerialGC");

    private final int index;
    private final Process process;
    private final PrintWriter commands;
    private final BlockingQueue<String> answers = new LinkedBlockingQueue<>();
    private final DemoTally tally;
    private final Writer log;
    private final Thread reader;
    private volatile boolean done;
    private volatile String failure;

    private DemoChild(final int index, final Process process, final DemoTally tally, final Writer log)
    {
        this.index = index;
        this.process = process;
        this.tally = tally;
        this.log = log;
        this.commands = new PrintWriter(new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8), true);
        this.reader = new Thread(this::readAnswers, "demo-consumer-" + index);
        reader.setDaemon(true);
        reader.start();
    }

    /**
     * Start consumer {@code index} (counted from 0) on the hub in {@code hubDirectory}.
     *
     * @param log where lines the consumer prints outside the protocol go.
     */
    static DemoChild start(
        final int index, final Path hubDirectory, final DemoIdle idle, final DemoTally tally, final Writer log)
        throws DemoFailure
    {
        try
        {
            final Process process = new ProcessBuilder(ChildJvm.command(
                DemoConsumer.class.getName(), CONSUMER_JVM_ARGS, hubDirectory.toString(), idle.label()))
                .redirectError(ProcessBuilder.Redirect.INHERIT)
                .start();
            return new DemoChild(index, process, tally, log);
        }
        catch (final IOException ex)
        {
            throw new DemoFailure(DemoFailure.FAILED, "cannot start a consumer JVM (" + ex.getMessage()
                + "): check that this Java can run 'java' from " + System.getProperty("java.home"), ex);
        }
    }

    int index()
    {
        return index;
    }

    /**
     * Wait for the next answer of a kind (the consumer's first line, {@code DOMID}, needs no command).
     *
     * @return the answer's argument, e.g. the port.
     */
    int expect(final String keyword, final long timeoutNs) throws DemoFailure, InterruptedException
    {
        final String line = answers.poll(timeoutNs, TimeUnit.NANOSECONDS);
        if (line == null)
        {
            throw new DemoFailure(DemoFailure.FAILED, name() + " did not answer within "
                + TimeUnit.NANOSECONDS.toSeconds(timeoutNs) + " s: the machine may be overloaded; try again with fewer --consumers");
        }
        if (line.equals(END))
        {
            throw new DemoFailure(DemoFailure.FAILED, name() + " stopped during setup" + describeEnd());
        }
        if (line.startsWith(DemoProtocol.FAILED))
        {
            throw new DemoFailure(DemoFailure.FAILED, name() + " failed: " + line.substring(DemoProtocol.FAILED.length()).strip());
        }
        if (!line.startsWith(keyword + ' '))
        {
            throw new DemoFailure(DemoFailure.FAILED, name() + " answered '" + line + "' instead of " + keyword);
        }
        return Integer.parseInt(line.substring(keyword.length() + 1).strip());
    }

    /**
     * Send a command and wait for its answer.
     */
    int request(final String command, final String keyword, final long timeoutNs) throws DemoFailure, InterruptedException
    {
        send(command);
        return expect(keyword, timeoutNs);
    }

    void send(final String command)
    {
        commands.println(command);
    }

    /**
     * Whether the consumer said {@code DONE} after its last figures.
     */
    boolean done()
    {
        return done;
    }

    /**
     * Why the consumer failed, if it said so.
     *
     * @return its message, or null.
     */
    String failure()
    {
        return failure;
    }

    boolean isAlive()
    {
        return process.isAlive();
    }

    /**
     * Wait for the consumer to exit, at most {@code timeoutMs}; its last figures are in the tally once this
     * returns true.
     *
     * @return true if it exited with status 0 after {@code DONE}.
     */
    boolean awaitExit(final long timeoutMs) throws InterruptedException
    {
        if (!process.waitFor(timeoutMs, TimeUnit.MILLISECONDS))
        {
            return false;
        }
        reader.join(timeoutMs);
        return process.exitValue() == 0 && done;
    }

    String name()
    {
        return "consumer " + (index + 1) + " (pid " + process.pid() + ')';
    }

    String describeEnd()
    {
        if (failure != null)
        {
            return ": " + failure;
        }
        try
        {
            // its output has ended: give the process a moment to be reaped, for its exit status
            return process.waitFor(EXIT_STATUS_WAIT_MS, TimeUnit.MILLISECONDS)
                ? " (exit status " + process.exitValue() + "; see its error above)" : "";
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            return "";
        }
    }

    /**
     * Stop the consumer if it still runs: end its input, then kill it if it does not exit soon.
     */
    @Override
    public void close()
    {
        commands.close();
        try
        {
            if (!process.waitFor(DESTROY_WAIT_MS, TimeUnit.MILLISECONDS))
            {
                process.destroyForcibly();
                process.waitFor(DESTROY_WAIT_MS, TimeUnit.MILLISECONDS);
            }
        }
        catch (final InterruptedException ex)
        {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }

    /**
     * Kill the consumer now (the demo is being interrupted).
     */
    void kill()
    {
        process.destroyForcibly();
    }

    private void readAnswers()
    {
        try (BufferedReader lines = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8)))
        {
            String line;
            while ((line = lines.readLine()) != null)
            {
                if (line.startsWith(DemoProtocol.STAT + ' '))
                {
                    final String[] words = line.split(" ");
                    tally.update(index + 1, Long.parseLong(words[1]), Long.parseLong(words[2]), Long.parseLong(words[3]),
                        DemoProtocol.decode(words[4]));
                }
                else if (line.equals(DemoProtocol.DONE))
                {
                    done = true;
                }
                else if (line.startsWith(DemoProtocol.FAILED))
                {
                    failure = line.substring(DemoProtocol.FAILED.length()).strip();
                    answers.add(line);
                }
                else if (line.startsWith(DemoProtocol.DOMID + ' ') || line.startsWith(DemoProtocol.PORT + ' '))
                {
                    answers.add(line);
                }
                else
                {
                    synchronized (log)
                    {
                        log.write(name() + ": " + line + System.lineSeparator());
                        log.flush();
                    }
                }
            }
        }
        catch (final IOException | RuntimeException ex)
        {
            if (failure == null)
            {
                failure = "its output could not be read: " + ex.getMessage();
            }
        }
        finally
        {
            answers.add(END);
        }
    }
}

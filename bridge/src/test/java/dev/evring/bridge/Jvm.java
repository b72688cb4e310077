package dev.evring.bridge;

import dev.evring.ring.ChildJvm;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A child JVM ({@link ChildJvm}) that answers commands on stdin with lines on stdout: a hub with its bridge
 * ({@link HubMain}) or a client ({@link ClientMain}).
 */
final class Jvm implements AutoCloseable
{
    private static final String END = "\u0000end";
    /** How a child says a call was refused (expected by {@code ask(..., "FAILED", ...)} only). */
    static final String FAILED = "FAILED";

    private final Process process;
    private final BlockingQueue<String> lines = new LinkedBlockingQueue<>();
    private final Writer in;

    private Jvm(final Process process)
    {
        this.process = process;
        this.in = new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8);
        final Thread reader = new Thread(this::readLines, "jvm-stdout-" + process.pid());
        reader.setDaemon(true);
        reader.start();
    }

    static Jvm start(final Class<?> mainClass, final String... args) throws IOException
    {
        return new Jvm(ChildJvm.processBuilder(mainClass, args).start());
    }

    private void readLines()
    {
        try (BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8)))
        {
            for (String line = out.readLine(); line != null; line = out.readLine())
            {
                lines.add(line);
            }
        }
        catch (final IOException ignore)
        {
            // the process is gone
        }
        lines.add(END);
    }

    /**
     * Send a command and return the rest of the first answer line that starts with {@code prefix}.
     */
    String ask(final String command, final String prefix, final long timeoutMs) throws IOException, InterruptedException
    {
        send(command);
        return expect(prefix, timeoutMs);
    }

    void send(final String command) throws IOException
    {
        in.write(command);
        in.write('\n');
        in.flush();
    }

    /**
     * The rest of the next line that starts with {@code prefix}; other lines are skipped.
     */
    String expect(final String prefix, final long timeoutMs) throws IOException, InterruptedException
    {
        final long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
        while (true)
        {
            final String line = lines.poll(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            if (line == null || line.equals(END))
            {
                if (line != null)
                {
                    lines.add(END);
                }
                throw new IOException("process " + process.pid() + (line == null ? " printed no '" + prefix
                    + "' within " + timeoutMs + " ms" : " ended before printing '" + prefix + "'"));
            }
            if (line.startsWith(prefix))
            {
                return line.substring(prefix.length()).trim();
            }
            if (line.startsWith(FAILED))
            {
                throw new IOException("process " + process.pid() + " answered '" + line + "', not '" + prefix + "'");
            }
        }
    }

    int askInt(final String command, final String prefix) throws IOException, InterruptedException
    {
        return Integer.parseInt(ask(command, prefix, 30_000));
    }

    /**
     * SIGKILL, and wait for the process to be gone.
     */
    void kill() throws InterruptedException
    {
        process.destroyForcibly();
        process.waitFor(30, TimeUnit.SECONDS);
    }

    /**
     * Send a signal ({@code STOP}, {@code CONT}) with {@code kill}.
     */
    void signal(final String signal) throws IOException, InterruptedException
    {
        final Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(process.pid())).inheritIO().start();
        if (!kill.waitFor(30, TimeUnit.SECONDS) || kill.exitValue() != 0)
        {
            throw new IOException("kill -" + signal + " " + process.pid() + " failed");
        }
    }

    boolean isAlive()
    {
        return process.isAlive();
    }

    @Override
    public void close()
    {
        if (process.isAlive())
        {
            try
            {
                send("exit");
            }
            catch (final IOException ignore)
            {
                // it is going anyway
            }
            try
            {
                if (!process.waitFor(10, TimeUnit.SECONDS))
                {
                    kill();
                }
            }
            catch (final InterruptedException ex)
            {
                process.destroyForcibly();
                Thread.currentThread().interrupt();
            }
        }
    }
}

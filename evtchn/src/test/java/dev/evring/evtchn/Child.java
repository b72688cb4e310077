package dev.evring.evtchn;

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
 * A child JVM (built by {@link ChildJvm}) driven line by line over its stdin and stdout.
 */
final class Child implements AutoCloseable
{
    private static final String END = "\u0000end";

    final Process process;
    private final BlockingQueue<String> lines = new LinkedBlockingQueue<>();
    private final Writer in;

    private Child(final Process process)
    {
        this.process = process;
        this.in = new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8);
        final Thread pump = new Thread(() ->
        {
            try (BufferedReader out = new BufferedReader(
                new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8)))
            {
                String line;
                while ((line = out.readLine()) != null)
                {
                    lines.add(line);
                }
            }
            catch (final IOException ignore)
            {
                // the child is gone
            }
            lines.add(END);
        }, "child-stdout-" + process.pid());
        pump.setDaemon(true);
        pump.start();
    }

    static Child start(final Class<?> mainClass, final String... args) throws IOException
    {
        return new Child(ChildJvm.processBuilder(mainClass, args).start());
    }

    static Child start(final ProcessBuilder builder) throws IOException
    {
        return new Child(builder.redirectError(ProcessBuilder.Redirect.INHERIT).start());
    }

    /**
     * The next line starting with a prefix (earlier lines are skipped).
     *
     * @return the rest of the line after the prefix.
     * @throws IOException if the child ends or the timeout passes first.
     */
    String expect(final String prefix, final long timeoutMs) throws IOException, InterruptedException
    {
        final long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
        while (true)
        {
            final String line = lines.poll(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            if (line == null)
            {
                throw new IOException("child " + process.pid() + " printed no '" + prefix + "' within " + timeoutMs + " ms");
            }
            if (line.equals(END))
            {
                lines.add(END);
                throw new IOException("child " + process.pid() + " ended before printing '" + prefix + "'");
            }
            if (line.startsWith(prefix))
            {
                return line.substring(prefix.length()).trim();
            }
        }
    }

    void send(final String line) throws IOException
    {
        in.write(line);
        in.write('\n');
        in.flush();
    }

    void kill() throws InterruptedException
    {
        process.destroyForcibly();
        process.waitFor(30, TimeUnit.SECONDS);
    }

    @Override
    public void close() throws InterruptedException
    {
        if (process.isAlive())
        {
            kill();
        }
    }
}

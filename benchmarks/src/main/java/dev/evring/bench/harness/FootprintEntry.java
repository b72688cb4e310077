package dev.evring.bench.harness;

import dev.evring.ring.PortRing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * How much memory a ring file really holds after a run: its apparent length against the blocks the file
 * system allocated ({@code stat -c '%b %B'}, st_blocks times the block size). A PortRing reserves room for
 * its maximum capacity as a sparse file, so on tmpfs only the pages its traffic touched are allocated.
 *
 * @param mechanism      the mechanism whose run used the file.
 * @param file           the file's name.
 * @param capacity       the ring's capacity after the run.
 * @param maxCapacity    the capacity reserved at creation.
 * @param apparentBytes  the file's length.
 * @param allocatedBytes bytes allocated, or null if {@code stat} could not tell.
 */
public record FootprintEntry(
    String mechanism, String file, int capacity, int maxCapacity, long apparentBytes, Long allocatedBytes)
{
    /**
     * Measure a ring file.
     *
     * @param mechanism the mechanism whose run used it.
     * @param file      the ring file.
     * @return the entry.
     * @throws IOException if the file is not a readable ring.
     */
    public static FootprintEntry measure(final String mechanism, final Path file) throws IOException
    {
        final int capacity;
        final int maxCapacity;
        try (PortRing ring = PortRing.open(file))
        {
            capacity = ring.capacity();
            maxCapacity = ring.maxCapacity();
        }
        return new FootprintEntry(mechanism, file.getFileName().toString(), capacity, maxCapacity, Files.size(file),
            allocatedBytes(file));
    }

    /**
     * Bytes allocated to a file according to {@code stat -c '%b %B'}.
     *
     * @param file the file.
     * @return st_blocks times the block size, or null without a working {@code stat}.
     */
    static Long allocatedBytes(final Path file)
    {
        try
        {
            final Process stat = new ProcessBuilder("stat", "-c", "%b %B", file.toString())
                .redirectErrorStream(true)
                .start();
            final String out = new String(stat.getInputStream().readAllBytes(), StandardCharsets.US_ASCII).strip();
            if (!stat.waitFor(10, TimeUnit.SECONDS) || stat.exitValue() != 0)
            {
                stat.destroyForcibly();
                return null;
            }
            final String[] fields = out.split("\\s+");
            return Long.parseLong(fields[0]) * Long.parseLong(fields[1]);
        }
        catch (final IOException | NumberFormatException | ArrayIndexOutOfBoundsException ex)
        {
            return null;
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            return null;
        }
    }
}

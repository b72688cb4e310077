package dev.evring.lguest;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * Guest programs the tests run, and the guest-memory layout they share with the tests. Parameters go into
 * guest memory before the first run; results come back the same way.
 */
final class Guests
{
    /** Guest JVM flags that make the many short-lived test guests start fast. */
    static final List<String> FAST_GUEST_JVM = List.of(
        "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-Xmx64m", "-Dslf4j.internal.verbosity=ERROR");
    /** Pages of guest memory most tests use. */
    static final long PAGES = 16;

    /** Parameter: how many times to loop. */
    static final long COUNT = 0x0;
    /** Parameter: a first address. */
    static final long ADDRESS = 0x8;
    /** Parameter: a second address. */
    static final long OTHER_ADDRESS = 0x10;
    /** Result: how far the guest got. */
    static final long PROGRESS = 0x40;
    /** Results: one 8-byte counter per interrupt or per address, from here. */
    static final long COUNTERS = 0x100;
    /** Notify address the guests use to say "ready" or "checkpoint". */
    static final long READY = 0xF00D;
    /** Notify address the guests use to say "done". */
    static final long DONE = 0xD0E;

    private Guests()
    {
    }

    static Lguest start(final Path dir, final Class<? extends GuestProgram> program, final int cpus)
        throws IOException
    {
        return start(dir.resolve("guest.mem"), PAGES, program, cpus);
    }

    static Lguest start(
        final Path memoryFile, final long pages, final Class<? extends GuestProgram> program, final int cpus)
        throws IOException
    {
        final Lguest lguest = Lguest.open(FAST_GUEST_JVM);
        try
        {
            lguest.initialize(memoryFile, 0, pages, program.getName(), cpus);
        }
        catch (final IOException | RuntimeException ex)
        {
            lguest.close();
            throw ex;
        }
        return lguest;
    }

    /** Notifies ADDRESS, COUNT times, recording each before it notifies, then OTHER_ADDRESS, then returns. */
    public static final class NotifyLoop implements GuestProgram
    {
        @Override
        public void run(final GuestContext context)
        {
            final GuestMemory memory = context.memory();
            final long count = memory.getLong(COUNT);
            final long address = memory.getLong(ADDRESS);
            for (long i = 1; i <= count; i++)
            {
                memory.putLongVolatile(PROGRESS, i);
                context.notify(address);
            }
            context.notify(memory.getLong(OTHER_ADDRESS));
        }
    }

    /** Crashes with the reason "guest says goodbye". */
    public static final class Crash implements GuestProgram
    {
        @Override
        public void run(final GuestContext context)
        {
            context.crash("guest says goodbye");
        }
    }

    /** Spins forever, touching memory. */
    public static final class Spin implements GuestProgram
    {
        @Override
        public void run(final GuestContext context)
        {
            final GuestMemory memory = context.memory();
            for (long i = 0; ; i++)
            {
                memory.putLongVolatile(PROGRESS, i);
                Thread.onSpinWait();
            }
        }
    }
}

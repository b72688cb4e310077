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
    /** Writes the page number at the start of every page, upward from 0, until it walks off the end. */
    public static final class WalkOff implements GuestProgram
    {
        @Override
        public void run(final GuestContext context)
        {
            final GuestMemory memory = context.memory();
            for (long page = 0; ; page++)
            {
                memory.putLong(page * GuestMemory.PAGE_SIZE, page);
                memory.putLongVolatile(PROGRESS, page);
            }
        }
    }

    /** Reads COUNT bytes at TEXT, writes them reversed at REVERSED, notifies DONE. */
    public static final class Reverse implements GuestProgram
    {
        static final long TEXT = 0x200;
        static final long REVERSED = 0x800;

        @Override
        public void run(final GuestContext context)
        {
            final GuestMemory memory = context.memory();
            final int length = (int)memory.getLong(COUNT);
            final byte[] text = new byte[length];
            memory.getBytes(TEXT, text, 0, length);
            for (int i = 0; i < length; i++)
            {
                memory.putByte(REVERSED + i, text[length - 1 - i]);
            }
            context.notify(DONE);
        }
    }

    /** Adds one to the longs at the first and the last 8 bytes of memory, writing them next to them. */
    public static final class Ends implements GuestProgram
    {
        @Override
        public void run(final GuestContext context)
        {
            final GuestMemory memory = context.memory();
            final long last = memory.size() - Long.BYTES;
            memory.putLong(Long.BYTES, memory.getLong(0) + 1);
            memory.putLong(last - Long.BYTES, memory.getLong(last) + 1);
            context.notify(DONE);
        }
    }

    /** Handles irqs 3 and 7 by counting them, notifies READY, halts, records what halt took, notifies DONE. */
    public static final class Halt implements GuestProgram
    {
        @Override
        public void run(final GuestContext context)
        {
            final GuestMemory memory = context.memory();
            final InterruptHandler count = irq -> memory.getAndAddLong(COUNTERS + 8L * irq, 1);
            context.onInterrupt(3, count);
            context.onInterrupt(7, count);
            context.notify(READY);
            memory.putLongVolatile(PROGRESS, context.halt());
            context.notify(DONE);
        }
    }

    /**
     * Counts every interrupt it takes per irq (irq 31 has no handler until COUNT checkpoints passed), and
     * checks for interrupts after each READY checkpoint, COUNT times; then handles irq 31, halts, notifies DONE.
     */
    public static final class IrqCount implements GuestProgram
    {
        @Override
        public void run(final GuestContext context)
        {
            final GuestMemory memory = context.memory();
            final InterruptHandler count = irq -> memory.getAndAddLong(COUNTERS + 8L * irq, 1);
            for (int irq = 0; irq < 31; irq++)
            {
                context.onInterrupt(irq, count);
            }
            final long checkpoints = memory.getLong(COUNT);
            for (long i = 0; i < checkpoints; i++)
            {
                context.notify(READY);
                memory.putLong(PROGRESS, memory.getLong(PROGRESS) + context.checkInterrupts());
            }
            context.onInterrupt(31, count);
            context.halt();
            context.notify(DONE);
        }
    }

    /** Throws an exception out of run. */
    public static final class Throwing implements GuestProgram
    {
        @Override
        public void run(final GuestContext context)
        {
            throw new IllegalStateException("bad state 42");
        }
    }

    /** Calls System.exit(3). */
    public static final class Exit implements GuestProgram
    {
        @Override
        public void run(final GuestContext context)
        {
            System.exit(3);
        }
    }

    /**
     * Two vCPUs. vCPU 1 waits, spinning, for vCPU 0 to set a flag in memory, then notifies 0x1000 + i for
     * i = 1..COUNT; vCPU 0 sets the flag, then notifies 0x2000 + i for i = 1..COUNT. Each vCPU counts the irq
     * numbered (its cpu + 1) into COUNTERS + 8 * cpu at every checkpoint.
     */
    public static final class TwoCpus implements GuestProgram
    {
        static final long FLAG = 0x80;

        @Override
        public void run(final GuestContext context)
        {
            final GuestMemory memory = context.memory();
            final int cpu = context.cpu();
            final long counter = COUNTERS + 8L * cpu;
            context.onInterrupt(cpu + 1, irq -> memory.putLong(counter, memory.getLong(counter) + 1));
            if (cpu == 1)
            {
                while (memory.getLongVolatile(FLAG) == 0)
                {
                    Thread.onSpinWait();
                }
            }
            else
            {
                memory.putLongVolatile(FLAG, 1);
            }
            final long base = cpu == 0 ? 0x2000 : 0x1000;
            final long count = memory.getLong(COUNT);
            for (long i = 1; i <= count; i++)
            {
                context.notify(base + i);
                context.checkInterrupts();
            }
        }
    }

    /**
     * A storm of notifies: COUNT rounds over ADDRESS-many addresses read from STORM_TABLE; before each notify
     * the guest counts it at COUNTERS + 8 * index; notifies DONE at the end.
     */
    public static final class NotifyStorm implements GuestProgram
    {
        static final long STORM_TABLE = 0x800;

        @Override
        public void run(final GuestContext context)
        {
            final GuestMemory memory = context.memory();
            final long rounds = memory.getLong(COUNT);
            final int addresses = (int)memory.getLong(ADDRESS);
            for (long round = 0; round < rounds; round++)
            {
                for (int i = 0; i < addresses; i++)
                {
                    memory.putLong(COUNTERS + 8L * i, memory.getLong(COUNTERS + 8L * i) + 1);
                    context.notify(memory.getLong(STORM_TABLE + 8L * i));
                }
            }
            context.notify(DONE);
        }
    }

    /** COUNT times: notifies ADDRESS (a kick), then READY; then returns. */
    public static final class KickThenReady implements GuestProgram
    {
        @Override
        public void run(final GuestContext context)
        {
            final GuestMemory memory = context.memory();
            final long count = memory.getLong(COUNT);
            final long kick = memory.getLong(ADDRESS);
            for (long i = 0; i < count; i++)
            {
                context.notify(kick);
                context.notify(READY);
            }
        }
    }

    /** Halts until it has taken COUNT interrupts of irq 1 (counted at COUNTERS + 8), then notifies DONE. */
    public static final class HaltLoop implements GuestProgram
    {
        @Override
        public void run(final GuestContext context)
        {
            final GuestMemory memory = context.memory();
            final long count = memory.getLong(COUNT);
            context.onInterrupt(1, irq -> memory.getAndAddLong(COUNTERS + 8, 1));
            long halts = 0;
            while (memory.getLongVolatile(COUNTERS + 8) < count)
            {
                context.halt();
                halts++;
            }
            memory.putLongVolatile(PROGRESS, halts);
            context.notify(DONE);
        }
    }
}

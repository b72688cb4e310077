package dev.evring.cli.lguest;

import dev.evring.lguest.GuestContext;
import dev.evring.lguest.GuestMemory;
import dev.evring.lguest.GuestProgram;

import java.nio.charset.StandardCharsets;

/**
 * The guest half of the console example: writes {@code lines} lines of text into the {@link ConsoleRing}
 * and kicks the device with a notify of {@link #KICK} after each line. When the ring is full it kicks and,
 * if the device did not drain it during the kick (the eventfd case, where the kick does not stop the vCPU),
 * halts until the device raises {@link #DRAINED_IRQ}.
 */
public final class ConsoleGuest implements GuestProgram
{
    /** Guest-physical address of the line count the launcher writes before the first run. */
    public static final long LINES = 0x0;
    /** Guest-physical address of the ring. */
    public static final long RING = 0x1000;
    /** The ring's text capacity. */
    public static final int CAPACITY = 256;
    /** The notify address that kicks the console device. */
    public static final long KICK = 0xC0DE;
    /** The interrupt the device raises when it drained the ring. */
    public static final int DRAINED_IRQ = 4;

    /**
     * {@inheritDoc}
     */
    @Override
    public void run(final GuestContext context)
    {
        if (context.cpu() != 0)
        {
            return;
        }
        final GuestMemory memory = context.memory();
        final ConsoleRing ring = new ConsoleRing(memory, RING, CAPACITY);
        context.onInterrupt(DRAINED_IRQ, irq -> { });
        final long lines = memory.getLong(LINES);
        for (long line = 1; line <= lines; line++)
        {
            final byte[] text = ("hello from the guest, line " + line + " of " + lines + "\n")
                .getBytes(StandardCharsets.UTF_8);
            int written = 0;
            while (written < text.length)
            {
                written += ring.offer(text, written, text.length - written);
                if (written < text.length)
                {
                    context.notify(KICK); // without an eventfd the device drains before it resumes this vCPU
                    while (ring.isFull())
                    {
                        context.halt(); // with one it drains later and raises DRAINED_IRQ
                    }
                }
            }
            context.notify(KICK);
        }
    }
}

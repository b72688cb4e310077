package dev.evring.ring;

import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * A child main for {@link PortRingTruncationTest}: maps a ring, truncates its file to the first page
 * under it (as a hostile or careless process could), and keeps offering into the pages that are gone.
 * Prints {@code error <exception>} for what the ring (or, in compiled code, the JVM) raised, {@code offered N}, then
 * {@code checkFile <exception>} for what {@link PortRing#checkFile()} reports, then {@code alive}.
 */
public final class TruncatedRingProcess
{
    private TruncatedRingProcess()
    {
    }

    /**
     * Run the probe.
     *
     * @param args the ring file to create.
     * @throws Exception on an unexpected error.
     */
    public static void main(final String[] args) throws Exception
    {
        final Path file = Path.of(args[0]);
        final PortRing ring = PortRing.create(file, 1 << 12, 1 << 20, ReaderWaiting.SPIN);
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.WRITE))
        {
            channel.truncate(4096); // the header survives; entries from slot 832 on are gone
        }
        int offered = 0;
        try
        {
            while (offered < 4096 && ring.offer(offered))
            {
                offered++;
            }
            System.out.println("error none");
        }
        catch (final RingException | InternalError ex) // InternalError: HotSpot's late report, outside the ring
        {
            System.out.println("error " + ex);
        }
        System.out.println("offered " + offered);
        try
        {
            ring.checkFile();
            System.out.println("checkFile none");
        }
        catch (final RingFormatException ex)
        {
            System.out.println("checkFile " + ex);
        }
        System.out.println("alive");
    }
}

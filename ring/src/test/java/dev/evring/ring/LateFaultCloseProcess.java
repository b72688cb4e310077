package dev.evring.ring;

import org.agrona.concurrent.UnsafeBuffer;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * A child JVM for {@link SharedMappedFileTest}: it maps, reads and closes a file until the whole sequence
 * runs compiled with every call resolved, then does it {@value #CUTS} times with the file cut before the
 * read, while another thread maps and unmaps beside it. HotSpot only notes each fault, to report it at the
 * thread's next call into the VM, which may be anywhere on the way through the close. Prints {@code CLOSED}
 * and exits 0 if every close returned; the JVM exits 1 if a report surfaced inside the JDK's unmapper, whose
 * cleaner ends the process on any error.
 */
public final class LateFaultCloseProcess
{
    private static final int PAGE = 4096;
    private static final int WARM_UP = 3000;
    private static final int CUTS = 300;

    private LateFaultCloseProcess()
    {
    }

    /**
     * Run once.
     *
     * @param args the file to use.
     * @throws Exception on a failure of the file's creation or cut.
     */
    public static void main(final String[] args) throws Exception
    {
        final Path file = Path.of(args[0]);
        final Thread neighbour = new Thread(() -> mapAndUnmap(file.resolveSibling(file.getFileName() + ".neighbour")));
        neighbour.setDaemon(true); // maps and unmaps beside the close, as other threads of a hub do
        neighbour.start();
        long sum = 0;
        for (int i = 0; i < WARM_UP; i++)
        {
            sum += cycle(file, false);
        }
        int early = 0;
        for (int i = 0; i < CUTS; i++)
        {
            try
            {
                sum += cycle(file, true);
            }
            catch (final InternalError reported)
            {
                early++; // reported before the unmap, or by the close after it: either way the close ran
            }
        }
        System.out.println("CLOSED " + CUTS + " cut files, " + early + " faults reported to the caller " + (sum & 1));
    }

    private static void mapAndUnmap(final Path file)
    {
        try
        {
            while (true)
            {
                SharedMappedFile.create(file, PAGE, PAGE).close();
                Files.delete(file);
            }
        }
        catch (final IOException ex)
        {
            throw new IllegalStateException(ex);
        }
    }

    private static long cycle(final Path file, final boolean cut) throws IOException
    {
        Files.deleteIfExists(file); // left by a close that reported a fault before the delete
        final SharedMappedFile shared = SharedMappedFile.create(file, 2 * PAGE, 2 * PAGE);
        final UnsafeBuffer mapping = new UnsafeBuffer(shared.mapping());
        long sum = 0;
        try
        {
            if (cut)
            {
                try (FileChannel channel = FileChannel.open(file, StandardOpenOption.WRITE))
                {
                    channel.truncate(0);
                }
            }
            sum = mapping.getLong(PAGE); // on the cut page, in compiled code: a fault noted for later
        }
        finally
        {
            shared.close();
            Files.delete(file);
        }
        return sum;
    }
}

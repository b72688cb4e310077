package dev.evring.ring;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

/**
 * A child main for {@link PortRingFuzzTest}: makes corrupted ring files and uses them. Each case creates a
 * small ring, offers some ports, then damages it one of three ways: random words written into the file
 * before it is opened; control words (size, prod, cons, overflow, locks) written while two instances map
 * it; or the file truncated while they map it. Then every operation runs on both instances. Each outcome
 * is counted by what it was: a normal result, a documented exception ({@link RingException} by errno,
 * {@link RingFormatException}, the refusals and argument errors the Javadoc names, and HotSpot's late
 * {@link InternalError} for a fault, inside or after a ring call: the documented limit), or anything else,
 * which is printed. Prints
 * {@code cases <n>}, one {@code outcome <name> <count>} line per outcome, {@code undocumented <n>},
 * {@code slowest-case-ms <ms>}, then {@code alive}.
 *
 * <p>After a truncation inside the first page (the header), only the cold paths run: the hot paths'
 * atomics on a cut header page are the documented limit of the class comment of {@link PortRing}.
 */
public final class RingFuzzProcess
{
    private static final int PAGE = 4096;
    private static final int[] CONTROL_OFFSETS = {
        PortRingDescriptor.SIZE_OFFSET, PortRingDescriptor.PROD_OFFSET, PortRingDescriptor.PROD_OFFSET + 4,
        PortRingDescriptor.CONS_OFFSET, PortRingDescriptor.CONS_OFFSET + 4, PortRingDescriptor.OVERFLOW_OFFSET,
        PortRingDescriptor.PRODUCER_LOCK_OFFSET, PortRingDescriptor.PRODUCER_OWNER_OFFSET,
        PortRingDescriptor.EXCLUSIVE_PRODUCER_OFFSET, PortRingDescriptor.SLEEPERS_OFFSET,
        PortRingDescriptor.MAX_CAPACITY_OFFSET, PortRingDescriptor.MAGIC_OFFSET, PortRingDescriptor.VERSION_OFFSET};

    private final Random random;
    private final Map<String, Integer> outcomes = new TreeMap<>();
    private int undocumented;

    private RingFuzzProcess(final long seed)
    {
        random = new Random(seed);
    }

    /**
     * Run the fuzz.
     *
     * @param args the directory for the ring files, the number of cases, the seed.
     * @throws Exception on an unexpected error outside a case.
     */
    public static void main(final String[] args) throws Exception
    {
        final Path dir = Path.of(args[0]);
        final int cases = Integer.parseInt(args[1]);
        final RingFuzzProcess fuzz = new RingFuzzProcess(Long.parseLong(args[2]));
        long slowestNs = 0;
        for (int i = 0; i < cases; i++)
        {
            final long start = System.nanoTime();
            int lateFaults = 0;
            try
            {
                fuzz.runCase(dir.resolve("case-" + i));
            }
            catch (final InternalError late) // a fault HotSpot reported after the ring call had returned
            {
                lateFaults++;
            }
            fuzz.countLateFaults(lateFaults);
            slowestNs = Math.max(slowestNs, System.nanoTime() - start);
        }
        System.out.println("cases " + cases);
        fuzz.outcomes.forEach((name, count) -> System.out.println("outcome " + name + " " + count));
        System.out.println("undocumented " + fuzz.undocumented);
        System.out.println("slowest-case-ms " + TimeUnit.NANOSECONDS.toMillis(slowestNs));
        System.out.println("alive");
    }

    /**
     * Count the late fault reports of one case. HotSpot raises such a report at any later call into the VM,
     * so a second one may arrive while the first is counted: each is counted, none escapes.
     */
    private void countLateFaults(final int reported)
    {
        int pending = reported;
        while (pending > 0)
        {
            try
            {
                count("late InternalError outside the ring");
                pending--;
            }
            catch (final InternalError another)
            {
                pending++;
            }
        }
    }

    private void runCase(final Path file) throws IOException
    {
        final int max = 1 << random.nextInt(13);
        final int initial = 1 << random.nextInt(Integer.numberOfTrailingZeros(max) + 1);
        final ReaderWaiting waiting = random.nextBoolean() ? ReaderWaiting.SPIN : ReaderWaiting.DOORBELL;
        PortRing first = PortRing.create(file, initial, max, waiting);
        PortRing second = null;
        try
        {
            fill(first);
            final long length = Files.size(file);
            boolean headerCut = false;
            switch (random.nextInt(3))
            {
                case 0 ->
                {
                    first.close();
                    first = null;
                    for (int words = 1 + random.nextInt(4); words > 0; words--)
                    {
                        poke(file, randomOffset(length), randomValue(max));
                    }
                    first = open(file);
                    second = first == null ? null : open(file);
                }
                case 1 ->
                {
                    second = PortRing.open(file);
                    if (random.nextBoolean())
                    {
                        first.claimExclusiveProducer();
                    }
                    for (int words = 1 + random.nextInt(3); words > 0; words--)
                    {
                        poke(file, CONTROL_OFFSETS[random.nextInt(CONTROL_OFFSETS.length)], randomValue(max));
                    }
                }
                default ->
                {
                    second = PortRing.open(file);
                    if (random.nextBoolean())
                    {
                        first.claimExclusiveProducer();
                    }
                    final long cut = randomCut(length);
                    headerCut = cut < PAGE;
                    try (FileChannel channel = FileChannel.open(file, StandardOpenOption.WRITE))
                    {
                        channel.truncate(cut);
                    }
                }
            }
            for (final PortRing ring : new PortRing[] {first, second})
            {
                if (ring != null)
                {
                    ring.producerLockTimeout(5, TimeUnit.MILLISECONDS);
                    exercise(ring, headerCut);
                }
            }
        }
        finally
        {
            closeQuietly(first);
            closeQuietly(second);
            surfacePendingFault();
            Files.deleteIfExists(file);
        }
    }

    private void fill(final PortRing ring)
    {
        for (int n = random.nextInt(ring.capacity() + 1); n > 0; n--)
        {
            ring.offer(random.nextInt());
        }
    }

    private PortRing open(final Path file)
    {
        try
        {
            final PortRing ring = PortRing.open(file);
            count("open ok");
            return ring;
        }
        catch (final Throwable ex)
        {
            classify("open", ex);
            return null;
        }
    }

    private void exercise(final PortRing ring, final boolean headerCut)
    {
        final int[] dst = new int[1 + random.nextInt(64)];
        act("resize", () -> ring.resize(Math.min(ring.maxCapacity(), Math.max(1, ring.capacity()) << 1)));
        call("reset", ring::reset);
        call("replaceUnread", () -> ring.replaceUnread(random.nextInt(), 0));
        call("hasUnreadOtherThan", () -> ring.hasUnreadOtherThan(0));
        act("claimExclusiveProducer", ring::claimExclusiveProducer);
        act("releaseExclusiveProducer", ring::releaseExclusiveProducer);
        call("checkFile", () ->
        {
            ring.checkFile();
            return null;
        });
        if (headerCut)
        {
            return; // the hot paths' atomics on a cut header page: the documented limit
        }
        for (int i = 0; i < 8; i++)
        {
            call("offer", () -> ring.offer(random.nextInt()));
            call("tryOffer", () -> ring.tryOffer(random.nextInt()));
            call("offerConcurrent", () -> ring.offerConcurrent(random.nextInt()));
            call("read", () -> ring.read(dst, 0, dst.length));
            call("readOne", ring::readOne);
            call("state", () -> ring.pollMask() + ring.size() + ring.capacity() + ring.sleepers() + ring.consumerIndex());
        }
        act("resize", () -> ring.resize(ring.maxCapacity()));
    }

    private interface Call
    {
        Object run() throws Exception;
    }

    private void call(final String op, final Call call)
    {
        try
        {
            call.run();
            count(op + " ok");
        }
        catch (final Throwable ex)
        {
            classify(op, ex);
        }
    }

    private void act(final String op, final Runnable call)
    {
        call(op, () ->
        {
            call.run();
            return null;
        });
    }

    private void classify(final String op, final Throwable ex)
    {
        if (ex instanceof RingException ring)
        {
            count(op + " " + (ring instanceof RingOverflowException ? "RingOverflowException " : "RingException ")
                + ring.errno());
        }
        else if (ex instanceof RingFormatException format)
        {
            count(op + " RingFormatException " + format.errno());
        }
        else if (ex instanceof InternalError)
        {
            count(op + " InternalError (late fault report)");
        }
        else if (ex instanceof IllegalArgumentException && op.equals("resize"))
        {
            count(op + " IllegalArgumentException");
        }
        else if (ex instanceof IllegalStateException && String.valueOf(ex.getMessage()).contains("exclusive producer"))
        {
            count(op + " refused (exclusive producer)");
        }
        else
        {
            undocumented++;
            count(op + " UNDOCUMENTED " + ex.getClass().getName());
            if (undocumented <= 20)
            {
                ex.printStackTrace(System.out);
            }
        }
    }

    private void count(final String outcome)
    {
        outcomes.merge(outcome.replace(' ', '_'), 1, Integer::sum);
    }

    private long randomOffset(final long length)
    {
        return random.nextBoolean()
            ? CONTROL_OFFSETS[random.nextInt(CONTROL_OFFSETS.length)]
            : (random.nextLong() & Long.MAX_VALUE) % (length - Integer.BYTES + 1) & ~3L;
    }

    private int randomValue(final int max)
    {
        return switch (random.nextInt(10))
        {
            case 0 -> 0;
            case 1 -> Integer.MIN_VALUE;
            case 2 -> -1;
            case 3 -> max << 1;
            case 4 -> max + 1 + random.nextInt(max + 1) | 3; // not a power of two
            case 5 -> 1; // pid 1 in a lock word: alive forever
            case 6 -> (int)ProcessHandle.current().pid();
            case 7 -> 1 << random.nextInt(31);
            default -> random.nextInt();
        };
    }

    private long randomCut(final long length)
    {
        return switch (random.nextInt(6))
        {
            case 0 -> 0;
            case 1 -> random.nextInt(PortRingDescriptor.ENTRIES_OFFSET);
            case 2 -> random.nextInt(PAGE);
            case 3 -> PAGE;
            case 4 -> length - 1;
            default -> (random.nextLong() & Long.MAX_VALUE) % length;
        };
    }

    private static void poke(final Path file, final long offset, final int value) throws IOException
    {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.WRITE))
        {
            channel.write(ByteBuffer.allocate(Integer.BYTES).order(ByteOrder.LITTLE_ENDIAN).putInt(0, value), offset);
        }
    }

    private void closeQuietly(final PortRing ring)
    {
        if (ring != null)
        {
            act("close", ring::close);
        }
    }

    /**
     * HotSpot reports a fault at the thread's next call into the VM: an allocation too large for the
     * thread's buffer makes one, so a fault a case left pending is counted in that case.
     */
    private void surfacePendingFault()
    {
        call("surfacePendingFault", () -> new byte[1 << 22].length);
    }
}

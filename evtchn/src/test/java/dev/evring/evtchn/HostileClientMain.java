package dev.evring.evtchn;

import dev.evring.ring.PortRing;
import dev.evring.ring.PortRingDescriptor;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Random;

/**
 * A client child JVM that breaks its own files, the way a hostile or buggy client of the same user could
 * (SEMANTICS H1–H3), through the raw protocol ({@link RawClient}). Arguments: the hub directory and an
 * attack; it prints {@code HANDLE <id>}, then {@code ATTACKED <what the hub answered>}:
 * <ul>
 *   <li>{@code truncate-events-exit}: bind a port, cut {@code h<id>.events} to 0 bytes, exit;</li>
 *   <li>{@code truncate-events-unbind} / {@code truncate-events-reset}: leave a port masked in the ring,
 *   cut the ring, then ask for an unbind (which scrubs the ring) or a reset;</li>
 *   <li>{@code truncate-requests}: cut {@code h<id>.requests} to 0 bytes and stay connected;</li>
 *   <li>{@code zero-size-grow-exit}: write size 0 into the event ring, then bind past its capacity (the
 *   ring must grow), and exit;</li>
 *   <li>{@code lock-pid1-reset}: write pid 1 (alive) into the ring's producer lock, then ask for a reset;</li>
 *   <li>{@code fuzz <seed> <rounds>}: per round a new connection that corrupts a random header word of
 *   either ring, truncates one to a random length, or sends random frames, then makes a request.</li>
 * </ul>
 * After an attack that stays connected it prints {@code CUT} once the hub ends the connection (or
 * {@code KEPT} if it is still open 30 s later).
 */
public final class HostileClientMain
{
    private static final long REPLY_TIMEOUT_MS = 30_000;
    private static final int PAGE = 4096;

    private HostileClientMain()
    {
    }

    /**
     * Run one attack.
     *
     * @param args the hub directory, the attack, and for {@code fuzz} a seed and a round count.
     * @throws Exception on a failure of the attacker itself.
     */
    public static void main(final String[] args) throws Exception
    {
        final Path dir = Path.of(args[0]);
        final String attack = args[1];
        if (attack.equals("fuzz"))
        {
            fuzz(dir, new Random(Long.parseLong(args[2])), Integer.parseInt(args[3]));
            return;
        }
        final RawClient raw = new RawClient(dir, ProcessHandle.current().pid());
        System.out.println("HANDLE " + raw.handleId);
        final Path events = dir.resolve(HubHandle.eventsFileName(raw.handleId));
        final Path requests = dir.resolve(HubHandle.requestsFileName(raw.handleId));
        final int port = reply(raw, Protocol.OP_BIND_UNBOUND_PORT, EvtchnHub.DOMID_SELF);
        switch (attack)
        {
            case "truncate-events-exit":
                truncate(events, 0);
                System.out.println("ATTACKED exit");
                return;
            case "truncate-events-unbind":
                final int masked = reply(raw, Protocol.OP_BIND_INTERDOMAIN, EvtchnHub.DOMID_SELF, port);
                truncate(events, 0);
                System.out.println("ATTACKED " + reply(raw, Protocol.OP_UNBIND, masked));
                break;
            case "truncate-events-reset":
                truncate(events, 0);
                System.out.println("ATTACKED " + reply(raw, Protocol.OP_RESET));
                break;
            case "truncate-requests":
                truncate(requests, 0);
                System.out.println("ATTACKED truncated");
                break;
            case "zero-size-grow-exit":
                putInt(events, PortRingDescriptor.SIZE_OFFSET, 0);
                int last = 0;
                for (int i = 0; i < 2 * PortRing.DEFAULT_INITIAL_CAPACITY && last >= 0; i++)
                {
                    last = reply(raw, Protocol.OP_BIND_UNBOUND_PORT, 0);
                }
                System.out.println("ATTACKED " + last);
                return;
            case "lock-pid1-reset":
                putLong(events, PortRingDescriptor.PRODUCER_LOCK_OFFSET, 1);
                System.out.println("ATTACKED " + reply(raw, Protocol.OP_RESET));
                break;
            default:
                throw new IllegalArgumentException("unknown attack " + attack);
        }
        System.out.println(awaitEnd(raw) ? "CUT" : "KEPT");
    }

    /**
     * Send a request and wait for its answer.
     *
     * @return the reply's value, minus its errno if it failed, or {@link Integer#MIN_VALUE} if the hub
     *         ended the connection (or sent a fault) instead.
     */
    private static int reply(final RawClient raw, final int op, final int... arguments) throws IOException
    {
        raw.request(op, 7, arguments);
        final ByteBuffer frame = raw.readReply(REPLY_TIMEOUT_MS);
        if (frame == null || frame.getInt(0) != Protocol.TYPE_REPLY)
        {
            return Integer.MIN_VALUE;
        }
        return frame.getInt(4) != 0 ? -frame.getInt(4) : frame.getInt(16);
    }

    /**
     * Whether the hub ends this connection within the reply timeout.
     */
    private static boolean awaitEnd(final RawClient raw) throws IOException
    {
        final long deadline = System.currentTimeMillis() + REPLY_TIMEOUT_MS;
        while (System.currentTimeMillis() < deadline)
        {
            if (raw.readFrame(deadline - System.currentTimeMillis()) == null)
            {
                return System.currentTimeMillis() < deadline;
            }
        }
        return false;
    }

    private static void truncate(final Path file, final long length) throws IOException
    {
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw"))
        {
            raf.setLength(length);
        }
    }

    private static void putInt(final Path file, final int offset, final int value) throws IOException
    {
        write(file, offset, ByteBuffer.allocate(Integer.BYTES).order(ByteOrder.nativeOrder()).putInt(0, value));
    }

    private static void putLong(final Path file, final int offset, final long value) throws IOException
    {
        write(file, offset, ByteBuffer.allocate(Long.BYTES).order(ByteOrder.nativeOrder()).putLong(0, value));
    }

    private static void write(final Path file, final int offset, final ByteBuffer bytes) throws IOException
    {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.WRITE))
        {
            channel.write(bytes, offset);
        }
    }

    /**
     * Rounds of random damage, each on a connection of its own: the hub must answer or cut off only this
     * client, every time. Prints {@code ROUND <n> <reply>} per round and {@code FUZZED} at the end.
     */
    private static void fuzz(final Path dir, final Random random, final int rounds) throws Exception
    {
        for (int round = 0; round < rounds; round++)
        {
            try (RawClient raw = new RawClient(dir, ProcessHandle.current().pid()))
            {
                final int port = reply(raw, Protocol.OP_BIND_UNBOUND_PORT, EvtchnHub.DOMID_SELF);
                reply(raw, Protocol.OP_BIND_INTERDOMAIN, EvtchnHub.DOMID_SELF, port); // a port left in the ring
                final Path file = dir.resolve(random.nextBoolean()
                    ? HubHandle.eventsFileName(raw.handleId) : HubHandle.requestsFileName(raw.handleId));
                damage(random, raw, file);
                final int[] ops = {Protocol.OP_BIND_UNBOUND_PORT, Protocol.OP_UNBIND, Protocol.OP_RESET};
                final int op = ops[random.nextInt(ops.length)];
                System.out.println("ROUND " + round + " " + reply(raw, op, op == Protocol.OP_UNBIND ? port : 0));
            }
            catch (final IOException ex)
            {
                System.out.println("ROUND " + round + " cut: " + ex.getMessage());
            }
        }
        System.out.println("FUZZED");
    }

    private static void damage(final Random random, final RawClient raw, final Path file) throws IOException
    {
        switch (random.nextInt(4))
        {
            case 0: // any header word: indices, size, overflow, lock, owner, exclusive producer, sleepers
                putInt(file, 4 * random.nextInt(PortRingDescriptor.ENTRIES_OFFSET / 4), random.nextInt());
                break;
            case 1: // a chosen control word, set to a value a careless reader would trust
                final int[] offsets = {PortRingDescriptor.SIZE_OFFSET, PortRingDescriptor.PROD_OFFSET,
                    PortRingDescriptor.CONS_OFFSET, PortRingDescriptor.OVERFLOW_OFFSET};
                final int[] values = {0, -1, Integer.MIN_VALUE, 1 << 30, 3};
                putInt(file, offsets[random.nextInt(offsets.length)], values[random.nextInt(values.length)]);
                break;
            case 2: // cut into the header or the first entries, or just short of the end
                truncate(file, random.nextBoolean() ? random.nextInt(2 * PAGE) : Files.size(file) - 1 - random.nextInt(PAGE));
                break;
            default: // random words into the request ring's entries, then publish them
                final int count = 1 + random.nextInt(64);
                for (int i = 0; i < count; i++)
                {
                    putInt(requestsOf(raw, file), PortRingDescriptor.entryOffset(i), random.nextInt());
                }
                putInt(requestsOf(raw, file), PortRingDescriptor.PROD_OFFSET, count);
                break;
        }
    }

    private static Path requestsOf(final RawClient raw, final Path file)
    {
        return file.resolveSibling(HubHandle.requestsFileName(raw.handleId));
    }
}

package dev.evring.ring;

import org.agrona.UnsafeApi;

import static dev.evring.ring.PortRingDescriptor.entryOffset;

/**
 * The readers' copy out of a {@link PortRing}'s entries into the caller's array, from a snapshot already
 * checked against the ring's trusted bounds (a power-of-two size within the mapped maximum capacity, no
 * more unread ports than that size): every slot read then lies inside the mapped entries. Static and
 * small, so the JIT inlines it into the read paths as if it were written there.
 */
final class EntryCopy
{
    private static final long INT_ARRAY_BASE = UnsafeApi.arrayBaseOffset(int[].class);
    private static final int SMALL_COPY = 64;

    private EntryCopy()
    {
    }

    /**
     * Copy what a reader takes from a checked snapshot: one port (from the producer word when it is the
     * only new one) or, into {@code dst}, the unread range truncated to {@code len}.
     *
     * @return with {@code dst}, the number of ports copied; without, the port as an unsigned value.
     */
    static long copyUnread(
        final byte[] base, final long address, final long published, final int cons, final int size,
        final int[] dst, final int off, final int len)
    {
        final int prod = (int)published;
        if (prod - cons == 1 || dst == null)
        {
            final int port = prod - cons == 1
                ? (int)(published >>> 32) // the one new port rode in the producer word
                : UnsafeApi.getInt(base, address + entryOffset(cons & (size - 1)));
            if (dst == null)
            {
                return port & 0xFFFF_FFFFL;
            }
            dst[off] = port;
            return 1;
        }
        return copyOut(base, address, cons, prod, size, dst, off, len);
    }

    /**
     * Copy the unread range, truncated to {@code len}: one chunk, or two when it wraps past the end of
     * the entries.
     */
    private static int copyOut(
        final byte[] base, final long address, final int cons, final int prod, final int size, final int[] dst,
        final int off, final int len)
    {
        final int mask = size - 1;
        int firstChunk;
        int secondChunk;
        if (((cons ^ prod) & size) != 0)
        {
            // cons and prod lie in different laps: the live range wraps past the end of the entries
            firstChunk = size - (cons & mask);
            secondChunk = prod & mask;
        }
        else
        {
            firstChunk = prod - cons;
            secondChunk = 0;
        }
        if (firstChunk >= len)
        {
            firstChunk = len;
            secondChunk = 0;
        }
        else if (firstChunk + secondChunk > len)
        {
            secondChunk = len - firstChunk;
        }
        copyEntries(base, address, cons & mask, dst, off, firstChunk);
        if (secondChunk > 0)
        {
            copyEntries(base, address, 0, dst, off + firstChunk, secondChunk);
        }
        return firstChunk + secondChunk;
    }

    private static void copyEntries(
        final byte[] base, final long address, final int slot, final int[] dst, final int off, final int count)
    {
        final long from = address + entryOffset(slot);
        if (count <= SMALL_COPY)
        {
            for (int i = 0; i < count; i++)
            {
                dst[off + i] = UnsafeApi.getInt(base, from + ((long)i << 2));
            }
            return;
        }
        UnsafeApi.copyMemory(base, from, dst, INT_ARRAY_BASE + ((long)off << 2), (long)count << 2);
    }
}

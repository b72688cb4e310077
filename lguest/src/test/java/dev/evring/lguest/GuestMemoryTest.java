package dev.evring.lguest;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * L2: guest memory is a mapped file of pfnLimit pages, shared by launcher and guest, every access bounds
 * checked; an access outside kills the guest with a reason naming the address. Also: memory above 2 GiB.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class GuestMemoryTest
{
    private static final long PAGE = GuestMemory.PAGE_SIZE;

    @TempDir
    Path dir;

    @Test
    void l2_guestWalkingOffItsMemoryIsKilledWithTheAddress() throws Exception
    {
        try (Lguest lguest = Guests.start(dir, Guests.WalkOff.class, 1))
        {
            final RunResult result = lguest.run(0);
            assertTrue(result.isDead(), result::toString);
            final long end = Guests.PAGES * PAGE;
            assertTrue(result.deathReason().contains("0x" + Long.toHexString(end)), result.deathReason());
            assertTrue(result.deathReason().startsWith("killed: "), result.deathReason());
            final GuestMemory memory = lguest.memory();
            assertEquals(Guests.PAGES - 1, memory.getLong(end - PAGE), "the guest reached its last page");
            assertEquals(Guests.PAGES - 1, memory.getLongVolatile(Guests.PROGRESS), "and no further");
        }
    }

    @Test
    void l2_launcherAndGuestSeeTheSameBytes() throws Exception
    {
        final Path file = dir.resolve("image.mem");
        final long base = 2 * PAGE;
        final byte[] text = "the quick brown fox".getBytes(StandardCharsets.US_ASCII);
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw"))
        {
            raf.setLength(base + Guests.PAGES * PAGE);
            raf.seek(base + Guests.Reverse.TEXT);
            raf.write(text);
        }
        try (Lguest lguest = Lguest.open(Guests.FAST_GUEST_JVM))
        {
            lguest.initialize(file, base, Guests.PAGES, Guests.Reverse.class.getName(), 1);
            final GuestMemory memory = lguest.memory();
            final byte[] preloaded = new byte[text.length];
            memory.getBytes(Guests.Reverse.TEXT, preloaded, 0, text.length);
            assertArrayEquals(text, preloaded, "guest-physical 0 is byte base of the file");
            memory.putLong(Guests.COUNT, text.length);

            assertEquals(Guests.DONE, lguest.run(0).notifyAddress());
            final byte[] reversed = new byte[text.length];
            memory.getBytes(Guests.Reverse.REVERSED, reversed, 0, reversed.length);
            assertEquals(new StringBuilder("the quick brown fox").reverse().toString(),
                new String(reversed, StandardCharsets.US_ASCII));
        }
        assertTrue(Files.exists(file), "a memory file the caller made is kept");
        assertTrue(!Files.exists(dir.resolve("image.mem" + Lguest.CONTROL_SUFFIX)), "the control file is gone");
    }

    @Test
    void l2_launcherAccessOutsideMemoryThrowsNamingTheAddress() throws Exception
    {
        final Path file = dir.resolve("plain.mem");
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw"))
        {
            raf.setLength(4 * PAGE);
        }
        try (GuestMemory memory = GuestMemory.map(file, 0, 4))
        {
            memory.putLong(4 * PAGE - 8, 7);
            assertEquals(7, memory.getLong(4 * PAGE - 8));
            final IndexOutOfBoundsException past = assertThrows(IndexOutOfBoundsException.class,
                () -> memory.putLong(4 * PAGE - 4, 1));
            assertTrue(past.getMessage().contains("0x3ffc"), past.getMessage());
            assertThrows(IndexOutOfBoundsException.class, () -> memory.getByte(-1));
            assertThrows(IndexOutOfBoundsException.class, () -> memory.getBytes(4 * PAGE - 2, new byte[3], 0, 3));
            assertThrows(IndexOutOfBoundsException.class, () -> memory.getLong(Long.MAX_VALUE - 2));
            assertThrows(IllegalArgumentException.class, () -> memory.getLongVolatile(4));
            memory.close();
            assertThrows(IllegalStateException.class, () -> memory.getByte(0));
        }
    }

    @Test
    void l2_memoryAbove2GiBIsSparseAndBothEndsWorkInLauncherAndGuest() throws Exception
    {
        final long pages = (5L << 30) / 2 / PAGE; // 2.5 GiB
        final long size = pages * PAGE;
        final Path file = dir.resolve("big.mem");
        try (Lguest lguest = Lguest.open(Guests.FAST_GUEST_JVM))
        {
            lguest.initialize(file, 0, pages, Guests.Ends.class.getName(), 1);
            final GuestMemory memory = lguest.memory();
            assertEquals(size, memory.size());
            memory.putLong(0, 41);
            memory.putLong(size - 8, 0x1_0000_0000L);

            assertEquals(Guests.DONE, lguest.run(0).notifyAddress());
            assertEquals(42, memory.getLong(8));
            assertEquals(0x1_0000_0001L, memory.getLong(size - 16));
            try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ))
            {
                final ByteBuffer tail = ByteBuffer.allocate(16).order(ByteOrder.nativeOrder());
                channel.read(tail, size - 16);
                assertEquals(0x1_0000_0001L, tail.getLong(0), "the bytes are in the file at their offset");
                assertEquals(size, channel.size());
            }
        }
    }
}

package dev.evring.lguest;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLongArray;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * L8 in one process, with many reader threads: the copy-on-write map with its emulated grace period.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class EventfdMapTest
{
    /**
     * A target that counts its signals in a shared array slot.
     */
    private static final class SlotTarget implements NotifyTarget
    {
        private final AtomicLongArray signals;
        private final int slot;

        SlotTarget(final AtomicLongArray signals, final int slot)
        {
            this.signals = signals;
            this.slot = slot;
        }

        @Override
        public void acquire()
        {
        }

        @Override
        public boolean signal()
        {
            signals.incrementAndGet(slot);
            return true;
        }

        @Override
        public void release()
        {
        }
    }

    @Test
    void l8_readersNeverSeeARetiredOrHalfBuiltTableWhileAWriterAppends() throws Exception
    {
        final int readers = 2;
        final int entries = 1_500;
        final EventfdMap map = new EventfdMap(readers);
        final AtomicLongArray signals = new AtomicLongArray(entries + 1);
        final AtomicBoolean writing = new AtomicBoolean(true);
        final List<CompletableFuture<long[]>> lookups = new ArrayList<>();
        for (int reader = 0; reader < readers; reader++)
        {
            final int slot = reader;
            lookups.add(CompletableFuture.supplyAsync(() -> readUntil(map, slot, entries, writing), runner(slot)));
        }
        for (int address = 1; address <= entries; address++)
        {
            map.add(address, new SlotTarget(signals, address));
        }
        writing.set(false);
        final long[] delivered = new long[entries + 1];
        for (final CompletableFuture<long[]> lookup : lookups)
        {
            final long[] byReader = lookup.get(60, TimeUnit.SECONDS);
            for (int address = 1; address <= entries; address++)
            {
                delivered[address] += byReader[address];
            }
        }
        long total = 0;
        for (int address = 1; address <= entries; address++)
        {
            assertEquals(delivered[address], signals.get(address), "address " + address + " went to its own target");
            total += delivered[address];
        }
        assertTrue(total > 0, "the readers found attached addresses while the writer appended");
        assertEquals(entries, map.size());
        assertEquals(entries, map.clear().size());
        assertEquals(0, map.size());
    }

    @Test
    void l8_aLookupNeverWaitsForAWriterInItsGracePeriod() throws Exception
    {
        final EventfdMap map = new EventfdMap(2);
        final CountDownLatch inside = new CountDownLatch(1);
        final CountDownLatch leave = new CountDownLatch(1);
        final NotifyTarget blocking = new NotifyTarget()
        {
            @Override
            public void acquire()
            {
            }

            @Override
            public boolean signal()
            {
                inside.countDown();
                try
                {
                    return leave.await(60, TimeUnit.SECONDS);
                }
                catch (final InterruptedException ex)
                {
                    Thread.currentThread().interrupt();
                    return false;
                }
            }

            @Override
            public void release()
            {
            }
        };
        final AtomicLongArray signals = new AtomicLongArray(3);
        map.add(1, blocking);
        final CompletableFuture<Boolean> stuckReader =
            CompletableFuture.supplyAsync(() -> map.deliver(0, 1), runner(0));
        assertTrue(inside.await(30, TimeUnit.SECONDS), "reader 0 is inside its read-side section");

        final CompletableFuture<Void> writer = CompletableFuture.runAsync(() -> map.add(2, new SlotTarget(signals, 2)));
        int found = 0;
        for (int i = 0; i < 1_000; i++)
        {
            if (map.deliver(1, 2))
            {
                found++;
            }
            assertFalse(writer.isDone(), "the writer waits out reader 0, which has not left");
        }
        while (!map.deliver(1, 2))
        {
            Thread.onSpinWait(); // the writer publishes before its grace period, so this ends at once
        }
        found++;
        assertEquals(found, signals.get(2), "reader 1 delivered to the new table without waiting");
        assertFalse(writer.isDone());

        leave.countDown();
        assertTrue(stuckReader.get(30, TimeUnit.SECONDS));
        writer.get(30, TimeUnit.SECONDS);
        assertEquals(2, map.size());
    }

    private static long[] readUntil(
        final EventfdMap map, final int slot, final int entries, final AtomicBoolean writing)
    {
        final SplittableRandom random = new SplittableRandom(slot);
        final long[] delivered = new long[entries + 1];
        final boolean[] seen = new boolean[entries + 1];
        long lookups = 0;
        while (writing.get() || lookups < 100_000)
        {
            final int address = 1 + random.nextInt(entries);
            final boolean taken = map.deliver(slot, address);
            if (taken)
            {
                delivered[address]++;
                seen[address] = true;
            }
            else if (seen[address])
            {
                throw new AssertionError("reader " + slot + " lost address " + address + " it had seen attached");
            }
            lookups++;
        }
        return delivered;
    }

    private static java.util.concurrent.Executor runner(final int slot)
    {
        return task -> new Thread(task, "eventfd-reader-" + slot).start();
    }
}

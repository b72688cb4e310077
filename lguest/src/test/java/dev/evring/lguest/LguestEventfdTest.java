package dev.evring.lguest;

import dev.evring.ring.Errno;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.concurrent.locks.LockSupport;

import static dev.evring.lguest.LguestAssertions.assertErrno;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * L7 and L8 with a real guest: attachEventfd's checks, notifies of an attached address signalled without run
 * returning, and attaching while a guest notifies in a tight loop.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class LguestEventfdTest
{
    private static final long ADDRESS = 0x1000;
    private static final long OTHER = 0x2000;

    @TempDir
    Path dir;

    @Test
    void l7_zeroAddressIsEinvalAndABadTargetLeavesTheMapUnchanged() throws Exception
    {
        try (Lguest lguest = Guests.start(dir, Guests.NotifyLoop.class, 1); CounterTarget closed = new CounterTarget())
        {
            setUpNotifyLoop(lguest.memory(), 2);
            try (CounterTarget counter = new CounterTarget())
            {
                assertErrno(Errno.EINVAL, () -> lguest.attachEventfd(0, counter));
                assertEquals(0, counter.attachments(), "a refused attach takes no reference");
            }
            closed.close();
            assertErrno(Errno.EBADF, () -> lguest.attachEventfd(ADDRESS, closed));
            assertErrno(Errno.EBADF, () -> lguest.attachEventfd(ADDRESS, null));
            assertEquals(0, closed.attachments());

            assertEquals(ADDRESS, lguest.run(0).notifyAddress(), "the map is unchanged: run returns the address");
            assertEquals(ADDRESS, lguest.run(0).notifyAddress());
            assertEquals(0, closed.count());
        }
    }

    @Test
    void l7_notifiesOfAnAttachedAddressSignalTheTargetAndRunDoesNotReturn() throws Exception
    {
        final int count = 2_000;
        try (Lguest lguest = Guests.start(dir, Guests.NotifyLoop.class, 1);
            CounterTarget counter = new CounterTarget();
            CounterTarget second = new CounterTarget())
        {
            setUpNotifyLoop(lguest.memory(), count);
            lguest.attachEventfd(ADDRESS, counter);
            lguest.attachEventfd(ADDRESS, second);
            assertEquals(2, lguest.attachedEventfds());

            final RunResult result = lguest.run(0);
            assertEquals(OTHER, result.notifyAddress(), "run returned only for the address nobody holds");
            assertEquals(count, lguest.memory().getLongVolatile(Guests.PROGRESS));
            assertEquals(count, counter.count(), "every notify of the address signalled the first target");
            assertEquals(count, counter.await(10, TimeUnit.SECONDS), "an eventfd read takes the whole count");
            assertEquals(0, counter.await(1, TimeUnit.MILLISECONDS), "and leaves zero");
            assertEquals(0, second.count(), "the first target attached keeps the address");
            assertTrue(lguest.run(0).isDead());
        }
    }

    @Test
    void aTargetThatRefusesANotifyLetsRunReturnIt() throws Exception
    {
        final AtomicLong offered = new AtomicLong();
        final NotifyTarget refusing = new NotifyTarget()
        {
            @Override
            public void acquire()
            {
            }

            @Override
            public boolean signal()
            {
                offered.incrementAndGet();
                return false;
            }

            @Override
            public void release()
            {
            }
        };
        try (Lguest lguest = Guests.start(dir, Guests.NotifyLoop.class, 1))
        {
            setUpNotifyLoop(lguest.memory(), 1);
            lguest.attachEventfd(ADDRESS, refusing);
            assertEquals(ADDRESS, lguest.run(0).notifyAddress());
            assertEquals(1, offered.get());
        }
    }

    @Test
    void l8_attachRacingATightNotifyLoopLosesAndMisroutesNothing() throws Exception
    {
        final int addresses = 8;
        final long rounds = 1_500;
        final long total = rounds * addresses;
        try (Lguest lguest = Guests.start(dir, Guests.NotifyStorm.class, 1))
        {
            final GuestMemory memory = lguest.memory();
            memory.putLong(Guests.COUNT, rounds);
            memory.putLong(Guests.ADDRESS, addresses);
            for (int i = 0; i < addresses; i++)
            {
                memory.putLong(Guests.NotifyStorm.STORM_TABLE + 8L * i, stormAddress(i));
            }
            final AtomicReferenceArray<CounterTarget> counters = new AtomicReferenceArray<>(addresses);
            final AtomicLongArray returned = new AtomicLongArray(addresses);
            final AtomicLong returnedTotal = new AtomicLong();
            final AtomicBoolean stormOver = new AtomicBoolean();
            final CompletableFuture<Void> attacher = CompletableFuture.runAsync(() ->
            {
                for (int i = 0; i < addresses; i++)
                {
                    final long threshold = (i + 1) * total / (2L * addresses);
                    while (returnedTotal.get() < threshold && !stormOver.get())
                    {
                        LockSupport.parkNanos(10_000);
                    }
                    final CounterTarget counter = new CounterTarget();
                    try
                    {
                        lguest.attachEventfd(stormAddress(i), counter);
                    }
                    catch (final LguestException ex)
                    {
                        throw new AssertionError(ex);
                    }
                    counters.set(i, counter); // set only after the attach returned
                }
            });

            RunResult result;
            while ((result = lguest.run(0)).isNotify() && result.notifyAddress() != Guests.DONE)
            {
                final int index = stormIndex(result.notifyAddress());
                if (counters.get(index) != null)
                {
                    fail("run returned 0x" + Long.toHexString(result.notifyAddress()) + " after it was attached");
                }
                returned.incrementAndGet(index);
                returnedTotal.incrementAndGet();
            }
            stormOver.set(true);
            attacher.get(60, TimeUnit.SECONDS);
            assertEquals(Guests.DONE, result.notifyAddress(), result::toString);

            long signalled = 0;
            for (int i = 0; i < addresses; i++)
            {
                final CounterTarget counter = counters.get(i);
                assertEquals(rounds, memory.getLong(Guests.COUNTERS + 8L * i), "the guest sent every round");
                assertEquals(rounds, returned.get(i) + counter.count(), "address " + i + ": nothing lost or misrouted");
                assertTrue(returned.get(i) > 0, "address " + i + " was attached mid-storm");
                signalled += counter.count();
                counter.close();
            }
            assertTrue(signalled > 0, "the eventfd path took part of the storm");
            assertEquals(total, returnedTotal.get() + signalled);
        }
    }

    private static long stormAddress(final int index)
    {
        return 0x10_000 + 0x40L * index;
    }

    private static int stormIndex(final long address)
    {
        final long offset = address - 0x10_000;
        if (offset < 0 || offset % 0x40 != 0 || offset / 0x40 >= 8)
        {
            fail("run returned an address the guest never notified: 0x" + Long.toHexString(address));
        }
        return (int)(offset / 0x40);
    }

    private static void setUpNotifyLoop(final GuestMemory memory, final long count)
    {
        memory.putLong(Guests.COUNT, count);
        memory.putLong(Guests.ADDRESS, ADDRESS);
        memory.putLong(Guests.OTHER_ADDRESS, OTHER);
    }
}

package dev.evring.lguest;

import dev.evring.ring.Errno;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

import static dev.evring.lguest.LguestAssertions.awaitTrue;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Running vCPUs: L4 (a notify returns and the vCPU stays stopped), L6 (interrupts at a check or waking from
 * halt, taken once), and two vCPUs.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class LguestRunTest
{
    @TempDir
    Path dir;

    @Test
    void l4_runReturnsTheNotifyAddressAndTheGuestStaysStopped() throws Exception
    {
        try (Lguest lguest = Guests.start(dir, Guests.NotifyLoop.class, 1))
        {
            final GuestMemory memory = lguest.memory();
            memory.putLong(Guests.COUNT, 3);
            memory.putLong(Guests.ADDRESS, 0x1000);
            memory.putLong(Guests.OTHER_ADDRESS, 0x2000);
            for (long i = 1; i <= 3; i++)
            {
                final RunResult result = lguest.run(0);
                assertEquals(0x1000, result.notifyAddress(), result::toString);
                assertEquals(i, memory.getLongVolatile(Guests.PROGRESS));
                final long watchUntil = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(100);
                while (System.nanoTime() < watchUntil)
                {
                    assertEquals(i, memory.getLongVolatile(Guests.PROGRESS), "the vCPU moved while stopped");
                    Thread.onSpinWait();
                }
            }
            assertEquals(0x2000, lguest.run(0).notifyAddress());
            final RunResult end = lguest.run(0);
            assertTrue(end.isDead(), end::toString);
            assertTrue(end.deathReason().startsWith("shutdown"), end.deathReason());
        }
    }

    @Test
    void l4_aTimedRunLeavesTheVcpuRunningAndTheNextRunWaitsForTheSameExit() throws Exception
    {
        try (Lguest lguest = Guests.start(dir, Guests.Halt.class, 1))
        {
            assertEquals(Guests.READY, lguest.run(0).notifyAddress());
            assertEquals(RunResult.Kind.TIMEOUT, lguest.run(0, 50, TimeUnit.MILLISECONDS).kind());
            awaitTrue(() -> lguest.halted(0), Duration.ofSeconds(10), "the vCPU halts");
            lguest.sendIrq(0, 7);
            assertEquals(Guests.DONE, lguest.run(0).notifyAddress());
        }
    }

    @Test
    void anInterruptedRunIsEintrAndTheVcpuKeepsRunning() throws Exception
    {
        try (Lguest lguest = Guests.start(dir, Guests.Halt.class, 1))
        {
            assertEquals(Guests.READY, lguest.run(0).notifyAddress());
            final Thread owner = Thread.currentThread();
            final Thread interrupter = new Thread(() ->
            {
                awaitTrue(() -> lguest.halted(0), Duration.ofSeconds(30), "the vCPU halts");
                owner.interrupt();
            });
            interrupter.start();
            LguestAssertions.assertErrno(Errno.EINTR, () -> lguest.run(0));
            interrupter.join(30_000);
            assertTrue(lguest.halted(0), "the vCPU still waits in halt");
            lguest.sendIrq(0, 3);
            assertEquals(Guests.DONE, lguest.run(0).notifyAddress(), "the next run picks up the same vCPU");
        }
    }

    @Test
    void l6_haltedGuestWakesForAnIrqAndTakesIt() throws Exception
    {
        try (Lguest lguest = Guests.start(dir, Guests.Halt.class, 1))
        {
            final GuestMemory memory = lguest.memory();
            assertEquals(Guests.READY, lguest.run(0).notifyAddress());
            assertEquals(RunResult.Kind.TIMEOUT, lguest.run(0, 50, TimeUnit.MILLISECONDS).kind(), "halted, no exit");
            awaitTrue(() -> lguest.halted(0), Duration.ofSeconds(10), "the vCPU halts");
            lguest.sendIrq(0, 5); // no handler: stays pending, does not wake the guest
            lguest.sendIrq(0, 3);
            assertEquals(Guests.DONE, lguest.run(0).notifyAddress());
            assertEquals(1, memory.getLongVolatile(Guests.PROGRESS), "halt took one interrupt");
            assertEquals(1, memory.getLong(Guests.COUNTERS + 8 * 3));
            assertEquals(0, memory.getLong(Guests.COUNTERS + 8 * 7));
            assertTrue(!lguest.halted(0));
        }
    }

    @Test
    void l6_aHaltedVcpuIsNeverLeftAsleepWhenIrqsRaceItsHalts() throws Exception
    {
        final long wakeups = 2_000;
        try (Lguest lguest = Guests.start(dir, Guests.HaltLoop.class, 1))
        {
            final GuestMemory memory = lguest.memory();
            memory.putLong(Guests.COUNT, wakeups);
            final CompletableFuture<Long> sender = CompletableFuture.supplyAsync(() ->
            {
                long sent = 0;
                while (memory.getLongVolatile(Guests.COUNTERS + 8) < wakeups)
                {
                    if (lguest.halted(0))
                    {
                        try
                        {
                            lguest.sendIrq(0, 1);
                        }
                        catch (final LguestException ex)
                        {
                            throw new AssertionError(ex);
                        }
                        sent++;
                    }
                    LockSupport.parkNanos(20_000);
                }
                return sent;
            });
            assertEquals(Guests.DONE, lguest.run(0).notifyAddress(), "every halt woke");
            final long sent = sender.get(30, TimeUnit.SECONDS);
            assertEquals(wakeups, memory.getLong(Guests.COUNTERS + 8), "one interrupt taken per wake-up");
            assertTrue(sent >= wakeups, "sent " + sent);
            assertTrue(memory.getLongVolatile(Guests.PROGRESS) <= wakeups, "a halt never returns without one");
        }
    }

    @Test
    void l6_irqIsSeenAtTheNextCheckAndRaisedTwiceIsTakenOnce() throws Exception
    {
        final int checkpoints = 300;
        try (Lguest lguest = Guests.start(dir, Guests.IrqCount.class, 1))
        {
            final GuestMemory memory = lguest.memory();
            memory.putLong(Guests.COUNT, checkpoints);
            final long[] expected = new long[Lguest.IRQS];
            final SplittableRandom random = new SplittableRandom(42);
            long taken = 0;
            assertEquals(Guests.READY, lguest.run(0).notifyAddress());
            for (int checkpoint = 1; checkpoint < checkpoints; checkpoint++)
            {
                final int first = random.nextInt(31);
                final int second = random.nextInt(31);
                final int times = 1 + random.nextInt(3);
                for (int i = 0; i < times; i++)
                {
                    lguest.sendIrq(0, first);
                    lguest.sendIrq(0, second);
                }
                lguest.sendIrq(0, 31); // no handler until the end: stays pending
                expected[first]++;
                if (second != first)
                {
                    expected[second]++;
                }
                taken += first == second ? 1 : 2;
                assertEquals(Guests.READY, lguest.run(0).notifyAddress());
                for (int irq = 0; irq < Lguest.IRQS; irq++)
                {
                    assertEquals(expected[irq], memory.getLong(Guests.COUNTERS + 8L * irq), "irq " + irq);
                }
                assertEquals(taken, memory.getLong(Guests.PROGRESS), "checkInterrupts counted what it took");
            }
            assertEquals(Guests.DONE, lguest.run(0).notifyAddress(), "the pending masked irq 31 ends the halt");
            assertEquals(1, memory.getLong(Guests.COUNTERS + 8L * 31), "31 raised many times, taken once");
        }
    }

    @Test
    void twoVcpusAreThreadsThatShareMemoryAndHaveTheirOwnExitsAndInterrupts() throws Exception
    {
        final long count = 200;
        try (Lguest lguest = Guests.start(dir, Guests.TwoCpus.class, 2))
        {
            final GuestMemory memory = lguest.memory();
            memory.putLong(Guests.COUNT, count);
            assertEquals(RunResult.Kind.TIMEOUT, lguest.run(1, 100, TimeUnit.MILLISECONDS).kind(),
                "vCPU 1 runs, waiting for vCPU 0's flag");
            assertEquals(0x2001, lguest.run(0).notifyAddress(), "vCPU 0 sets the flag and notifies");
            assertEquals(0x1001, lguest.run(1).notifyAddress(), "vCPU 1 saw the flag: they share memory");
            for (long i = 2; i <= count; i++)
            {
                if (i % 10 == 0)
                {
                    lguest.sendIrq(1, 2);
                }
                assertEquals(0x2000 + i, lguest.run(0).notifyAddress());
                assertEquals(0x1000 + i, lguest.run(1).notifyAddress());
            }
            assertEquals(count / 10, memory.getLong(Guests.COUNTERS + 8), "vCPU 1 took its irqs");
            assertEquals(0, memory.getLong(Guests.COUNTERS), "vCPU 0 saw none of them");
            assertEquals(RunResult.Kind.TIMEOUT, lguest.run(0, 50, TimeUnit.MILLISECONDS).kind(),
                "vCPU 0 returned; the guest lives while vCPU 1 runs");
            final RunResult end = lguest.run(1);
            assertTrue(end.isDead() && end.deathReason().contains("every vCPU"), end::toString);
            assertTrue(lguest.run(0).isDead());
        }
    }
}

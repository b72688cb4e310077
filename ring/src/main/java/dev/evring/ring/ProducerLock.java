package dev.evring.ring;

import org.agrona.concurrent.UnsafeBuffer;

import java.util.concurrent.TimeUnit;

import static dev.evring.ring.PortRingDescriptor.PRODUCER_LOCK_OFFSET;

/**
 * The producers' lock word of a {@link PortRing}, the role of the kernel's {@code ring_prod_lock} across
 * processes: it holds the holder's pid, a holder that died is recovered, and the wait is bounded (H3: a
 * word that holds a live pid forever, written by a broken or hostile process, is {@link Errno#ETIMEDOUT},
 * not a hang).
 */
final class ProducerLock
{
    private static final long LIVENESS_CHECK_SPINS = 1 << 16;
    private static final long DEADLINE_CHECK_MASK = (1 << 10) - 1;
    private static final long SPINS_BEFORE_YIELD = 1 << 14;

    private final UnsafeBuffer buffer;
    private final long pid;
    private final String name;
    private final RingFileGuard guard;
    private volatile long timeoutNs = PortRing.DEFAULT_PRODUCER_LOCK_TIMEOUT_NS;

    ProducerLock(final UnsafeBuffer buffer, final long pid, final String name, final RingFileGuard guard)
    {
        this.buffer = buffer;
        this.pid = pid;
        this.name = name;
        this.guard = guard;
    }

    void timeoutNs(final long timeoutNs)
    {
        this.timeoutNs = timeoutNs;
    }

    long timeoutNs()
    {
        return timeoutNs;
    }

    /**
     * Test-and-test-and-set on the shared lock word: read it first and compare-and-set only when it is
     * free, so the line stays shared while another process holds it.
     */
    void lock()
    {
        final UnsafeBuffer buffer = this.buffer;
        if (buffer.getLongVolatile(PRODUCER_LOCK_OFFSET) != 0 || !buffer.compareAndSetLong(PRODUCER_LOCK_OFFSET, 0, pid))
        {
            await(buffer);
        }
    }

    void unlock()
    {
        buffer.putLongRelease(PRODUCER_LOCK_OFFSET, 0);
    }

    private void await(final UnsafeBuffer buffer)
    {
        final long timeoutNs = this.timeoutNs;
        final long deadline = System.nanoTime() + timeoutNs;
        for (long spins = 1; ; spins++)
        {
            if (buffer.getLongVolatile(PRODUCER_LOCK_OFFSET) == 0 && buffer.compareAndSetLong(PRODUCER_LOCK_OFFSET, 0, pid))
            {
                return;
            }
            if (spins % LIVENESS_CHECK_SPINS == 0)
            {
                recoverLockOfDeadHolder(buffer);
            }
            if ((spins & DEADLINE_CHECK_MASK) == 0 && System.nanoTime() - deadline >= 0)
            {
                throw new RingException(Errno.ETIMEDOUT, name + "'s producer lock stayed held by pid "
                    + buffer.getLongVolatile(PRODUCER_LOCK_OFFSET) + " for " + TimeUnit.NANOSECONDS.toMillis(
                    timeoutNs) + " ms: a live process holds it and does not let go");
            }
            if (spins < SPINS_BEFORE_YIELD)
            {
                Thread.onSpinWait();
            }
            else
            {
                Thread.yield();
            }
        }
    }

    private void recoverLockOfDeadHolder(final UnsafeBuffer buffer)
    {
        final long holder = buffer.getLongVolatile(PRODUCER_LOCK_OFFSET);
        final boolean holderAlive = ProcessHandle.of(holder).map(ProcessHandle::isAlive).orElse(false);
        if (holder != 0 && !holderAlive)
        {
            guard.requireWhole();
            buffer.compareAndSetLong(PRODUCER_LOCK_OFFSET, holder, 0);
        }
    }
}

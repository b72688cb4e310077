package dev.evring.lguest;

import org.agrona.concurrent.BackoffIdleStrategy;
import org.agrona.concurrent.IdleStrategy;

import java.lang.invoke.VarHandle;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The device's map from notify address to {@link NotifyTarget}, read and updated the RCU way: readers
 * never lock and never wait; a writer copies the current table, appends, publishes the copy, waits a grace
 * period until no reader can still be looking at the old table, and only then retires it.
 *
 * <p>The grace period is an epoch scheme with one announcement slot per reader (a vCPU): a reader
 * stores the current epoch in its slot, then reads the table pointer, and clears the slot when done. A
 * writer publishes the new table, advances the epoch, and waits for every slot that holds an older epoch.
 * Readers that enter after the advance see the new table and are not waited for, so a steady stream of
 * readers cannot starve a writer. A retired table is marked; a reader whose table was retired before it
 * left (a use-after-free in the kernel) fails loudly instead.
 *
 * <p>{@link Lguest#attachEventfd} and the launcher's notify routing use it; it is public so that its
 * lookup cost under concurrent attaches can be benchmarked on its own.
 */
public final class EventfdMap
{
    private static final long IDLE = 0;

    /**
     * One immutable version of the map.
     */
    static final class Table
    {
        private final long[] addresses;
        private final NotifyTarget[] targets;
        private volatile boolean retired;

        Table(final long[] addresses, final NotifyTarget[] targets)
        {
            this.addresses = addresses;
            this.targets = targets;
        }

        boolean deliver(final long address)
        {
            for (int i = 0; i < addresses.length; i++)
            {
                if (addresses[i] == address)
                {
                    return targets[i].signal();
                }
            }
            return false;
        }

        Table with(final long address, final NotifyTarget target)
        {
            final int count = addresses.length;
            final long[] newAddresses = Arrays.copyOf(addresses, count + 1);
            final NotifyTarget[] newTargets = Arrays.copyOf(targets, count + 1);
            newAddresses[count] = address;
            newTargets[count] = target;
            return new Table(newAddresses, newTargets);
        }
    }

    private final AtomicLongArray readers;
    private final AtomicLong epoch = new AtomicLong(1);
    private final ReentrantLock writerLock = new ReentrantLock();
    private volatile Table current = new Table(new long[0], new NotifyTarget[0]);

    /**
     * A map with a fixed number of reader slots.
     *
     * @param readerSlots the number of readers that may look up at once, each with its own slot index.
     */
    public EventfdMap(final int readerSlots)
    {
        readers = new AtomicLongArray(readerSlots);
    }

    /**
     * Deliver a notify to the target attached to its address, if any (the first one attached wins).
     *
     * @param reader  this reader's slot, used by one thread at a time.
     * @param address the notify address.
     * @return true if a target took the notify.
     */
    public boolean deliver(final int reader, final long address)
    {
        readers.lazySet(reader, epoch.get());
        VarHandle.fullFence(); // smp_mb (rcu_read_lock): the announcement is visible before the pointer is read
        try
        {
            final Table table = current; // rcu_dereference: the volatile read orders the table's contents after it
            final boolean taken = table.deliver(address);
            if (table.retired)
            {
                throw new IllegalStateException("eventfd table retired while a reader used it: grace period broken");
            }
            return taken;
        }
        finally
        {
            readers.lazySet(reader, IDLE); // smp_store_release (rcu_read_unlock): the lookup is done before this
        }
    }

    /**
     * Attach a target: copy, append, publish, wait for the old table's readers, retire it.
     *
     * @param address the notify address.
     * @param target  the target, already acquired.
     */
    public void add(final long address, final NotifyTarget target)
    {
        writerLock.lock();
        try
        {
            final Table old = current;
            current = old.with(address, target); // rcu_assign_pointer: the volatile write publishes a complete copy
            synchronize();
            old.retired = true;
        }
        finally
        {
            writerLock.unlock();
        }
    }

    /**
     * Empty the map and return every target it held, once no reader can be using them.
     *
     * @return the targets, in attach order, one per attachment.
     */
    public List<NotifyTarget> clear()
    {
        writerLock.lock();
        try
        {
            final Table old = current;
            current = new Table(new long[0], new NotifyTarget[0]);
            synchronize();
            old.retired = true;
            return List.of(old.targets);
        }
        finally
        {
            writerLock.unlock();
        }
    }

    /**
     * The number of attachments in the current table.
     *
     * @return the count.
     */
    public int size()
    {
        return current.addresses.length;
    }

    private void synchronize()
    {
        final long grace = epoch.incrementAndGet(); // synchronize_rcu: a full barrier after the publication
        final IdleStrategy idle = new BackoffIdleStrategy(64, 16, 1_000, 100_000);
        for (int reader = 0; reader < readers.length(); reader++)
        {
            idle.reset();
            long announced = readers.get(reader);
            while (announced != IDLE && announced < grace)
            {
                idle.idle();
                announced = readers.get(reader);
            }
        }
    }
}

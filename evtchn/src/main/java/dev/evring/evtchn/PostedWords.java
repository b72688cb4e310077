package dev.evring.evtchn;

import dev.evring.ring.Errno;
import org.agrona.concurrent.status.AtomicCounter;

/**
 * The words a handle posts instead of making a call: unmask and notify requests ({@link Protocol#ringWord}),
 * read from a remote handle's request ring or passed directly by an in-process handle, and applied to the
 * {@link PortTable}. Under the hub's lock.
 *
 * <p>The request ring is the client's to write, so nothing in it is trusted: the ring checks its own
 * indices and size, a word names an operation and a port that are checked like any request, and a ring
 * that cannot be read (overflowed, corrupted, cut) or a word with an unknown operation gets its handle
 * {@link DamagedHandles reported} (EFAULT, ENOSYS) and cut off once the operation is done.
 */
final class PostedWords
{
    /** The most words taken from one ring per read. */
    static final int BATCH = 1024;

    private final PortTable ports;
    private final DamagedHandles damaged;
    private final AtomicCounter requestsCounter;
    private final AtomicCounter errorsCounter;
    private final int[] words = new int[BATCH];

    PostedWords(final PortTable ports, final DamagedHandles damaged, final HubCounters counters)
    {
        this.ports = ports;
        this.damaged = damaged;
        this.requestsCounter = counters.counter(HubCounter.REQUESTS);
        this.errorsCounter = counters.counter(HubCounter.ERRORS);
    }

    /**
     * Take up to {@code limit} words from a handle's request ring and apply them. Words are claimed and
     * applied under the same hold of the lock, and a control request applies the words posted before it
     * first, so every handle's requests take effect in the order it made them (an unmask can never
     * overtake the unbind that followed it and land on a new binding of the same port).
     *
     * @return the number of words taken (at least 1 if the handle was reported).
     */
    int drain(final HubHandle handle, final int limit)
    {
        int taken = 0;
        while (taken < limit)
        {
            final int asked = Math.min(words.length, limit - taken);
            final int count;
            try
            {
                count = handle.requests.read(words, 0, asked);
            }
            catch (final IllegalStateException ex) // overflowed or corrupted by the handle: RingOverflowException and others
            {
                damaged.report(handle, Errno.EFAULT);
                return taken + 1;
            }
            if (count == 0)
            {
                return taken;
            }
            taken += count;
            for (int i = 0; i < count; i++)
            {
                if (!apply(handle, words[i]))
                {
                    damaged.report(handle, Errno.ENOSYS);
                    return taken;
                }
            }
            if (count < asked)
            {
                return taken; // the ring held no more when it was read: no second look for an empty ring
            }
        }
        return taken;
    }

    /**
     * Apply one request word.
     *
     * @return false for a word with an unknown operation (nothing was done).
     */
    boolean apply(final HubHandle handle, final int word)
    {
        final int port = word & Protocol.RING_PORT_MASK;
        requestsCounter.incrementRelease();
        switch (word >>> Protocol.RING_PORT_BITS)
        {
            case Protocol.RING_UNMASK:
                ports.unmask(handle, port);
                return true;
            case Protocol.RING_NOTIFY:
                notify(handle, port);
                return true;
            case Protocol.RING_UNMASK_NOTIFY:
                ports.unmask(handle, port);
                notify(handle, port);
                return true;
            default:
                return false;
        }
    }

    private void notify(final HubHandle handle, final int port)
    {
        if (!ports.notifyFrom(handle, port))
        {
            errorsCounter.incrementRelease(); // a port the handle does not hold: a forged word
        }
    }
}

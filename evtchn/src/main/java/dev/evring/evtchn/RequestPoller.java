package dev.evring.evtchn;

import org.agrona.concurrent.IdleStrategy;

import java.util.Arrays;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The request duty cycle (the role of Aeron's command adapters): one pass over every remote handle's
 * request ring, applying the unmask and notify words it finds through the {@link HubConductor}, run by
 * the hub's request thread or, in {@link RequestPolling#INVOKER} mode, by whoever calls
 * {@link EvtchnHub#pollRequests()}. It also owns the request rings' unmapping: a released handle's ring is
 * retired here and closed by the next cycle, so a cycle never reads an unmapped ring.
 */
final class RequestPoller
{
    private final HubConductor conductor;
    private final HubConfig config;
    private final ConcurrentLinkedQueue<HubHandle> retired = new ConcurrentLinkedQueue<>();
    private final AtomicBoolean polling = new AtomicBoolean();
    private volatile HubHandle[] polled = new HubHandle[0];
    private volatile boolean stopped;
    private Thread thread;

    RequestPoller(final HubConductor conductor, final HubConfig config)
    {
        this.conductor = conductor;
        this.config = config;
    }

    /**
     * Start the hub's request thread (a daemon), for {@link RequestPolling#POLLER_THREAD}.
     */
    void startThread()
    {
        thread = new Thread(this::pollLoop, "evtchn-hub-requests");
        thread.setDaemon(true);
        thread.start();
    }

    boolean hasThread()
    {
        return thread != null;
    }

    /**
     * Poll a newly attached handle's request ring from the next cycle on. Under the hub's lock.
     */
    void add(final HubHandle handle)
    {
        final HubHandle[] current = polled;
        final HubHandle[] next = Arrays.copyOf(current, current.length + 1);
        next[current.length] = handle;
        polled = next;
    }

    /**
     * Stop polling a released handle's request ring; the next cycle unmaps it. Under the hub's lock.
     */
    void retire(final HubHandle handle)
    {
        final HubHandle[] current = polled;
        final HubHandle[] next = new HubHandle[current.length - 1];
        int n = 0;
        for (final HubHandle other : current)
        {
            if (other != handle)
            {
                next[n++] = other;
            }
        }
        polled = next;
        retired.add(handle);
    }

    /**
     * The request thread: duty cycles until stopped. A memory fault the JVM raises late can surface
     * anywhere in the loop, its head included, so the loop runs inside the handler, never around it (H2).
     */
    private void pollLoop()
    {
        final IdleStrategy idle = config.idleStrategy().get();
        while (!stopped)
        {
            try
            {
                cycleUntilStopped(idle);
            }
            catch (final RuntimeException | Error ex)
            {
                conductor.survives(null, ex);
            }
        }
    }

    private void cycleUntilStopped(final IdleStrategy idle)
    {
        while (!stopped)
        {
            idle.idle(dutyCycle());
        }
    }

    /**
     * One pass over the request rings by the one thread that owns the {@link #polling} flag meanwhile: a
     * request ring is unmapped only by its owner ({@link #closeRetired()}), so the rings it reads outside
     * the lock stay mapped; a thread that finds the flag taken does nothing.
     *
     * @return the number of request words applied.
     */
    int dutyCycle()
    {
        if (stopped || polling.get() || !polling.compareAndSet(false, true))
        {
            return 0; // a stopped poller: stop() takes the flag for good and must not wait behind new cycles
        }
        try
        {
            if (stopped)
            {
                return 0; // stop() unmaps what is left once it owns the flag
            }
            closeRetired();
            int work = 0;
            for (final HubHandle handle : polled)
            {
                work += poll(handle);
            }
            return work;
        }
        finally
        {
            polling.setRelease(false); // the unlock of a spin lock: release suffices, and costs no fence
        }
    }

    /**
     * Apply what one handle posted. A failure is that handle's alone: it is contained (the handle is cut
     * off) and the cycle goes on with the next (H2).
     */
    private int poll(final HubHandle handle)
    {
        try
        {
            // mapped: only the flag's owner closes request rings; a cut file faults on this first read
            return handle.requests.isEmpty() ? 0 : conductor.pollPosted(handle, PostedWords.BATCH);
        }
        catch (final RuntimeException | Error ex)
        {
            conductor.survives(handle, ex);
            return 1;
        }
    }

    private void closeRetired()
    {
        HubHandle handle;
        while ((handle = retired.poll()) != null)
        {
            handle.requests.close();
        }
    }

    /**
     * Stop polling for good: the thread ends, a cycle under way finishes, and the rings retired since the
     * last cycle are unmapped. Called once the hub is closed and every handle released.
     */
    void stop()
    {
        stopped = true;
        if (thread != null)
        {
            EvtchnHub.joinQuietly(thread);
        }
        while (!polling.compareAndSet(false, true)) // a duty cycle under way ends soon: stopped is set
        {
            Thread.yield();
        }
        closeRetired(); // the flag stays taken, so no cycle runs again
    }
}

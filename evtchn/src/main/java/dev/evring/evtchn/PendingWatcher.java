package dev.evring.evtchn;

import dev.evring.ring.DoorbellWaiter;
import dev.evring.ring.PortRing;
import org.agrona.concurrent.BackoffIdleStrategy;
import org.agrona.concurrent.IdleStrategy;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.Pipe;
import java.nio.channels.SelectableChannel;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * Keeps a handle's {@link Evtchn#selectable()} pipe readable exactly while its event ring has ports (or
 * is overflowed, or the hub is gone), and runs its {@link Evtchn#onPending} listeners on each empty to
 * non-empty transition. A thread sleeps on the ring like any reader (so the hub's doorbell wakes it),
 * writes one byte into the pipe and waits; a reader that finds the ring empty drains the byte.
 */
final class PendingWatcher implements AutoCloseable
{
    private static final long WAIT_SLICE_MS = 100;
    private static final long BLANKS_ONLY_PARK_NS = TimeUnit.MILLISECONDS.toNanos(1);

    private final HubLink link;
    private final DoorbellWaiter waiter;
    private final Pipe pipe;
    private final ByteBuffer oneByte = ByteBuffer.allocate(1);
    private final ByteBuffer drain = ByteBuffer.allocate(16);
    private final List<Runnable> listeners = new CopyOnWriteArrayList<>();
    private final Thread thread;
    private boolean signalled;
    private volatile boolean closed;

    private PendingWatcher(final HubLink link, final DoorbellWaiter waiter, final Pipe pipe, final int domid)
    {
        this.link = link;
        this.waiter = waiter;
        this.pipe = pipe;
        this.thread = new Thread(this::watch, "evtchn-watcher-" + domid);
        thread.setDaemon(true);
    }

    static PendingWatcher start(final HubLink link, final DoorbellWaiter waiter, final int domid)
    {
        try
        {
            final Pipe pipe = Pipe.open();
            pipe.source().configureBlocking(false);
            final PendingWatcher watcher = new PendingWatcher(link, waiter, pipe, domid);
            watcher.thread.start();
            return watcher;
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException("cannot open the pipe behind Evtchn.selectable()", ex);
        }
    }

    SelectableChannel source()
    {
        return pipe.source();
    }

    void addListener(final Runnable listener)
    {
        listeners.add(listener);
    }

    private void watch()
    {
        final IdleStrategy idle = new BackoffIdleStrategy(
            10, 10, TimeUnit.MICROSECONDS.toNanos(1), TimeUnit.MICROSECONDS.toNanos(100));
        try
        {
            while (!closed)
            {
                final long mark = waiter.mark(); // before the look: a ring after it (the ring made) ends the sleep
                final PortRing events = link.events();
                if (events == null)
                {
                    waiter.await(mark, TimeUnit.MILLISECONDS.toNanos(WAIT_SLICE_MS));
                }
                else if (events.awaitReadable(WAIT_SLICE_MS, TimeUnit.MILLISECONDS, idle, waiter))
                {
                    if (EventReads.pollMask(link) == PortRing.POLLOUT)
                    {
                        LockSupport.parkNanos(BLANKS_ONLY_PARK_NS); // only blanks: the next read takes them
                    }
                    else
                    {
                        if (signal())
                        {
                            runListeners();
                        }
                        awaitDrained();
                    }
                }
            }
        }
        catch (final LinkFailedException | IllegalStateException ex)
        {
            if (!closed && signal())
            {
                runListeners(); // the hub went away: wake selectors and listeners so they see the error
            }
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt(); // close() interrupts to stop the thread
        }
    }

    private synchronized boolean signal()
    {
        if (signalled)
        {
            return false;
        }
        try
        {
            oneByte.clear();
            pipe.sink().write(oneByte);
        }
        catch (final IOException ex)
        {
            return false; // the pipe is closed: the handle is closing
        }
        signalled = true;
        return true;
    }

    private synchronized void awaitDrained() throws InterruptedException
    {
        while (signalled && !closed)
        {
            wait(WAIT_SLICE_MS);
        }
    }

    private void runListeners()
    {
        for (final Runnable listener : listeners)
        {
            try
            {
                listener.run();
            }
            catch (final RuntimeException ex)
            {
                final Thread self = Thread.currentThread();
                self.getUncaughtExceptionHandler().uncaughtException(self, ex); // a bad listener does not stop the others
            }
        }
    }

    /**
     * A reader took ports; if the ring is now empty, the pipe stops being readable.
     */
    synchronized void consumed()
    {
        if (signalled && EventReads.pollMask(link) == PortRing.POLLOUT)
        {
            try
            {
                drain.clear();
                while (pipe.source().read(drain) > 0)
                {
                    drain.clear();
                }
            }
            catch (final IOException ex)
            {
                return; // the pipe is closed: the handle is closing
            }
            signalled = false;
            notifyAll();
        }
    }

    @Override
    public void close()
    {
        closed = true;
        thread.interrupt();
        try
        {
            thread.join(TimeUnit.SECONDS.toMillis(5));
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
        }
        try
        {
            pipe.sink().close();
            pipe.source().close();
        }
        catch (final IOException ignore)
        {
            // closing a pipe nobody reads any more
        }
    }
}

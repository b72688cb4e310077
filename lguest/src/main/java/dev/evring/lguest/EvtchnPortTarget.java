package dev.evring.lguest;

import dev.evring.evtchn.Evtchn;
import dev.evring.evtchn.EvtchnException;
import dev.evring.ring.Errno;

import java.util.Objects;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Sends the guest's notifies of an address to an event channel: each one is an {@link Evtchn#notify(int)}
 * on a port of an evtchn handle, so on an interdomain port it fires whichever handle holds the other end,
 * in any process (the ioeventfd idea: a guest's I/O kick reaches a device backend without the launcher).
 *
 * <p>The handle stays the caller's: the device neither closes it nor unbinds the port. A notify that the
 * hub refuses (the port was unbound, the handle closed, the hub gone) is counted in {@link #failures()}
 * and returned from {@link Lguest#run(int)} instead, so it is not lost. {@link Evtchn#notify(int)} goes
 * through shared memory; it waits only while the hub's request ring is full.
 */
public final class EvtchnPortTarget implements NotifyTarget
{
    private final Evtchn handle;
    private final int port;
    private final AtomicInteger attachments = new AtomicInteger();
    private final AtomicLong signals = new AtomicLong();
    private final AtomicLong failures = new AtomicLong();
    private volatile EvtchnException lastFailure;

    /**
     * A target that notifies a port.
     *
     * @param handle the evtchn handle that holds the port.
     * @param port   the local port to notify, typically bound with {@link Evtchn#bindInterdomain}.
     */
    public EvtchnPortTarget(final Evtchn handle, final int port)
    {
        this.handle = Objects.requireNonNull(handle, "handle");
        this.port = port;
    }

    /**
     * Check that the handle is usable and take a reference.
     *
     * @throws LguestException {@code EBADF} if the port is not a valid port number or the handle is closed
     *                         or its hub gone.
     */
    @Override
    public void acquire() throws LguestException
    {
        if (port <= 0)
        {
            throw new LguestException(Errno.EBADF, "evtchn port " + port + " is not a port");
        }
        try
        {
            handle.pollMask(); // a cheap request that fails on a closed handle or a dead hub
        }
        catch (final EvtchnException ex)
        {
            throw new LguestException(Errno.EBADF, "evtchn handle cannot take notifies: " + ex.getMessage(), ex);
        }
        attachments.incrementAndGet();
    }

    /**
     * Notify the port.
     *
     * @return true if the hub took the notify, false if it refused it (see {@link #lastFailure()}).
     */
    @Override
    public boolean signal()
    {
        try
        {
            handle.notify(port);
            signals.incrementAndGet();
            return true;
        }
        catch (final EvtchnException ex)
        {
            lastFailure = ex;
            failures.incrementAndGet();
            return false;
        }
    }

    /**
     * {@inheritDoc}
     */
    @Override
    public void release()
    {
        attachments.decrementAndGet();
    }

    /**
     * The port this target notifies.
     *
     * @return the port.
     */
    public int port()
    {
        return port;
    }

    /**
     * The number of notifies the hub took.
     *
     * @return the count.
     */
    public long signals()
    {
        return signals.get();
    }

    /**
     * The number of notifies the hub refused (each returned from {@code run} instead).
     *
     * @return the count.
     */
    public long failures()
    {
        return failures.get();
    }

    /**
     * The last refusal, for diagnosis.
     *
     * @return the exception, or null if none.
     */
    public EvtchnException lastFailure()
    {
        return lastFailure;
    }

    /**
     * The number of devices this target is attached to and that have not released it yet.
     *
     * @return the attachments held.
     */
    public int attachments()
    {
        return attachments.get();
    }

    /**
     * {@inheritDoc}
     */
    @Override
    public String toString()
    {
        return "EvtchnPortTarget{" + handle + ", port=" + port + ", signals=" + signals.get() + ", failures="
            + failures.get() + "}";
    }
}

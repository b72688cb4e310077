package dev.evring.lguest;

/**
 * Where {@link Lguest#attachEventfd(long, NotifyTarget)} sends the guest's notifies of one address, instead
 * of returning them from {@link Lguest#run(int)}: the role of the eventfd in the kernel's
 * {@code LHREQ_EVENTFD}. {@link CounterTarget} is an eventfd-like counter in the launcher process;
 * {@link EvtchnPortTarget} notifies an event-channel port, reaching a backend in any process.
 *
 * <p>The device takes a reference when the target is attached ({@link #acquire()}, like {@code eventfd_fget})
 * and gives it back when the device is closed ({@link #release()}, like {@code fput}), once per attachment.
 */
public interface NotifyTarget
{
    /**
     * Take a reference for one attachment; fail if this target cannot take notifies.
     *
     * @throws LguestException {@code EBADF} if the target is closed or otherwise unusable; the device's
     *                         eventfd map is then left unchanged.
     */
    void acquire() throws LguestException;

    /**
     * Deliver one notify. Called by the thread in {@link Lguest#run(int)}, inside the map's read-side
     * critical section: it must not block, and must not call {@link Lguest#attachEventfd} (which waits for
     * that section to end).
     *
     * @return true if delivered; false makes {@code run} return the notify to its caller as if no target
     *         held the address.
     */
    boolean signal();

    /**
     * Give back the reference taken by {@link #acquire()}. Called once per attachment when the device closes.
     */
    void release();
}

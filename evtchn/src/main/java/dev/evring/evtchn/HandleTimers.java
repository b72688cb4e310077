package dev.evring.evtchn;

import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * The one daemon thread per JVM that runs the timed jobs of remote handles: it checks the hubs of open
 * handles (their heartbeat and pid, see {@link HandleOptions}), ends a connect the hub never takes, and
 * unmaps the rings of closed handles once their linger is over. It starts with the first job and ends a second after the last one.
 */
final class HandleTimers
{
    private static final long MIN_PERIOD_NS = TimeUnit.MILLISECONDS.toNanos(20);
    private static final ScheduledThreadPoolExecutor EXECUTOR = newExecutor();

    private HandleTimers()
    {
    }

    private static ScheduledThreadPoolExecutor newExecutor()
    {
        final ScheduledThreadPoolExecutor executor = new ScheduledThreadPoolExecutor(1, runnable ->
        {
            final Thread thread = new Thread(runnable, "evtchn-handle-timers");
            thread.setDaemon(true);
            return thread;
        });
        executor.setKeepAliveTime(1, TimeUnit.SECONDS);
        executor.allowCoreThreadTimeOut(true);
        executor.setRemoveOnCancelPolicy(true);
        return executor;
    }

    /**
     * Run a hub check about four times per timeout until the returned future is cancelled.
     *
     * @param check     the check; it must not block.
     * @param timeoutNs the handle's hub timeout.
     * @return the future to cancel when the handle closes.
     */
    static ScheduledFuture<?> watch(final Runnable check, final long timeoutNs)
    {
        final long periodNs = Math.max(MIN_PERIOD_NS, timeoutNs / 4);
        return EXECUTOR.scheduleWithFixedDelay(check, periodNs, periodNs, TimeUnit.NANOSECONDS);
    }

    /**
     * Release a closed handle's resources after a delay (Aeron's resource linger): calls that were already
     * past their closed check when the handle closed finish on memory that is still mapped.
     *
     * @param release  what to release; it must not block.
     * @param lingerNs how long to wait first; 0 releases in the calling thread, before this returns.
     */
    static void linger(final Runnable release, final long lingerNs)
    {
        if (lingerNs == 0)
        {
            release.run();
        }
        else
        {
            after(release, lingerNs);
        }
    }

    /**
     * Run a job once after a delay, unless the returned future is cancelled first (a deadline that ends a
     * blocking call, such as closing a socket whose connect never completes).
     *
     * @param job     the job; it must not block.
     * @param delayNs the delay.
     * @return the future to cancel; {@link ScheduledFuture#isDone()} once the job ran or was cancelled.
     */
    static ScheduledFuture<?> after(final Runnable job, final long delayNs)
    {
        return EXECUTOR.schedule(job, delayNs, TimeUnit.NANOSECONDS);
    }
}

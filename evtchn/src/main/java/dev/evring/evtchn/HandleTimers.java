package dev.evring.evtchn;

import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * The one thread per JVM that checks the hubs of open remote handles (their heartbeat and pid, see
 * {@link HandleOptions}). It starts with the first handle and ends a second after the last one closed.
 */
final class HubWatchdog
{
    private static final long MIN_PERIOD_NS = TimeUnit.MILLISECONDS.toNanos(20);
    private static final ScheduledThreadPoolExecutor EXECUTOR = newExecutor();

    private HubWatchdog()
    {
    }

    private static ScheduledThreadPoolExecutor newExecutor()
    {
        final ScheduledThreadPoolExecutor executor = new ScheduledThreadPoolExecutor(1, runnable ->
        {
            final Thread thread = new Thread(runnable, "evtchn-hub-watchdog");
            thread.setDaemon(true);
            return thread;
        });
        executor.setKeepAliveTime(1, TimeUnit.SECONDS);
        executor.allowCoreThreadTimeOut(true);
        executor.setRemoveOnCancelPolicy(true);
        return executor;
    }

    /**
     * Run a check about four times per timeout until the returned future is cancelled.
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
}

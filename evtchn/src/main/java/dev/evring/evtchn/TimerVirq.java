package dev.evring.evtchn;

import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The hub's clock: the {@link Virq#TIMER} source, fired for every domain that bound it once per
 * {@link HubConfig#timerPeriod(java.time.Duration) timer period}, and the mark file's heartbeat every
 * {@value EvtchnHub#HEARTBEAT_PERIOD_MS} ms, on one daemon thread ({@code evtchn-hub-timer}). Neither task
 * ever throws (H2): a tick that meets a client's broken ring cuts that client off and ticks on.
 */
final class TimerVirq
{
    private final ScheduledExecutorService scheduler;

    TimerVirq(final HubConductor conductor, final HubDirectory directory)
    {
        this.scheduler = Executors.newSingleThreadScheduledExecutor(runnable ->
        {
            final Thread thread = new Thread(runnable, "evtchn-hub-timer");
            thread.setDaemon(true);
            return thread;
        });
        final long periodNs = conductor.config().timerPeriod().toNanos();
        scheduler.scheduleAtFixedRate(() -> tick(conductor), periodNs, periodNs, TimeUnit.NANOSECONDS);
        scheduler.scheduleAtFixedRate(
            () -> beat(conductor, directory), EvtchnHub.HEARTBEAT_PERIOD_MS, EvtchnHub.HEARTBEAT_PERIOD_MS,
            TimeUnit.MILLISECONDS);
    }

    /**
     * One timer tick; an error the JVM raises late, after the tick's own containment, is contained here.
     */
    private static void tick(final HubConductor conductor)
    {
        try
        {
            conductor.tickTimers();
        }
        catch (final RuntimeException | Error ex)
        {
            conductor.survives(null, ex);
        }
    }

    /**
     * One heartbeat. A periodic task that throws never runs again, and handles would then take a live hub
     * for a hung one: a failed beat is counted and the next one tries again.
     */
    private static void beat(final HubConductor conductor, final HubDirectory directory)
    {
        try
        {
            directory.heartbeat();
        }
        catch (final RuntimeException | Error ex)
        {
            conductor.countError();
        }
    }

    /**
     * Stop ticking and wait (a bounded time) for a tick under way.
     */
    void stop()
    {
        scheduler.shutdownNow();
        try
        {
            scheduler.awaitTermination(5, TimeUnit.SECONDS);
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
        }
    }
}

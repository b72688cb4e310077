package dev.evring.cli.demo;

import dev.evring.evtchn.Evtchn;
import dev.evring.evtchn.EvtchnException;
import dev.evring.evtchn.EvtchnHub;
import dev.evring.evtchn.HubConfig;
import dev.evring.evtchn.HubCounter;
import dev.evring.evtchn.Virq;
import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The demo's event loop between two real handles of an in-process hub: one ping in flight per channel, so
 * the echo side sees exactly one event per round trip (plus at most the ping still in flight at the stop),
 * every round trip lands in the histogram, nothing is coalesced and nothing overflows.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
final class DemoLoopTest
{
    private static final long ROUND_TRIPS = 5_000;

    @TempDir
    Path temp;

    @ParameterizedTest
    @EnumSource(DemoIdle.class)
    void pingPongCountsEveryRoundTripOnce(final DemoIdle idle) throws Exception
    {
        try (EvtchnHub hub = EvtchnHub.start(HubConfig.directory(temp.resolve("hub")).timerPeriod(Duration.ofMillis(1)));
            Evtchn pinger = hub.openLocal();
            Evtchn echoer = hub.openLocal())
        {
            final int pingPort = pinger.bindUnboundPort(Evtchn.DOMID_SELF);
            final int echoPort = echoer.bindInterdomain(Evtchn.DOMID_SELF, pingPort);
            assertEquals(echoPort, echoer.awaitPending(10, TimeUnit.SECONDS), "a new interdomain port starts pending");
            echoer.unmask(echoPort);
            final int timerPort = pinger.bindVirq(Virq.TIMER);

            final DemoLoop ping = new DemoLoop(pinger, idle);
            ping.addInitiator(pingPort);
            ping.addTimer(timerPort);
            final DemoLoop echo = new DemoLoop(echoer, idle);
            echo.addEcho(echoPort);
            final Histogram latency = DemoLoop.newHistogram();
            final long[] lastRoundTrips = new long[1];
            final long reportPeriodNs = TimeUnit.MILLISECONDS.toNanos(5);
            final CompletableFuture<Void> pingDone = new CompletableFuture<>();

            final CompletableFuture<Void> echoing = CompletableFuture.runAsync(() -> run(echo, pingDone::isDone, reportPeriodNs,
                loop -> loop.takeInterval()));
            run(ping, () -> ping.roundTrips() >= ROUND_TRIPS, reportPeriodNs, loop ->
            {
                latency.add(loop.takeInterval());
                lastRoundTrips[0] = loop.roundTrips();
            });
            pingDone.complete(null);
            echoing.get(60, TimeUnit.SECONDS);

            assertEquals(ROUND_TRIPS, ping.roundTrips());
            assertEquals(ROUND_TRIPS, lastRoundTrips[0], "the last report comes after the loop ends");
            assertEquals(ROUND_TRIPS, latency.getTotalCount(), "every round trip lands in exactly one interval");
            assertEquals(ping.roundTrips() + ping.ticks(), ping.events());
            assertTrue(ping.ticks() > 0, "VIRQ_TIMER ticked while the loop ran");
            assertTrue(echo.events() == ROUND_TRIPS || echo.events() == ROUND_TRIPS + 1,
                "one echo per ping, got " + echo.events() + " for " + ROUND_TRIPS + " round trips");
            assertEquals(0, echo.roundTrips());
            assertEquals(0, hub.counter(HubCounter.OVERFLOWS));
            assertTrue(latency.getMinValue() > 0);
        }
    }

    private static void run(
        final DemoLoop loop, final BooleanSupplier stop, final long reportPeriodNs,
        final Consumer<DemoLoop> reporter)
    {
        try
        {
            loop.run(stop, reportPeriodNs, reporter);
        }
        catch (final EvtchnException | InterruptedException ex)
        {
            throw new IllegalStateException(ex);
        }
    }
}

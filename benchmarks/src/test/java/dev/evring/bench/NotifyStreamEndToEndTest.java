package dev.evring.bench;

import dev.evring.bench.harness.Measurement;
import dev.evring.bench.harness.NotifyCounts;
import dev.evring.bench.harness.Pinning;
import dev.evring.bench.harness.RunPlan;
import dev.evring.bench.report.NotifyRates;
import dev.evring.bench.report.ResultRow;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The notify stream across hosts ({@code evtchn-bridge-stream}) at smoke size, in two child JVMs: its rate is
 * the events the remote handle read, counted between two drains of the stream, with the notifies issued and
 * the bridge messages sent beside it. No timing assertion.
 */
@Timeout(value = 300, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class NotifyStreamEndToEndTest
{
    /** A few hundred round trips for the floor, 100 ms of stream after 50 ms of warm-up, 60 s budget. */
    private static final RunPlan SMOKE = new RunPlan(100, 500, 100, 500, 50, 100, 10_000, 60_000);

    @Test
    void theBridgeStreamCountsTheEventsReadAndTheNotifiesIssuedAndSentBetweenTwoDrains(@TempDir final Path base)
        throws IOException
    {
        final PairRunner.Outcome outcome =
            new PairRunner(Pinning.detect(), base).run(Mechanisms.byName("evtchn-bridge-stream"), SMOKE);

        assertNull(outcome.error());
        final Measurement measurement = outcome.report().measurement();
        final NotifyCounts notifies = measurement.notifies();
        assertTrue(notifies != null, "a notify stream carries its notifies");
        assertTrue(measurement.messages() > 0, "B read events");
        assertTrue(measurement.messages() <= notifies.sent() && notifies.sent() <= notifies.issued(),
            "no more events than messages, no more messages than notifies (the stream was empty at both drains): "
                + measurement.messages() + " read, " + notifies);
        assertTrue(notifies.issued() >= 1024, "A notified through the measured time: " + notifies);

        final ResultRow row = ResultRow.of("evtchn-bridge-stream", outcome.report());
        final NotifyRates rates = row.notifyRates();
        assertTrue(rates.notifiesPerSecond() >= rates.messagesPerSecond()
            && rates.messagesPerSecond() >= row.msgsPerSecond(), row.toString());
        assertTrue(rates.coalescedFraction() >= 0 && rates.coalescedFraction() < 1, row.toString());
        assertEquals(0, outcome.footprint().size(), "no ring files of its own to measure");
        try (Stream<Path> left = Files.list(base))
        {
            assertEquals(0, left.count(), "the run directory, hubs and Aeron directories included, is removed");
        }
    }
}

package dev.evring.cli.demo;

import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
import java.util.List;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The demo's text output and option parsing: greppable summary facts, the histogram's buckets and bars,
 * the histogram wire encoding, and {@code --duration} / {@code --consumers} / {@code --idle}.
 */
final class DemoReportTest
{
    @Test
    void histogramHasOneBarPerPowerOfTwoBucketScaledToTheLargest()
    {
        final Histogram latency = DemoLoop.newHistogram();
        latency.recordValueWithCount(1_500, 1_000);   // 1..2 us
        latency.recordValueWithCount(3_000, 500);     // 2..4 us
        latency.recordValueWithCount(100_000, 10);    // 64..128 us

        final List<String> lines = DemoReport.histogram(latency).lines().collect(Collectors.toList());

        assertEquals("round-trip latency histogram (1,510 round trips)", lines.get(0));
        assertEquals(List.of("1 - 2", "2 - 4", "4 - 8", "8 - 16", "16 - 32", "32 - 64", "64 - 128"),
            lines.subList(1, lines.size()).stream().map(line -> line.split(" us")[0].strip().replaceAll(" +", " "))
                .collect(Collectors.toList()));
        assertEquals(50, bar(lines.get(1)));
        assertEquals(25, bar(lines.get(2)));
        assertEquals(0, bar(lines.get(3)));
        assertEquals(1, bar(lines.get(7)), "a bucket with a count always shows");
        assertTrue(lines.get(1).contains(" 1,000 |"), lines.get(1));
        assertTrue(lines.get(7).contains(" 10 |"), lines.get(7));
    }

    @Test
    void emptyHistogramSaysSo()
    {
        assertTrue(DemoReport.histogram(DemoLoop.newHistogram()).contains("(no round trips)"));
    }

    @Test
    void summaryIsOneGreppableFactPerLine()
    {
        final Histogram latency = DemoLoop.newHistogram();
        latency.recordValueWithCount(2_000, 99);
        latency.recordValue(50_000);
        final String text = print(new DemoReport.Summary(3, DemoIdle.SPIN, 2_000_000_000L, 1234, 100, 600, latency,
            15, 0, 0, 0, List.of(), true, false, List.of()));

        final List<String> lines = text.lines().collect(Collectors.toList());
        for (final String fact : List.of("consumers: 3", "idle: spin", "duration: 2.0 s", "events: 1234", "events/s: 617",
            "round trips: 100", "timer ticks: 600", "latency p50: 2.0 us", "latency p99.9: 50.0 us", "latency max: 50.0 us",
            "ports bound (peak): 15", "overflows: 0", "files left: 0", "hub directory removed: yes", "result: ok"))
        {
            assertTrue(lines.contains(fact), "no line '" + fact + "' in:\n" + text);
        }
    }

    @Test
    void failedSummarySaysWhy()
    {
        final String text = print(new DemoReport.Summary(2, DemoIdle.BLOCK, 1_000_000_000L, 0, 0, 0, DemoLoop.newHistogram(),
            10, 2, 0, 1, List.of("h3.events"), false, false, List.of("no events were delivered", "2 event ring overflows")));

        assertTrue(text.contains("\nresult: FAILED (no events were delivered; 2 event ring overflows)\n".replace("\n", System.lineSeparator())), text);
        assertTrue(text.contains("files left: 1 (h3.events)"), text);
        assertTrue(text.contains("hub directory removed: no" + System.lineSeparator()), text);
        assertTrue(text.contains("latency p50: -"), text);
    }

    @Test
    void statusLineShowsRatesLatencyPortsAndOverflows()
    {
        final Histogram window = DemoLoop.newHistogram();
        window.recordValueWithCount(10_000, 99);
        window.recordValue(90_000);

        assertEquals("[  1.5 s] events/s      123,457 | round trip p50 10.0 us p99 10.0 us | ports bound 10 | overflows 0",
            DemoReport.status(1_500_000_000L, 123_456.7, window, null, 10, 0));
        assertTrue(DemoReport.status(0, 0, DemoLoop.newHistogram(), null, 0, 0).contains("p50 - p99 -"));
    }

    @Test
    void statusLineOfTwoHostsShowsTheCrossHostRoundTrip()
    {
        final Histogram window = DemoLoop.newHistogram();
        window.recordValue(10_000);
        final Histogram crossHost = DemoLoop.newHistogram();
        crossHost.recordValueWithCount(40_000, 99);
        crossHost.recordValue(900_000);

        assertEquals("[  2.0 s] events/s        1,000 | round trip p50 10.0 us p99 10.0 us | cross-host p50 40.0 us p99 40.0 us"
            + " | ports bound 17 | overflows 0", DemoReport.status(2_000_000_000L, 1000, window, crossHost, 17, 0));
        assertTrue(DemoReport.status(0, 0, window, DemoLoop.newHistogram(), 0, 0).contains("cross-host p50 - p99 -"));
    }

    @Test
    void histogramSurvivesTheWireEncoding()
    {
        final Histogram sent = DemoLoop.newHistogram();
        for (int i = 1; i <= 10_000; i++)
        {
            sent.recordValue(i * 37L);
        }
        sent.recordValue(DemoLoop.MAX_LATENCY_NS);

        final Histogram received = DemoProtocol.decode(DemoProtocol.encode(sent));

        assertEquals(sent, received);
        assertThrows(IllegalArgumentException.class, () -> DemoProtocol.decode("not base64 at all!"));
    }

    @Test
    void aFailureIsAlwaysOneProtocolLine()
    {
        assertEquals("FAILED ENODEV: the hub is gone at line 2", DemoProtocol.failed("ENODEV: the hub\n is gone\tat line 2\n"));
        assertEquals("FAILED null", DemoProtocol.failed(null));
    }

    @ParameterizedTest
    @CsvSource({"10s, 10000", "3s, 3000", "500ms, 500", "100ms, 100", "24h, 86400000", "1.5s, 1500", "2m, 120000", "1h, 3600000", "7, 7000", "' 4S ', 4000"})
    void durationsInMillisecondsSecondsMinutesAndHours(final String text, final long millis) throws DemoFailure
    {
        assertEquals(Duration.ofMillis(millis), DemoCommand.parseDuration(text));
    }

    @ParameterizedTest
    @ValueSource(strings = {"-1s", "0s", "0.0001s", "99ms", "", "s", "10 parsecs", "1e3s", "25h", "PT10S"})
    void badDurationsAreUsageErrors(final String text)
    {
        final DemoFailure failure = assertThrows(DemoFailure.class, () -> DemoCommand.parseDuration(text));
        assertEquals(DemoFailure.USAGE, failure.exitCode());
        assertTrue(failure.getMessage().startsWith("--duration must "), failure.getMessage());
    }

    @Test
    void consumerCountsFromTwoToTheLimit() throws DemoFailure
    {
        assertEquals(2, DemoCommand.parseConsumers("2"));
        assertEquals(DemoCommand.MAX_CONSUMERS, DemoCommand.parseConsumers(Integer.toString(DemoCommand.MAX_CONSUMERS)));
        for (final String bad : List.of("1", "0", "-3", "33", "two", "2.5", ""))
        {
            assertEquals(DemoFailure.USAGE, assertThrows(DemoFailure.class, () -> DemoCommand.parseConsumers(bad)).exitCode(), bad);
        }
    }

    @Test
    void idleModesByName()
    {
        assertEquals("spin|yield|backoff|block", DemoIdle.choices());
        for (final DemoIdle idle : DemoIdle.values())
        {
            assertEquals(idle, DemoIdle.parse(idle.label().toUpperCase()));
            assertEquals(idle == DemoIdle.BLOCK, idle.newStrategy() == null);
        }
        assertThrows(IllegalArgumentException.class, () -> DemoIdle.parse("sleep"));
    }

    private static int bar(final String line)
    {
        final int start = line.indexOf('|');
        return line.length() - start - 1;
    }

    private static String print(final DemoReport.Summary summary)
    {
        final StringWriter text = new StringWriter();
        DemoReport.print(new PrintWriter(text), summary);
        return text.toString();
    }
}

package dev.evring.bench.report;

import dev.evring.bench.harness.Measurement;
import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import javax.imageio.ImageIO;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

@Timeout(value = 120, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class PercentileChartTest
{
    private static final byte[] PNG_SIGNATURE = {(byte)0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};

    @Test
    void writesAValidPngOfTheExpectedSize(@TempDir final Path dir) throws IOException
    {
        final Map<String, Histogram> histograms = new LinkedHashMap<>();
        histograms.put("fast", histogram(100, 10_000));
        histograms.put("slow", histogram(5_000, 10_000));
        histograms.put("empty", Measurement.newHistogram());
        final Path png = dir.resolve("chart.png");

        PercentileChart.write(png, "test", histograms);

        final byte[] bytes = Files.readAllBytes(png);
        assertArrayEquals(PNG_SIGNATURE, Arrays.copyOf(bytes, PNG_SIGNATURE.length));
        final BufferedImage image = ImageIO.read(png.toFile());
        assertNotNull(image, "ImageIO decodes it");
        assertEquals(PercentileChart.WIDTH, image.getWidth());
        assertEquals(PercentileChart.HEIGHT, image.getHeight());
    }

    @Test
    void nothingToChartIsAnError(@TempDir final Path dir)
    {
        final Map<String, Histogram> histograms = Map.of("empty", Measurement.newHistogram());

        assertThrows(IOException.class, () -> PercentileChart.write(dir.resolve("x.png"), "t", histograms));
    }

    @Test
    void pointsRiseWithPercentileAndReachTheMax()
    {
        final Histogram histogram = histogram(100, 10_000);

        final double[][] points = PercentileChart.points(histogram);

        assertEquals(0.0, points[0][0], 1e-9, "starts at the 0th percentile");
        for (int i = 1; i < points[0].length; i++)
        {
            assertTrue(points[0][i] >= points[0][i - 1], "x never falls at " + i);
            assertTrue(points[1][i] >= points[1][i - 1], "latency never falls at " + i);
        }
        assertEquals(histogram.highestEquivalentValue(histogram.getMaxValue()), points[1][points[1].length - 1]);
        assertTrue(points[0][points[0].length - 1] >= 4, "reaches the 99.99th percentile");
    }

    @Test
    void axisLabelsArePercentilesAndNeverRepeat()
    {
        assertEquals("0%", PercentileChart.percentileLabel(0.0));
        assertEquals("50%", PercentileChart.percentileLabel(Math.log10(2)));
        assertEquals("90%", PercentileChart.percentileLabel(1.0));
        assertEquals("99%", PercentileChart.percentileLabel(2.0));
        assertEquals("99.9%", PercentileChart.percentileLabel(3.0));
        assertEquals("99.99%", PercentileChart.percentileLabel(4.0));
        assertEquals("95%", PercentileChart.percentileLabel(Math.log10(20)));
        final java.util.Set<String> labels = new java.util.HashSet<>();
        for (int tenths = 0; tenths <= 90; tenths++)
        {
            final double v = tenths / 10.0;
            assertTrue(labels.add(PercentileChart.percentileLabel(v)), "label of " + v + " repeats");
        }
    }

    /** Values base, base + 1, ... base + count - 1 ns, once each. */
    private static Histogram histogram(final long base, final int count)
    {
        final Histogram histogram = Measurement.newHistogram();
        for (int i = 0; i < count; i++)
        {
            histogram.recordValue(base + i);
        }
        return histogram;
    }
}

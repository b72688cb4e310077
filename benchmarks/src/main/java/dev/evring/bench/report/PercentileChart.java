package dev.evring.bench.report;

import org.HdrHistogram.Histogram;
import org.HdrHistogram.HistogramIterationValue;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.markers.SeriesMarkers;

import java.io.IOException;
import java.io.OutputStream;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The PNG chart of {@code --png}: the round-trip latency percentile distribution of every mechanism, drawn
 * with XChart the way HdrHistogram plots are read. The x axis is {@code log10(1 / (1 - percentile))},
 * a tick per decade, labelled 0%, 90%, 99%, 99.9%, 99.99%, ... (each step right is ten times rarer; 50%
 * sits at 0.3); the y axis is the latency in nanoseconds on a log scale. Rendered off screen
 * ({@code java.awt.headless=true}).
 *
 * <p>The x values are taken to the log here, on a linear axis, because XChart 3.8.8 places the ticks of a
 * logarithmic axis linearly once a tick-label function is set; and it loops forever if that function gives
 * two ticks the same label (XChart issue 799), so every label here is distinct.
 */
public final class PercentileChart
{
    /** Width of the image in pixels. */
    public static final int WIDTH = 1200;
    /** Height of the image in pixels. */
    public static final int HEIGHT = 800;

    /** Pixels between x ticks: wide enough that XChart picks one tick per decade. */
    private static final int X_TICK_SPACING_PX = 120;
    /** Points per halving of the distance to 100% (HdrHistogram's percentile iteration). */
    private static final int TICKS_PER_HALF_DISTANCE = 5;

    private PercentileChart()
    {
    }

    /**
     * Draw the distributions and write the PNG.
     *
     * @param file       the PNG file to write (replaced if it exists).
     * @param title      the chart's title.
     * @param histograms round-trip histograms in nanoseconds by mechanism name, in legend order; empty ones
     *                   are left out.
     * @throws IOException if the file cannot be written.
     */
    public static void write(final Path file, final String title, final Map<String, Histogram> histograms)
        throws IOException
    {
        System.setProperty("java.awt.headless", "true");
        final XYChart chart = new XYChartBuilder().width(WIDTH).height(HEIGHT).title(title)
            .xAxisTitle("percentile").yAxisTitle("round trip, ns").build();
        final var styler = chart.getStyler();
        styler.setYAxisLogarithmic(true);
        styler.setxAxisTickLabelsFormattingFunction(PercentileChart::percentileLabel);
        styler.setXAxisTickMarkSpacingHint(X_TICK_SPACING_PX);
        styler.setXAxisMin(0.0);
        styler.setLegendPosition(Styler.LegendPosition.InsideNW);
        styler.setChartBackgroundColor(java.awt.Color.WHITE);
        styler.setPlotGridLinesVisible(true);
        styler.setMarkerSize(0);
        boolean any = false;
        for (final Map.Entry<String, Histogram> entry : histograms.entrySet())
        {
            final Histogram histogram = entry.getValue();
            if (histogram == null || histogram.getTotalCount() == 0)
            {
                continue;
            }
            final double[][] points = points(histogram);
            final XYSeries series = chart.addSeries(String.format(Locale.ROOT, "%s (p50 %,d ns)", entry.getKey(),
                histogram.getValueAtPercentile(50.0)), points[0], points[1]);
            series.setMarker(SeriesMarkers.NONE);
            any = true;
        }
        if (!any)
        {
            throw new IOException("no round-trip results to chart in " + file);
        }
        try (OutputStream out = Files.newOutputStream(file))
        {
            BitmapEncoder.saveBitmap(chart, out, BitmapEncoder.BitmapFormat.PNG);
        }
    }

    /**
     * The distribution as (log10(1 / (1 - percentile)), latency) points, from the 0th percentile to the
     * last value; the 100th percentile is placed at log10(2 x count), beyond every finite point.
     *
     * @param histogram a non-empty histogram.
     * @return x values and y values.
     */
    static double[][] points(final Histogram histogram)
    {
        final List<double[]> points = new ArrayList<>();
        final double lastX = 2.0 * histogram.getTotalCount();
        for (final HistogramIterationValue value : histogram.percentiles(TICKS_PER_HALF_DISTANCE))
        {
            final double fraction = value.getPercentileLevelIteratedTo() / 100.0;
            final double x = fraction >= 1.0 ? lastX : Math.min(lastX, 1.0 / (1.0 - fraction));
            final double y = Math.max(1, histogram.highestEquivalentValue(value.getValueIteratedTo()));
            points.add(new double[] {Math.log10(x), y});
        }
        final double[] xs = new double[points.size()];
        final double[] ys = new double[points.size()];
        for (int i = 0; i < xs.length; i++)
        {
            xs[i] = points.get(i)[0];
            ys[i] = points.get(i)[1];
        }
        return new double[][] {xs, ys};
    }

    /**
     * The label of an x-axis tick: the percentile {@code p} where {@code v = log10(1 / (1 - p))}. Different
     * ticks always get different labels.
     *
     * @param v the tick's value, 0 or more.
     * @return "0%", "50%", "90%", "99%", "99.9%", ... for 0, log10(2), 1, 2, 3, ..., else the percentile to
     *         twelve significant digits, trailing zeros dropped.
     */
    static String percentileLabel(final Double v)
    {
        final double x = Math.pow(10.0, v);
        final double rounded = Math.rint(x);
        if (Math.abs(x - rounded) > 1e-9 * rounded || rounded < 1)
        {
            return exactLabel(x);
        }
        final long n = (long)rounded;
        if (n == 1)
        {
            return "0%";
        }
        if (n == 2)
        {
            return "50%";
        }
        long decade = 10;
        int nines = 0;
        while (decade < n)
        {
            decade *= 10;
            nines++;
        }
        if (decade != n)
        {
            return exactLabel(x);
        }
        return nines == 0 ? "90%" : "99" + (nines == 1 ? "" : "." + "9".repeat(nines - 1)) + "%";
    }

    private static String exactLabel(final double x)
    {
        final String digits = String.format(Locale.ROOT, "%.12g", 100.0 * (1.0 - 1.0 / x));
        return new BigDecimal(digits).stripTrailingZeros().toPlainString() + "%";
    }
}

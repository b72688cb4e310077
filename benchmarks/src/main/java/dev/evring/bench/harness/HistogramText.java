package dev.evring.bench.harness;

import org.HdrHistogram.Histogram;

import java.nio.ByteBuffer;
import java.util.Base64;
import java.util.zip.DataFormatException;

/**
 * A latency histogram as one line of text (HdrHistogram's compressed encoding in Base64), for the peers'
 * reports and the demo's children to hand their histograms to another process.
 */
public final class HistogramText
{
    private HistogramText()
    {
    }

    /**
     * Encode a histogram.
     *
     * @param histogram the histogram.
     * @return its compressed encoding in Base64, no line breaks.
     */
    public static String encode(final Histogram histogram)
    {
        final ByteBuffer buffer = ByteBuffer.allocate(histogram.getNeededByteBufferCapacity());
        final int length = histogram.encodeIntoCompressedByteBuffer(buffer);
        final byte[] bytes = new byte[length];
        buffer.flip();
        buffer.get(bytes);
        return Base64.getEncoder().encodeToString(bytes);
    }

    /**
     * Decode what {@link #encode} made.
     *
     * @param text                       the text.
     * @param minBarForHighestTrackable  the least highest trackable value of the result.
     * @return the histogram.
     * @throws IllegalArgumentException if the text is not an encoded histogram.
     */
    public static Histogram decode(final String text, final long minBarForHighestTrackable)
    {
        try
        {
            return Histogram.decodeFromCompressedByteBuffer(
                ByteBuffer.wrap(Base64.getDecoder().decode(text)), minBarForHighestTrackable);
        }
        catch (final DataFormatException | IllegalArgumentException ex)
        {
            throw new IllegalArgumentException("not an encoded histogram: " + ex.getMessage(), ex);
        }
    }
}

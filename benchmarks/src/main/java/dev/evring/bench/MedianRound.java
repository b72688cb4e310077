package dev.evring.bench;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * The median round of a mechanism measured several times ({@code --rounds}): the round whose headline
 * figure (ratio to the floor for a round trip, msgs/s for a stream) is the median of its successful
 * rounds whose floor held still (of all successful rounds if the floor moved in every one), flagged with
 * every round's figure. A round whose floor moved ran partly in another core placement, so its ratio
 * mixes two machines. With an even count it takes the worse of the two middle rounds, so a median never
 * flatters.
 */
final class MedianRound
{
    private MedianRound()
    {
    }

    /**
     * Pick the median round.
     *
     * @param rounds every round of one mechanism, in the order they ran; at least one.
     * @return the only round if there is one; else the median successful round (steady floor first) with
     *         a flag listing all; else (every round failed) the last round.
     */
    static BenchCommand.Measured of(final List<BenchCommand.Measured> rounds)
    {
        if (rounds.size() == 1)
        {
            return rounds.get(0);
        }
        final List<BenchCommand.Measured> succeeded = rounds.stream()
            .filter(measured -> measured.row().error() == null)
            .collect(Collectors.toList());
        if (succeeded.isEmpty())
        {
            return rounds.get(rounds.size() - 1);
        }
        final List<BenchCommand.Measured> steady = succeeded.stream()
            .filter(measured -> !measured.row().drift().moved())
            .collect(Collectors.toList());
        final List<BenchCommand.Measured> counted = new ArrayList<>(steady.isEmpty() ? succeeded : steady);
        counted.sort(Comparator.comparingDouble(MedianRound::worseFirst)); // a copy: the flag lists run order
        final BenchCommand.Measured median = counted.get((counted.size() - 1) / 2);
        final int failedRounds = rounds.size() - succeeded.size();
        final String note = "median of " + counted.size() + " rounds: " + succeeded.stream()
            .map(measured -> figure(measured.row()) + (measured.row().drift().moved() ? " (floor moved)" : ""))
            .collect(Collectors.joining(", "))
            + (failedRounds > 0 ? "; " + failedRounds + " failed" : "");
        final ResultRow row = median.row();
        return new BenchCommand.Measured(row.withFlag(row.flag() == null ? note : row.flag() + "; " + note),
            median.footprint(), median.latency());
    }

    /**
     * A sort key that puts the worse rounds first: a higher ratio to the floor, or fewer msgs/s.
     */
    private static double worseFirst(final BenchCommand.Measured measured)
    {
        final ResultRow row = measured.row();
        return row.stream() ? row.msgsPerSecond() : -row.ratioToFloor();
    }

    private static String figure(final ResultRow row)
    {
        return row.stream()
            ? String.format(Locale.ROOT, "%.1fM msgs/s", row.msgsPerSecond() / 1e6)
            : String.format(Locale.ROOT, "%.2fx", row.ratioToFloor());
    }
}

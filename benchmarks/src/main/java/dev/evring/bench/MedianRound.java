package dev.evring.bench;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * The median round of a mechanism measured several times ({@code --rounds}): the round whose headline
 * figure (ratio to the floor for a round trip, msgs/s for a stream) is the median of its successful
 * rounds that ran in the run's closest core placement, flagged with every round's figure.
 *
 * <p>The VM this was written on moves its two vCPUs between placements whose floor differs two to four
 * times (about 120 ns against 240 to 490 ns). A round whose floor moved mixes two machines; a round whose
 * floor held still at a far placement measured another machine than its neighbours did. So a round counts
 * when its floor held still and stayed within {@link FloorDrift#THRESHOLD} of the lowest floor any round
 * of the run measured; if no round of a mechanism did, its rounds whose floor held still count; if none
 * did, all its successful rounds. With an even count it takes the worse of the two middle rounds, so a
 * median never flatters.
 */
final class MedianRound
{
    private MedianRound()
    {
    }

    /**
     * The lowest floor (median round trip, before or after) any successful round measured: the run's
     * closest placement.
     *
     * @param rounds every round of every mechanism.
     * @return the floor in ns, or {@link Long#MAX_VALUE} if no round succeeded.
     */
    static long closestFloorNs(final Collection<BenchCommand.Measured> rounds)
    {
        long closest = Long.MAX_VALUE;
        for (final BenchCommand.Measured measured : rounds)
        {
            final ResultRow row = measured.row();
            if (row.error() == null)
            {
                closest = Math.min(closest, Math.min(row.floorBeforeNs(), row.floorAfterNs()));
            }
        }
        return closest;
    }

    /**
     * Pick the median round.
     *
     * @param rounds         every round of one mechanism, in the order they ran; at least one.
     * @param closestFloorNs the run's {@link #closestFloorNs(Collection) closest floor}.
     * @return the only round if there is one; else the median successful round (closest placement first)
     *         with a flag listing all; else (every round failed) the last round.
     */
    static BenchCommand.Measured of(final List<BenchCommand.Measured> rounds, final long closestFloorNs)
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
        final List<BenchCommand.Measured> closest = steady.stream()
            .filter(measured -> isClosest(measured.row(), closestFloorNs))
            .collect(Collectors.toList());
        final List<BenchCommand.Measured> counted = new ArrayList<>(
            !closest.isEmpty() ? closest : steady.isEmpty() ? succeeded : steady);
        counted.sort(Comparator.comparingDouble(MedianRound::worseFirst)); // a copy: the flag lists run order
        final BenchCommand.Measured median = counted.get((counted.size() - 1) / 2);
        final int failedRounds = rounds.size() - succeeded.size();
        final String note = "median of " + counted.size() + " rounds: " + succeeded.stream()
            .map(measured -> figure(measured.row()) + placement(measured.row(), closestFloorNs))
            .collect(Collectors.joining(", "))
            + (failedRounds > 0 ? "; " + failedRounds + " failed" : "");
        final ResultRow row = median.row();
        return new BenchCommand.Measured(row.withFlag(row.flag() == null ? note : row.flag() + "; " + note),
            median.footprint(), median.latency());
    }

    /**
     * Whether a round whose floor held still ran in the run's closest placement.
     */
    private static boolean isClosest(final ResultRow row, final long closestFloorNs)
    {
        return row.drift().meanNs() <= closestFloorNs * (1 + FloorDrift.THRESHOLD);
    }

    private static String placement(final ResultRow row, final long closestFloorNs)
    {
        if (row.drift().moved())
        {
            return " (floor moved)";
        }
        return isClosest(row, closestFloorNs)
            ? ""
            : String.format(Locale.ROOT, " (far: floor %.0f ns)", row.drift().meanNs());
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

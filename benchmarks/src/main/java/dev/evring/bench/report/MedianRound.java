package dev.evring.bench.report;


import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * The median round of a mechanism measured several times ({@code --rounds}): the round whose headline
 * figure (ratio to the floor for a round trip, msgs/s for a stream) is the median of its successful
 * rounds that ran in the run's usual core placement, flagged with every round's figure.
 *
 * <p>The VM this was written on moves its two vCPUs between placements whose floor differs several times
 * (about 120 ns most of the time, now and then 60 ns, or 240 to 490 ns). A round whose floor moved mixes
 * two machines; a round whose floor held still at another placement measured another machine than its
 * neighbours did, and mechanisms are only comparable on one machine. The usual placement is the floor
 * most of the run's steady rounds share (within {@link FloorDrift#THRESHOLD}; a tie goes to the lower
 * floor). A round counts when its floor held still at the usual placement; if no round of a mechanism
 * did, its rounds whose floor held still count; if none did, all its successful rounds. With an even
 * count it takes the worse of the two middle rounds, so a median never flatters.
 */
public final class MedianRound
{
    private MedianRound()
    {
    }

    /**
     * The run's usual placement: the mean floor that the most steady rounds (of every mechanism) share
     * within {@link FloorDrift#THRESHOLD}, the lower one on a tie.
     *
     * @param rounds every round of every mechanism.
     * @return the floor in ns, or 0 if no round succeeded with a steady floor.
     */
    public static double usualFloorNs(final Collection<Measured> rounds)
    {
        final List<Double> floors = rounds.stream()
            .map(Measured::row)
            .filter(row -> row.error() == null && !row.drift().moved())
            .map(row -> row.drift().meanNs())
            .sorted()
            .collect(Collectors.toList());
        double usual = 0;
        long most = 0;
        for (final double candidate : floors)
        {
            final long sharing = floors.stream().filter(floor -> atPlacement(floor, candidate)).count();
            if (sharing > most)
            {
                most = sharing;
                usual = candidate;
            }
        }
        return usual;
    }

    /**
     * Pick the median round.
     *
     * @param rounds       every round of one mechanism, in the order they ran; at least one.
     * @param usualFloorNs the run's {@link #usualFloorNs(Collection) usual placement}.
     * @return the only round if there is one; else the median successful round (usual placement first)
     *         with a flag listing all; else (every round failed) the last round.
     */
    public static Measured of(final List<Measured> rounds, final double usualFloorNs)
    {
        if (rounds.size() == 1)
        {
            return rounds.get(0);
        }
        final List<Measured> succeeded = rounds.stream()
            .filter(measured -> measured.row().error() == null)
            .collect(Collectors.toList());
        if (succeeded.isEmpty())
        {
            return rounds.get(rounds.size() - 1);
        }
        final List<Measured> steady = succeeded.stream()
            .filter(measured -> !measured.row().drift().moved())
            .collect(Collectors.toList());
        final List<Measured> usual = steady.stream()
            .filter(measured -> atPlacement(measured.row().drift().meanNs(), usualFloorNs))
            .collect(Collectors.toList());
        final List<Measured> counted = new ArrayList<>(
            !usual.isEmpty() ? usual : steady.isEmpty() ? succeeded : steady);
        counted.sort(Comparator.comparingDouble(MedianRound::worseFirst)); // a copy: the flag lists run order
        final Measured median = counted.get((counted.size() - 1) / 2);
        final int failedRounds = rounds.size() - succeeded.size();
        final String note = "median of " + counted.size() + " rounds: " + succeeded.stream()
            .map(measured -> figure(measured.row()) + placement(measured.row(), usualFloorNs))
            .collect(Collectors.joining(", "))
            + (failedRounds > 0 ? "; " + failedRounds + " failed" : "");
        final ResultRow row = median.row();
        return new Measured(row.withFlag(row.flag() == null ? note : row.flag() + "; " + note),
            median.footprint(), median.latency());
    }

    /**
     * Whether a floor lies within {@link FloorDrift#THRESHOLD} of a placement's floor.
     */
    private static boolean atPlacement(final double floorNs, final double placementFloorNs)
    {
        return Math.abs(floorNs - placementFloorNs) <= FloorDrift.THRESHOLD * placementFloorNs;
    }

    private static String placement(final ResultRow row, final double usualFloorNs)
    {
        if (row.drift().moved())
        {
            return " (floor moved)";
        }
        return atPlacement(row.drift().meanNs(), usualFloorNs)
            ? ""
            : String.format(Locale.ROOT, " (other placement: floor %.0f ns)", row.drift().meanNs());
    }

    /**
     * A sort key that puts the worse rounds first: a higher ratio to the floor, or fewer msgs/s.
     */
    private static double worseFirst(final Measured measured)
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

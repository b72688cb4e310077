package dev.evring.evtchn;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * SEMANTICS H2 and E22 under a soak: clients ({@link KilledClientMain}, several handles per process, each
 * stopped at a random stage of start-up or in use) killed with SIGKILL at random points, and the release of
 * every handle the hub had attached timed from the kill (to its request ring file being removed, the
 * last step of a release). Every release must take under a second ({@code evring.test.kills} killed
 * handles, 1,000 by default); the distribution is printed.
 */
@Timeout(value = 600, unit = TimeUnit.SECONDS)
class KillSoakTest
{
    private static final int KILLS = Integer.getInteger("evring.test.kills", 1000);
    private static final int HANDLES_PER_PROCESS = 40;
    private static final long RELEASE_LIMIT_MS = 1000;
    private static final long SEED = Long.getLong("evring.test.seed", 20261206L);

    @TempDir
    Path tmp;

    @Test
    void h2_everyClientKilledDuringStartUpOrUseIsReleasedWithinASecond() throws Exception
    {
        final Random random = new Random(SEED);
        final List<Long> releaseMs = new ArrayList<>();
        final List<Long> exitMs = new ArrayList<>();
        try (EvtchnHub hub = EvtchnHub.start(HubConfig.directory(tmp.resolve("hub"))))
        {
            Child next = start(hub, random);
            while (releaseMs.size() < KILLS)
            {
                final Child victim = next;
                final Map<Long, Path> attached = new HashMap<>();
                final int before = 1 + random.nextInt(HANDLES_PER_PROCESS);
                for (int i = 0; i < before; i++)
                {
                    final int domid = Integer.parseInt(victim.expect("OPENED", 60_000));
                    if (domid > 0)
                    {
                        final long id = hub.handleIdOf(domid);
                        attached.put(id, hub.directory().resolve(HubHandle.requestsFileName(id)));
                    }
                }
                LockSupport.parkNanos(TimeUnit.MICROSECONDS.toNanos(random.nextInt(5000))); // into the next handle's start-up
                final long killedAt = System.nanoTime();
                final CompletableFuture<Long> exitedAt = victim.process.onExit().thenApply(p -> System.nanoTime());
                victim.process.destroyForcibly();
                next = start(hub, random); // the next process starts up while this one's handles are released
                releaseMs.addAll(awaitReleases(attached.values(), killedAt));
                exitMs.add(TimeUnit.NANOSECONDS.toMillis(exitedAt.get(30, TimeUnit.SECONDS) - killedAt));
            }
            next.close();
            Conditions.await("every handle is released", () -> hub.handleCount() == 0);
            assertEquals(0, hub.allocatedPorts(), "no port is left behind");
            report(releaseMs, exitMs);
        }
    }

    private static Child start(final EvtchnHub hub, final Random random) throws Exception
    {
        return Child.start(KilledClientMain.class, hub.directory().toString(), String.valueOf(HANDLES_PER_PROCESS),
            String.valueOf(random.nextLong()));
    }

    /**
     * Wait for each file to go, noting when (polled every 100 microseconds).
     *
     * @return the milliseconds from the kill to each removal.
     */
    private static List<Long> awaitReleases(final Iterable<Path> files, final long killedAt) throws Exception
    {
        final List<Long> times = new ArrayList<>();
        final List<Path> left = new ArrayList<>();
        files.forEach(left::add);
        while (!left.isEmpty())
        {
            final long now = System.nanoTime();
            final long elapsedMs = TimeUnit.NANOSECONDS.toMillis(now - killedAt);
            assertTrue(elapsedMs < 30_000, left.size() + " handles of a killed client still attached after 30 s");
            for (int i = left.size() - 1; i >= 0; i--)
            {
                if (!Files.exists(left.get(i)))
                {
                    times.add(elapsedMs);
                    left.remove(i);
                }
            }
            LockSupport.parkNanos(TimeUnit.MICROSECONDS.toNanos(100));
        }
        return times;
    }

    /**
     * Print the distribution of release times (and of the processes' own exit times after SIGKILL, which
     * bound how soon the hub can see a connection end), and check the slowest release.
     */
    private static void report(final List<Long> releaseMs, final List<Long> exitMs)
    {
        final long[] releases = sorted(releaseMs);
        final long[] exits = sorted(exitMs);
        System.out.println("kill soak: " + releases.length + " handles of " + exits.length + " processes killed; "
            + "release ms from the kill " + distribution(releases) + " (over 100 ms: "
            + Arrays.stream(releases).filter(t -> t > 100).count() + "); process exit ms " + distribution(exits));
        assertTrue(releases[releases.length - 1] < RELEASE_LIMIT_MS, "slowest release "
            + releases[releases.length - 1] + " ms");
    }

    private static long[] sorted(final List<Long> values)
    {
        return values.stream().mapToLong(Long::longValue).sorted().toArray();
    }

    private static String distribution(final long[] sorted)
    {
        return "p50=" + at(sorted, 0.50) + " p90=" + at(sorted, 0.90) + " p99=" + at(sorted, 0.99) + " p100="
            + sorted[sorted.length - 1];
    }

    private static long at(final long[] sorted, final double quantile)
    {
        return sorted[Math.min(sorted.length - 1, (int)(quantile * sorted.length))];
    }
}

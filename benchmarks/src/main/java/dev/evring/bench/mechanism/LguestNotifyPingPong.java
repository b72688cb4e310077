package dev.evring.bench.mechanism;

import dev.evring.bench.harness.Measurement;
import dev.evring.bench.harness.Peer;
import dev.evring.bench.harness.PeerFailure;
import dev.evring.bench.harness.Pinning;
import dev.evring.bench.harness.RoundTrips;
import dev.evring.bench.harness.RunPlan;
import dev.evring.bench.harness.Watchdog;
import dev.evring.lguest.Lguest;
import dev.evring.lguest.RunResult;
import org.agrona.concurrent.UnsafeBuffer;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

/**
 * Round trips of the lguest launcher's exit path: peer A is the launcher, the guest JVM its child running
 * {@link NotifyLoopGuest}, which notifies an address no eventfd holds. One round trip is one
 * {@link Lguest#run(int)} call: it resumes the vCPU stopped in its last notify, and returns when the guest's
 * next notify exits to the launcher. The guest JVM inherits A's CPU; peer B moves it to its own CPU with
 * {@code taskset} (where it exists) and then parks until A is done, so launcher and guest each have a CPU.
 */
public final class LguestNotifyPingPong extends AbstractMechanism
{
    private static final int GUEST_PID = 0;
    private static final int GUEST_PLACED = 128;
    private static final int DONE = 256;
    private static final long GUEST_PAGES = 16;
    private static final long POLL_NS = TimeUnit.MILLISECONDS.toNanos(1);

    /**
     * The mechanism.
     */
    public LguestNotifyPingPong()
    {
        super("lguest-notify", "lguest: guest notify -> run() returns in the launcher (A) -> next run() resumes it; guest JVM "
            + "on B's CPU", false, RegionFlags.SETUP_PAGE);
    }

    /**
     * B parks while the guest has its CPU, and A's {@code run()} backs off to parking while it waits.
     *
     * @return false.
     */
    @Override
    public boolean peersSpin()
    {
        return false;
    }

    /**
     * {@inheritDoc}
     */
    @Override
    public Measurement initiate(final Peer peer) throws IOException
    {
        final RunPlan plan = peer.plan();
        final Watchdog watchdog = peer.watchdog();
        final UnsafeBuffer region = peer.control().region();
        final RoundTrips trips = new RoundTrips(plan.warmupRoundTrips(), plan.roundTrips(), plan.phaseCapMs());
        try (Lguest lguest = Lguest.open(Peer.JVM_ARGS))
        {
            lguest.initialize(peer.directory().resolve("guest.mem"), 0, GUEST_PAGES,
                NotifyLoopGuest.class.getName(), 1);
            region.putLongRelease(GUEST_PID, lguest.guestPid()); // release: the guest is started before B moves it
            while (region.getIntAcquire(GUEST_PLACED) == 0) // acquire: pairs with B's release
            {
                watchdog.check();
                LockSupport.parkNanos(POLL_NS);
            }
            for (long i = 0; trips.more(i); i++)
            {
                final long start = System.nanoTime();
                final RunResult result = GuestRunLoop.runToNotify(lguest, watchdog, name());
                trips.record(i, start, System.nanoTime());
                if (result.notifyAddress() != NotifyLoopGuest.ADDRESS)
                {
                    throw new PeerFailure("lguest-notify: the guest notified " + result.notifyAddress());
                }
            }
        }
        finally
        {
            region.putIntRelease(DONE, 1); // release: B stops parking
        }
        return Measurement.roundTrips(trips.histogram());
    }

    /**
     * {@inheritDoc}
     */
    @Override
    public void respond(final Peer peer) throws IOException, InterruptedException
    {
        final Watchdog watchdog = peer.watchdog();
        final UnsafeBuffer region = peer.control().region();
        long guestPid;
        while ((guestPid = region.getLongAcquire(GUEST_PID)) == 0) // acquire: pairs with A's release
        {
            watchdog.check();
            LockSupport.parkNanos(POLL_NS);
        }
        moveToThisCpu(guestPid);
        region.putIntRelease(GUEST_PLACED, 1); // release: the guest is on this CPU before A runs it
        while (region.getIntAcquire(DONE) == 0) // parked, not spinning: this CPU is the guest's now
        {
            watchdog.check();
            LockSupport.parkNanos(POLL_NS);
        }
    }

    private static void moveToThisCpu(final long pid) throws IOException, InterruptedException
    {
        final String taskset = Pinning.findOnPath("taskset");
        if (taskset == null)
        {
            return;
        }
        final String cpus = IntStream.of(Pinning.allowedCpus()).mapToObj(Integer::toString)
            .collect(Collectors.joining(","));
        final List<String> command = new ArrayList<>(List.of(taskset, "-a", "-p", "-c", cpus, Long.toString(pid)));
        final Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        final String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!process.waitFor(10, TimeUnit.SECONDS) || process.exitValue() != 0)
        {
            throw new PeerFailure(String.format(Locale.ROOT, "lguest-notify: %s failed: %s", command, output.strip()));
        }
    }
}

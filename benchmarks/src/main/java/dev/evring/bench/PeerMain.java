package dev.evring.bench;

import dev.evring.bench.harness.Measurement;
import dev.evring.bench.harness.Mechanism;
import dev.evring.bench.harness.Peer;
import dev.evring.bench.harness.PeerFailure;
import dev.evring.bench.harness.PeerReport;
import dev.evring.bench.harness.PeerRole;
import dev.evring.bench.harness.RunPlan;
import dev.evring.bench.harness.SharedControl;
import dev.evring.bench.harness.Watchdog;
import dev.evring.bench.mechanism.Floor;
import org.HdrHistogram.Histogram;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * The main class of a benchmark peer, a child JVM the coordinator starts (pinned to its own core) with
 * {@code ChildJvm}. Arguments: role ({@code initiator} or {@code responder}), mechanism name, run
 * directory, run plan. Both peers meet at each phase in the shared control block: the floor, the
 * mechanism, the floor again. Peer A then writes its {@link PeerReport}. A peer that fails marks itself
 * aborted, so its partner stops at once, and exits with status 1.
 */
public final class PeerMain
{
    private static final int PHASE_FLOOR_BEFORE = 1;
    private static final int PHASE_MECHANISM = 2;
    private static final int PHASE_FLOOR_AFTER = 3;
    private static final int PHASE_DONE = 4;

    private PeerMain()
    {
    }

    /**
     * Run one peer.
     *
     * @param args role, mechanism name, run directory, encoded {@link RunPlan}.
     */
    public static void main(final String[] args)
    {
        if (args.length != 4)
        {
            System.err.println("usage: PeerMain initiator|responder MECHANISM DIRECTORY PLAN");
            System.exit(2);
        }
        final long startNs = System.nanoTime();
        final PeerRole role;
        final Mechanism mechanism;
        final RunPlan plan;
        try
        {
            role = PeerRole.valueOf(args[0].toUpperCase(java.util.Locale.ROOT));
            mechanism = Mechanisms.byName(args[1]);
            plan = RunPlan.decode(args[3]);
        }
        catch (final IllegalArgumentException ex)
        {
            System.err.println("evring bench peer: " + ex.getMessage());
            System.exit(2);
            return;
        }
        final Path directory = Path.of(args[2]);
        final long deadlineNs = startNs + TimeUnit.MILLISECONDS.toNanos(plan.timeoutMs());
        int status = 0;
        try (SharedControl control = SharedControl.open(directory.resolve(SharedControl.FILE_NAME)))
        {
            control.register(role, ProcessHandle.current().pid());
            final Watchdog watchdog = new Watchdog(control, role, deadlineNs);
            try
            {
                run(new Peer(role, directory, control, watchdog, plan), mechanism);
            }
            catch (final Throwable ex)
            {
                control.abort(role);
                System.err.println("evring bench: " + mechanism.name() + " " + args[0] + " (pid "
                    + ProcessHandle.current().pid() + ") failed: " + ex);
                if (!(ex instanceof PeerFailure))
                {
                    ex.printStackTrace();
                }
                status = 1;
            }
        }
        catch (final Throwable ex)
        {
            System.err.println("evring bench: " + mechanism.name() + " " + args[0] + " could not start: " + ex);
            status = 1;
        }
        System.exit(status);
    }

    private static void run(final Peer peer, final Mechanism mechanism) throws Exception
    {
        final SharedControl control = peer.control();
        final Watchdog watchdog = peer.watchdog();
        final RunPlan plan = peer.plan();
        final boolean initiator = peer.role() == PeerRole.INITIATOR;

        control.meet(peer.role(), PHASE_FLOOR_BEFORE, watchdog);
        final Histogram floorBefore = floor(peer, initiator, plan);

        control.meet(peer.role(), PHASE_MECHANISM, watchdog);
        final ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        final long cpuStartNs = threads.getCurrentThreadCpuTime();
        final long wallStartNs = System.nanoTime();
        Measurement measurement = null;
        if (initiator)
        {
            measurement = mechanism.initiate(peer);
        }
        else
        {
            mechanism.respond(peer);
        }
        control.cpuShare(peer.role(), (threads.getCurrentThreadCpuTime() - cpuStartNs)
            / (double)Math.max(1, System.nanoTime() - wallStartNs));

        control.meet(peer.role(), PHASE_FLOOR_AFTER, watchdog);
        final Histogram floorAfter = floor(peer, initiator, plan);

        control.meet(peer.role(), PHASE_DONE, watchdog);
        if (initiator)
        {
            new PeerReport(floorBefore, measurement, floorAfter, control.pid(PeerRole.INITIATOR),
                control.pid(PeerRole.RESPONDER), control.cpuShare(PeerRole.INITIATOR),
                control.cpuShare(PeerRole.RESPONDER)).write(peer.directory().resolve(PeerReport.FILE_NAME));
        }
    }

    private static Histogram floor(final Peer peer, final boolean initiator, final RunPlan plan)
    {
        if (initiator)
        {
            return Floor.ping(peer.control(), peer.watchdog(), plan.floorWarmup(), plan.floorRoundTrips(),
                plan.phaseCapMs());
        }
        Floor.echo(peer.control(), peer.watchdog());
        return null;
    }
}

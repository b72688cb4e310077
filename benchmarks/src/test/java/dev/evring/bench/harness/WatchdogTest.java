package dev.evring.bench.harness;

import dev.evring.bench.PeerMain;
import dev.evring.ring.ChildJvm;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A peer never waits forever: it stops when its partner aborts, when its partner's process is gone, and
 * when the run's deadline passes.
 */
@Timeout(300)
class WatchdogTest
{
    private static final long TEST_BUDGET_MS = 120_000;

    @Test
    void checkFailsWhenPartnerAborted(@TempDir final Path dir) throws IOException
    {
        try (SharedControl control = SharedControl.create(dir.resolve("shared"), 0))
        {
            final Watchdog watchdog = new Watchdog(control, PeerRole.RESPONDER, System.nanoTime() + 60_000_000_000L);
            watchdog.check();

            control.abort(PeerRole.INITIATOR);

            assertTrue(assertThrows(PeerFailure.class, watchdog::check).getMessage().contains("initiator gave up"));
        }
    }

    @Test
    void checkFailsWhenDeadlinePassed(@TempDir final Path dir) throws IOException
    {
        try (SharedControl control = SharedControl.create(dir.resolve("shared"), 0))
        {
            final Watchdog watchdog = new Watchdog(control, PeerRole.INITIATOR, System.nanoTime() - 1);

            assertTrue(assertThrows(PeerFailure.class, watchdog::check).getMessage().contains("deadline"));
        }
    }

    @Test
    void responderWithDeadPartnerExitsInsteadOfHanging(@TempDir final Path dir) throws Exception
    {
        final Process gone = new ProcessBuilder(ChildJvm.command(NoOp.class.getName(), List.of())).start();
        assertTrue(gone.waitFor(60, TimeUnit.SECONDS));
        try (SharedControl control = SharedControl.create(dir.resolve(SharedControl.FILE_NAME), 0))
        {
            control.register(PeerRole.INITIATOR, gone.pid());
        }

        final Result result = runResponder(dir, new RunPlan(10, 10, 10, 10, 1, 1, 1_000, TEST_BUDGET_MS));

        assertEquals(1, result.exit, result.stderr);
        assertTrue(result.stderr.contains("(pid " + gone.pid() + ") is gone")
            || result.stderr.contains("(pid " + gone.pid() + ") died"), result.stderr);
    }

    @Test
    void responderWhosePartnerNeverComesStopsAtTheDeadline(@TempDir final Path dir) throws Exception
    {
        SharedControl.create(dir.resolve(SharedControl.FILE_NAME), 0).close();

        final Result result = runResponder(dir, new RunPlan(10, 10, 10, 10, 1, 1, 1_000, 1_500));

        assertEquals(1, result.exit, result.stderr);
        assertTrue(result.stderr.contains("deadline passed"), result.stderr);
    }

    private static Result runResponder(final Path dir, final RunPlan plan) throws Exception
    {
        final Process responder = new ProcessBuilder(ChildJvm.command(PeerMain.class.getName(), List.of(),
            PeerRole.RESPONDER.name().toLowerCase(Locale.ROOT), "floor", dir.toString(), plan.encode()))
            .redirectErrorStream(true)
            .start();
        final String output = new String(responder.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!responder.waitFor(TEST_BUDGET_MS, TimeUnit.MILLISECONDS))
        {
            responder.destroyForcibly();
            throw new AssertionError("the responder hung: " + output);
        }
        return new Result(responder.exitValue(), output);
    }

    private record Result(int exit, String stderr)
    {
    }

    /**
     * A child that exits at once, leaving a pid that is certainly gone.
     */
    static final class NoOp
    {
        public static void main(final String[] args)
        {
        }
    }
}

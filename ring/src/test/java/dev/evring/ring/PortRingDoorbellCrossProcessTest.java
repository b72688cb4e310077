package dev.evring.ring;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * R7 across processes: a reader JVM ({@link DoorbellReaderProcess}) sleeps on a {@link SocketDoorbell};
 * each round this JVM waits until the reader has announced its sleep, offers one port, and waits for the
 * reader's acknowledgement. A lost wake-up leaves the reader asleep and the round unacknowledged.
 */
@ExtendWith(RingLeakCheck.class)
final class PortRingDoorbellCrossProcessTest
{
    private static final int ROUNDS = 1000;
    private static final long ROUND_LIMIT_S = 30;
    private static final long CHILD_TIMEOUT_S = 120;

    private Process child;

    @TempDir(factory = ShmTempDir.class)
    Path dir;

    @AfterEach
    void killChild()
    {
        if (child != null)
        {
            child.destroyForcibly();
        }
    }

    @Test
    @Timeout(value = 180, unit = TimeUnit.SECONDS)
    void r7_sleepingReaderProcessIsWokenEveryRound() throws Exception
    {
        final Path ringFile = dir.resolve("ring");
        final Path ackFile = dir.resolve("acks");
        final Path socket = dir.resolve("ring.bell");
        try (PortRing ring = PortRing.create(ringFile, 64, 64, ReaderWaiting.DOORBELL);
            PortRing acks = PortRing.create(ackFile, 64, 64, ReaderWaiting.SPIN);
            SocketDoorbell bell = SocketDoorbell.bind(socket))
        {
            ring.doorbell(bell);
            child = ChildJvm.processBuilder(DoorbellReaderProcess.class,
                ringFile.toString(), ackFile.toString(), socket.toString(),
                Integer.toString(ROUNDS), Long.toString(CHILD_TIMEOUT_S))
                .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .start();
            final long wakeupsBefore = ring.wakeups();
            final int[] dst = new int[8];
            for (int round = 0; round < ROUNDS; round++)
            {
                final int current = round;
                Await.until(() -> ring.sleepers() == 1 || !child.isAlive(), ROUND_LIMIT_S, TimeUnit.SECONDS,
                    () -> "the reader process to sleep in round " + current);
                assertChildAlive("before round " + round);
                assertTrue(ring.offer(round));
                Await.until(() -> !acks.isEmpty() || !child.isAlive(), ROUND_LIMIT_S, TimeUnit.SECONDS,
                    () -> "the reader process to acknowledge round " + current + " (lost wake-up?), sleepers "
                    + ring.sleepers() + ", queued " + ring.size());
                if (acks.isEmpty())
                {
                    assertChildAlive("in round " + round);
                }
                assertEquals(1, acks.read(dst, 0, dst.length));
                assertEquals(round, dst[0]);
            }
            // Every round ended within its bound while the reader slept with a long timeout: no wake-up was
            // lost. A port that lands between the reader's announcement and its re-check is taken without
            // sleeping, so that round needs (and gets) no ring: at most one ring per round, never more.
            final long wakeups = ring.wakeups() - wakeupsBefore;
            assertTrue(wakeups > 0 && wakeups <= ROUNDS, "wake-ups " + wakeups + " for " + ROUNDS + " rounds");
            assertTrue(child.waitFor(ROUND_LIMIT_S, TimeUnit.SECONDS), "the reader process did not exit");
            assertEquals(0, child.exitValue(), "the reader process failed (see its stderr above)");
            assertTrue(ring.isEmpty());
        }
    }

    private void assertChildAlive(final String when)
    {
        if (!child.isAlive())
        {
            fail("the reader process died " + when + " with exit code " + child.exitValue());
        }
    }
}

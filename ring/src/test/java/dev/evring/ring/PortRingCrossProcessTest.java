package dev.evring.ring;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * R6 and R8 across processes: this JVM produces into a mapped ring file and resizes it mid-run while two
 * reader JVMs ({@link RingReaderProcess}) read it at once; together they must read every port exactly
 * once, each in increasing order. The number of ports is {@code -Devring.crossprocess.ports}
 * (default 20,000,000).
 */
@ExtendWith(RingLeakCheck.class)
final class PortRingCrossProcessTest
{
    private static final int PORTS = Integer.getInteger("evring.crossprocess.ports", 20_000_000);
    private static final int[] READER_ROOMS = { 64, 509 };
    private static final int INITIAL_CAPACITY = 256;
    private static final int MAX_CAPACITY = 1 << 16;
    private static final int RESIZES = Integer.numberOfTrailingZeros(MAX_CAPACITY / INITIAL_CAPACITY);
    private static final long CHILD_DEADLINE_S = 200;
    private static final long STARTUP_LIMIT_S = 60;
    private static final long EXIT_LIMIT_S = 60;
    private static final long STALL_LIMIT_NS = TimeUnit.SECONDS.toNanos(60);

    private final List<Process> children = new ArrayList<>();

    @TempDir(factory = ShmTempDir.class)
    Path dir;

    @AfterEach
    void killChildren()
    {
        children.forEach(Process::destroyForcibly);
    }

    @Test
    @Timeout(value = 240, unit = TimeUnit.SECONDS)
    void r6_twoReaderProcessesReadEveryPortOnceWhileTheProducerResizes() throws Exception
    {
        final Path ringFile = dir.resolve("ring");
        final Path doneMarker = dir.resolve("done");
        try (PortRing ring = PortRing.create(ringFile, INITIAL_CAPACITY, MAX_CAPACITY, ReaderWaiting.SPIN))
        {
            for (int c = 0; c < READER_ROOMS.length; c++)
            {
                startReader(ringFile, doneMarker, c, READER_ROOMS[c]);
            }
            awaitReady();

            int resizes = 0;
            int port = 0;
            long lastProgress = System.nanoTime();
            while (port < PORTS)
            {
                if (Thread.interrupted())
                {
                    throw new InterruptedException("stopped at port " + port);
                }
                int room = ring.capacity() - ring.size();
                if (room == 0)
                {
                    assertChildrenAlive("while the producer waits for room at port " + port);
                    if (System.nanoTime() - lastProgress > STALL_LIMIT_NS)
                    {
                        fail("the reader processes stopped reading at port " + port);
                    }
                    Thread.yield();
                    continue;
                }
                lastProgress = System.nanoTime();
                while (room-- > 0 && port < PORTS)
                {
                    if (!ring.offer(port))
                    {
                        fail("unplanned overflow offering " + port);
                    }
                    port++;
                    if ((port & 0xFFFF) == 0)
                    {
                        assertChildrenAlive("at port " + port);
                    }
                    if (resizes < RESIZES && port == (long)PORTS * (resizes + 1) / (RESIZES + 1))
                    {
                        ring.resize(ring.capacity() << 1); // while both readers read
                        resizes++;
                        room = 0;
                    }
                }
            }
            Files.createFile(doneMarker);
            assertEquals(MAX_CAPACITY, ring.capacity(), "every resize happened");

            final BitSet union = new BitSet(PORTS);
            long read = 0;
            for (int c = 0; c < children.size(); c++)
            {
                final Process child = children.get(c);
                assertTrue(child.waitFor(EXIT_LIMIT_S, TimeUnit.SECONDS), "reader " + c + " did not finish");
                assertEquals(0, child.exitValue(), "reader " + c + " failed (see its stderr above)");
                final BitSet seen = BitSet.valueOf(Files.readAllBytes(bitmap(c)));
                assertTrue(seen.cardinality() > 0, "reader " + c + " read nothing");
                assertFalse(union.intersects(seen), "reader " + c + " read a port the other reader read");
                union.or(seen);
                read += seen.cardinality();
            }
            assertEquals(PORTS, read, "no port read twice");
            assertEquals(PORTS, union.cardinality(), "no port lost");
            assertEquals(PORTS, union.nextClearBit(0));
            assertEquals(PORTS, ring.consumerIndex());
        }
    }

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void aReaderProcessThatDiesEarlyFailsTheRunPromptly() throws Exception
    {
        final long start = System.nanoTime();
        startReader(dir.resolve("no-such-ring"), dir.resolve("done"), 0, 64);
        final AssertionError failure = assertThrows(AssertionError.class, this::awaitReady);
        assertTrue(failure.getMessage().contains("died"), failure.getMessage());
        assertTrue(System.nanoTime() - start < TimeUnit.SECONDS.toNanos(STARTUP_LIMIT_S),
            "detected before the start-up limit, from the exit rather than a timeout");
    }

    private void startReader(final Path ringFile, final Path doneMarker, final int index, final int room)
        throws IOException
    {
        final Process child = ChildJvm.processBuilder(RingReaderProcess.class,
            ringFile.toString(),
            doneMarker.toString(),
            ready(index).toString(),
            bitmap(index).toString(),
            Integer.toString(PORTS),
            Integer.toString(room),
            Long.toString(CHILD_DEADLINE_S))
            .redirectOutput(ProcessBuilder.Redirect.DISCARD)
            .start();
        children.add(child);
    }

    private void awaitReady() throws InterruptedException
    {
        Await.until(() ->
        {
            boolean allReady = true;
            for (int c = 0; c < children.size(); c++)
            {
                if (!children.get(c).isAlive())
                {
                    return true;
                }
                allReady &= Files.exists(ready(c));
            }
            return allReady;
        }, STARTUP_LIMIT_S, TimeUnit.SECONDS, () -> "the reader processes to open the ring");
        assertChildrenAlive("before it was ready");
    }

    private void assertChildrenAlive(final String when)
    {
        for (int c = 0; c < children.size(); c++)
        {
            final Process child = children.get(c);
            if (!child.isAlive())
            {
                fail("reader process " + c + " died " + when + " with exit code " + child.exitValue());
            }
        }
    }

    private Path ready(final int index)
    {
        return dir.resolve("ready-" + index);
    }

    private Path bitmap(final int index)
    {
        return dir.resolve("read-" + index + ".bitmap");
    }
}

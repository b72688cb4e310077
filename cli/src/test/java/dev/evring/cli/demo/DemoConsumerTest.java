package dev.evring.cli.demo;

import dev.evring.evtchn.Evtchn;
import dev.evring.evtchn.EvtchnHub;
import dev.evring.evtchn.HubConfig;
import dev.evring.ring.ChildJvm;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A consumer JVM on its own, driven like the demo drives it: it connects to domain 0 and pings it, reports
 * running figures, and never outlives the demo or the hub: the end of its input (the demo died) stops it
 * cleanly, a hub that goes away makes it fail at once, and a command it does not know is an error.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
final class DemoConsumerTest
{
    private static final long WAIT_S = 60;

    @TempDir
    Path temp;

    private final List<Process> started = new ArrayList<>();

    @AfterEach
    void killLeftovers()
    {
        started.forEach(Process::destroyForcibly);
    }

    @Test
    void pingsDomain0AndStopsCleanlyWhenTheDemoGoesAway() throws Exception
    {
        try (EvtchnHub hub = EvtchnHub.start(HubConfig.directory(temp.resolve("hub")).timerPeriod(Duration.ofMillis(5)));
            Evtchn domain0 = hub.openLocal())
        {
            final Consumer consumer = start(hub, DemoIdle.BLOCK);
            final int domid = consumer.expectInt(DemoProtocol.DOMID);
            final int port = domain0.bindUnboundPort(domid);
            consumer.send(DemoProtocol.HUB + ' ' + port);
            consumer.expectInt(DemoProtocol.PORT);
            consumer.send(DemoProtocol.TIMER);
            consumer.expectInt(DemoProtocol.PORT);
            consumer.send(DemoProtocol.GO);

            long echoes = 0;
            while (echoes < 100)
            {
                final int fired = domain0.awaitPending(WAIT_S, TimeUnit.SECONDS);
                assertEquals(port, fired, "the consumer pings domain 0's port");
                domain0.unmask(port);
                domain0.notify(port);
                echoes++;
            }
            String stat;
            do
            {
                stat = consumer.next();
            }
            while (!stat.startsWith(DemoProtocol.STAT + ' ') || Long.parseLong(stat.split(" ")[2]) < 99);

            consumer.endInput();

            final List<String> rest = consumer.remaining();
            assertEquals(DemoProtocol.DONE, rest.get(rest.size() - 1), "DONE comes last: " + rest);
            assertTrue(rest.get(rest.size() - 2).startsWith(DemoProtocol.STAT + ' '), "a last STAT before DONE: " + rest);
            assertEquals(0, consumer.exitStatus());
        }
    }

    @Test
    void failsAtOnceWhenTheHubGoesAway() throws Exception
    {
        final Consumer consumer;
        try (EvtchnHub hub = EvtchnHub.start(HubConfig.directory(temp.resolve("hub"))))
        {
            consumer = start(hub, DemoIdle.SPIN);
            consumer.expectInt(DemoProtocol.DOMID);
            consumer.send(DemoProtocol.TIMER);
            consumer.expectInt(DemoProtocol.PORT);
            consumer.send(DemoProtocol.GO);
            assertTrue(consumer.next().startsWith(DemoProtocol.STAT + ' '));
        }

        final List<String> rest = consumer.remaining();
        assertTrue(rest.get(rest.size() - 1).startsWith(DemoProtocol.FAILED + " ENODEV"), "the last line says why: " + rest);
        assertEquals(1, consumer.exitStatus());
    }

    @Test
    void anUnknownCommandIsAFailure() throws Exception
    {
        try (EvtchnHub hub = EvtchnHub.start(HubConfig.directory(temp.resolve("hub"))))
        {
            final Consumer consumer = start(hub, DemoIdle.YIELD);
            consumer.expectInt(DemoProtocol.DOMID);
            consumer.send("dance");

            assertEquals(List.of(DemoProtocol.FAILED + " unknown demo command 'dance'"), consumer.remaining());
            assertEquals(1, consumer.exitStatus());
        }
    }

    @Test
    void noHubIsAFailureThatSaysSo() throws Exception
    {
        final Process process = ChildJvm.processBuilder(DemoConsumer.class, temp.resolve("nothing").toString(), "block").start();
        started.add(process);
        final Consumer consumer = new Consumer(process);

        final List<String> rest = consumer.remaining();
        assertEquals(1, rest.size(), rest.toString());
        assertTrue(rest.get(0).startsWith(DemoProtocol.FAILED + " ENODEV"), rest.get(0));
        assertEquals(1, consumer.exitStatus());
    }

    private Consumer start(final EvtchnHub hub, final DemoIdle idle) throws IOException
    {
        final Process process = ChildJvm.processBuilder(DemoConsumer.class, hub.directory().toString(), idle.label()).start();
        started.add(process);
        return new Consumer(process);
    }

    /**
     * One consumer JVM and its pipes.
     */
    private static final class Consumer
    {
        private final Process process;
        private final PrintWriter input;
        private final BufferedReader output;

        Consumer(final Process process)
        {
            this.process = process;
            this.input = new PrintWriter(process.getOutputStream(), true, StandardCharsets.UTF_8);
            this.output = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
        }

        void send(final String command)
        {
            input.println(command);
        }

        void endInput()
        {
            input.close();
        }

        /**
         * The next line; the process's output is a pipe, so a dead consumer ends it and this never hangs
         * past the test's timeout.
         */
        String next() throws IOException
        {
            final String line = output.readLine();
            assertTrue(line != null, "the consumer's output ended");
            return line;
        }

        int expectInt(final String keyword) throws IOException
        {
            final String line = next();
            assertTrue(line.startsWith(keyword + ' '), "expected " + keyword + ", got: " + line);
            return Integer.parseInt(line.substring(keyword.length() + 1));
        }

        /**
         * Every line until the output ends.
         */
        List<String> remaining() throws IOException
        {
            final List<String> lines = new ArrayList<>();
            String line;
            while ((line = output.readLine()) != null)
            {
                lines.add(line);
            }
            return lines;
        }

        int exitStatus() throws InterruptedException
        {
            assertTrue(process.waitFor(WAIT_S, TimeUnit.SECONDS), "the consumer did not exit");
            assertFalse(process.isAlive());
            return process.exitValue();
        }
    }
}

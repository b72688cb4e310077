package dev.evring.bridge;

import dev.evring.evtchn.Evtchn;
import dev.evring.evtchn.EvtchnException;
import dev.evring.evtchn.HandleOptions;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.BitSet;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * A client domain in a process of its own, on the hub in {@code args[0]} (with {@code args[1]}, a spin bound in
 * microseconds for the ping-pong's waits: see {@link #await}): prints {@code DOMID d}, then runs
 * one command a line: {@code alloc <dom>}, {@code bind <dom> <port>} (checks that the new port is left
 * pending, then unmasks it), {@code notify|unbind|unmask <port>}, {@code take <ms>} (the next fired port or
 * -1, left masked), {@code ping|pong <port> <rounds>} (answering {@code DONE <rounds done> <ms> <waits that
 * blocked>}), and for many channels at once {@code allocn <dom> <n>},
 * {@code bindn <dom> <port,...>} (their pending deliveries taken and unmasked), {@code notifyall} and
 * {@code takeall <ms>} (the number of distinct ports of the set fired, unmasked again), {@code exit}. A refused call prints {@code FAILED
 * <errno>} and the client goes on.
 */
public final class ClientMain
{
    private ClientMain()
    {
    }

    /**
     * Run the client.
     *
     * @param args the hub directory, and optionally the ping-pong's spin bound in microseconds.
     * @throws Exception on any failure but a refused call.
     */
    public static void main(final String[] args) throws Exception
    {
        final BufferedReader commands = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        HandleOptions options = HandleOptions.defaults();
        if (args.length > 1)
        {
            spinBoundNs = TimeUnit.MICROSECONDS.toNanos(Long.parseLong(args[1]));
            options = options.spinBeforeSleep(Duration.ZERO); // the spin is await's own
        }
        try (Evtchn xce = Evtchn.open(Path.of(args[0]), options))
        {
            System.out.println("DOMID " + xce.domid());
            for (String line = commands.readLine(); line != null && !line.equals("exit"); line = commands.readLine())
            {
                try
                {
                    System.out.println(run(xce, line.trim().split(" ")));
                }
                catch (final EvtchnException ex)
                {
                    System.out.println("FAILED " + ex.errno() + " " + ex.getMessage());
                }
            }
        }
    }

    private static int[] many = new int[0];
    /** The ping-pong's spin bound, or -1 to wait as the handle's default options say. */
    private static long spinBoundNs = -1;
    /** The ping-pong's waits that went to sleep in {@code awaitPending}. */
    private static long blocked;

    private static String run(final Evtchn xce, final String[] words) throws Exception
    {
        switch (words[0])
        {
            case "allocn":
                many = new int[Integer.parseInt(words[2])];
                for (int i = 0; i < many.length; i++)
                {
                    many[i] = xce.bindUnboundPort(Integer.parseInt(words[1]));
                }
                return "PORTS " + join(many);
            case "bindn":
                final String[] remote = words[2].split(",");
                many = new int[remote.length];
                for (int i = 0; i < many.length; i++)
                {
                    many[i] = xce.bindInterdomain(Integer.parseInt(words[1]), Integer.parseInt(remote[i]));
                }
                return "PORTS " + takeAll(xce, 10_000) + " " + join(many);
            case "notifyall":
                for (final int port : many)
                {
                    xce.notify(port);
                }
                return "NOTIFIED " + many.length;
            case "takeall":
                return "GOT " + takeAll(xce, Long.parseLong(words[1]));
            case "alloc":
                return "PORT " + xce.bindUnboundPort(Integer.parseInt(words[1]));
            case "bind":
                final int port = xce.bindInterdomain(Integer.parseInt(words[1]), Integer.parseInt(words[2]));
                final int first = xce.awaitPending(10, TimeUnit.SECONDS);
                if (first != port)
                {
                    return "NOT-PENDING " + port + " " + first;
                }
                xce.unmask(port);
                return "PORT " + port;
            case "notify":
                xce.notify(Integer.parseInt(words[1]));
                return "NOTIFIED";
            case "unbind":
                xce.unbind(Integer.parseInt(words[1]));
                return "UNBOUND";
            case "unmask":
                xce.unmask(Integer.parseInt(words[1]));
                return "UNMASKED";
            case "take":
                return "GOT " + xce.awaitPending(Long.parseLong(words[1]), TimeUnit.MILLISECONDS);
            case "ping":
            case "pong":
                final long start = System.nanoTime();
                final int done = pingPong(xce, Integer.parseInt(words[1]), Integer.parseInt(words[2]), words[0].equals("ping"));
                return "DONE " + done + " " + TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start) + " " + blocked;
            default:
                return "UNKNOWN " + String.join(" ", words);
        }
    }

    private static String join(final int[] ports)
    {
        return Arrays.stream(ports).mapToObj(Integer::toString).collect(Collectors.joining(","));
    }

    /**
     * Take fired ports until every port of the set came once or the time is up, unmasking each.
     *
     * @return the number of distinct ports of the set that fired.
     */
    private static int takeAll(final Evtchn xce, final long timeoutMs) throws Exception
    {
        final BitSet wanted = new BitSet();
        for (final int port : many)
        {
            wanted.set(port);
        }
        final long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
        int seen = 0;
        while (seen < many.length)
        {
            final int fired = xce.awaitPending(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            if (fired < 0)
            {
                break;
            }
            if (wanted.get(fired))
            {
                wanted.clear(fired);
                seen++;
            }
            xce.unmask(fired);
        }
        return seen;
    }

    /**
     * A ping-pong: each side waits for its port, checks it came once, unmasks and notifies back. A lost
     * wake-up stops it at the round it happened (the wait times out).
     *
     * @return the rounds completed.
     */
    private static int pingPong(final Evtchn xce, final int port, final int rounds, final boolean first) throws Exception
    {
        if (first)
        {
            xce.notify(port);
        }
        for (int i = 0; i < rounds; i++)
        {
            final int fired = await(xce);
            if (fired != port || xce.pending() != -1)
            {
                return i;
            }
            xce.unmask(port);
            if (!first || i + 1 < rounds)
            {
                xce.notify(port);
            }
        }
        return rounds;
    }

    /**
     * A ping-pong's wait for the next fired port, at most 30 s. Without a spin bound it is
     * {@code awaitPending}, spinning and sleeping as the handle's default options say (each wait counted as
     * blocked). With one, it polls {@code pending()} for a random time below the bound, yielding the core
     * between looks, and only then, counted as blocked, calls {@code awaitPending} on a handle opened with no
     * spin of its own: it announces itself as a sleeper and sleeps until the hub rings its doorbell. The
     * random spin moves that announcement around the moment the notify arrives, the window a lost wake-up
     * needs.
     */
    private static int await(final Evtchn xce) throws Exception
    {
        if (spinBoundNs >= 0)
        {
            final long start = System.nanoTime();
            final long spinNs = spinBoundNs == 0 ? 0 : ThreadLocalRandom.current().nextLong(spinBoundNs);
            do
            {
                final int fired = xce.pending();
                if (fired >= 0)
                {
                    return fired;
                }
                Thread.yield();
            }
            while (System.nanoTime() - start < spinNs);
        }
        blocked++;
        return xce.awaitPending(30, TimeUnit.SECONDS);
    }
}

package dev.evring.bridge;

import dev.evring.evtchn.Evtchn;
import dev.evring.evtchn.EvtchnException;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.BitSet;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * A client domain in a process of its own, on the hub in {@code args[0]}: prints {@code DOMID d}, then runs
 * one command a line: {@code alloc <dom>}, {@code bind <dom> <port>} (checks that the new port is left
 * pending, then unmasks it), {@code notify|unbind|unmask <port>}, {@code take <ms>} (the next fired port or
 * -1, left masked), {@code ping|pong <port> <rounds>}, and for many channels at once {@code allocn <dom> <n>},
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
     * @param args the hub directory.
     * @throws Exception on any failure but a refused call.
     */
    public static void main(final String[] args) throws Exception
    {
        final BufferedReader commands = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        try (Evtchn xce = Evtchn.open(Path.of(args[0])))
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
                return "DONE " + done + " " + TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
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
            final int fired = xce.awaitPending(30, TimeUnit.SECONDS);
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
}

package dev.evring.evtchn;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * A domain in a child JVM, driven by commands on stdin, answering on stdout:
 * {@code alloc <domid>} binds an unbound port for a domain, {@code bind <domid> <port>} connects to one,
 * {@code ping <n>} / {@code pong <n>} run a ping-pong (the pinger notifies first), {@code block}
 * waits in awaitPending until something happens, {@code notify <port>}, {@code exit}.
 */
public final class PeerMain
{
    private PeerMain()
    {
    }

    /**
     * Run the peer.
     *
     * @param args the hub directory.
     * @throws Exception on any failure (the parent sees the exit status and stderr).
     */
    public static void main(final String[] args) throws Exception
    {
        final BufferedReader commands = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        try (Evtchn xce = Evtchn.open(Path.of(args[0])))
        {
            System.out.println("DOMID " + xce.domid());
            int port = -1;
            String line;
            while ((line = commands.readLine()) != null)
            {
                final String[] words = line.trim().split(" ");
                switch (words[0])
                {
                    case "alloc":
                        port = xce.bindUnboundPort(Integer.parseInt(words[1]));
                        System.out.println("PORT " + port);
                        break;
                    case "bind":
                        port = xce.bindInterdomain(Integer.parseInt(words[1]), Integer.parseInt(words[2]));
                        if (xce.awaitPending(10, TimeUnit.SECONDS) != port)
                        {
                            throw new IllegalStateException("the new port was not left pending");
                        }
                        xce.unmask(port);
                        System.out.println("PORT " + port);
                        break;
                    case "ping":
                    case "pong":
                        final long start = System.nanoTime();
                        final int rounds = Integer.parseInt(words[1]);
                        final int received = pingPong(xce, port, rounds, words[0].equals("ping"));
                        System.out.println("DONE " + received + " " + TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start));
                        break;
                    case "notify":
                        xce.notify(Integer.parseInt(words[1]));
                        System.out.println("NOTIFIED");
                        break;
                    case "block":
                        System.out.println("BLOCKING");
                        try
                        {
                            System.out.println("GOT " + xce.awaitPending(60, TimeUnit.SECONDS));
                        }
                        catch (final EvtchnException ex)
                        {
                            System.out.println("FAILED " + ex.errno());
                        }
                        break;
                    case "exit":
                        return;
                    default:
                        throw new IllegalArgumentException("unknown command " + line);
                }
                System.out.flush();
            }
        }
        catch (final EvtchnException ex)
        {
            System.out.println("FAILED " + ex.errno() + " " + ex.getMessage());
        }
    }

    private static int pingPong(final Evtchn xce, final int port, final int rounds, final boolean first)
        throws Exception
    {
        int received = 0;
        if (first)
        {
            xce.notify(port);
        }
        for (int i = 0; i < rounds; i++)
        {
            final int fired = xce.awaitPending(30, TimeUnit.SECONDS);
            if (fired != port)
            {
                throw new IllegalStateException("round " + i + ": expected port " + port + ", got " + fired);
            }
            if (xce.pending() != -1)
            {
                throw new IllegalStateException("round " + i + ": delivered twice before unmask");
            }
            received++;
            xce.unmask(port);
            if (!first || i + 1 < rounds)
            {
                xce.notify(port);
            }
        }
        return received;
    }
}

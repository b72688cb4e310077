package dev.evring.cli.demo;

import dev.evring.evtchn.Evtchn;
import dev.evring.evtchn.EvtchnException;
import dev.evring.evtchn.EvtchnHub;
import dev.evring.evtchn.Virq;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * A consumer JVM of {@code evring demo}: one {@link Evtchn} handle, a domain of its own, driven by the demo
 * over standard input and answering on standard output ({@link DemoProtocol}). Once told {@code go} it runs
 * a {@link DemoLoop} until {@code stop}, the end of its input (the demo died), or a failure of the hub.
 *
 * <p>Run by the demo as {@code java ... dev.evring.cli.demo.DemoConsumer <hub directory> <idle mode>}.
 */
public final class DemoConsumer
{
    private static final long SETUP_WAIT_S = 30;
    private static final long REPORT_PERIOD_NS = TimeUnit.MILLISECONDS.toNanos(250);

    private final Evtchn xce;
    private final DemoLoop loop;
    private final BufferedReader input;
    private final PrintStream output;
    private volatile boolean stopped;

    private DemoConsumer(final Evtchn xce, final DemoIdle idle, final BufferedReader input, final PrintStream output)
    {
        this.xce = xce;
        this.loop = new DemoLoop(xce, idle);
        this.input = input;
        this.output = output;
    }

    /**
     * Run one consumer.
     *
     * @param args the hub directory and the idle mode ({@link DemoIdle}).
     */
    public static void main(final String[] args)
    {
        final PrintStream output = System.out;
        if (args.length != 2)
        {
            output.println(DemoProtocol.failed("usage: DemoConsumer <hub directory> <" + DemoIdle.choices() + ">"));
            output.flush();
            System.exit(2);
        }
        final BufferedReader input = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        int status = 0;
        try (Evtchn xce = Evtchn.open(Path.of(args[0])))
        {
            new DemoConsumer(xce, DemoIdle.parse(args[1]), input, output).serve();
        }
        catch (final EvtchnException | RuntimeException ex)
        {
            output.println(DemoProtocol.failed(ex.getMessage()));
            status = 1;
        }
        catch (final InterruptedException | IOException ex)
        {
            output.println(DemoProtocol.failed(ex.toString()));
            status = 1;
        }
        catch (final InternalError ex) // the JVM's answer to SIGBUS on a mapped file: a full or shrunk tmpfs
        {
            output.println(DemoProtocol.failed("a shared-memory page could not be touched (" + ex.getMessage()
                + "): is /dev/shm full?"));
            status = 1;
        }
        output.flush();
        System.exit(status);
    }

    private void serve() throws EvtchnException, InterruptedException, IOException
    {
        reply(DemoProtocol.DOMID + ' ' + xce.domid());
        String line;
        while ((line = input.readLine()) != null)
        {
            final String[] words = line.strip().split(" ");
            switch (words[0])
            {
                case DemoProtocol.ALLOC:
                    final int unbound = xce.bindUnboundPort(Integer.parseInt(words[1]));
                    loop.addInitiator(unbound);
                    reply(DemoProtocol.PORT + ' ' + unbound);
                    break;
                case DemoProtocol.BIND:
                    final int echo = connect(Integer.parseInt(words[1]), Integer.parseInt(words[2]));
                    loop.addEcho(echo);
                    reply(DemoProtocol.PORT + ' ' + echo);
                    break;
                case DemoProtocol.HUB:
                    final int toHub = connect(EvtchnHub.HUB_DOMID, Integer.parseInt(words[1]));
                    loop.addInitiator(toHub);
                    reply(DemoProtocol.PORT + ' ' + toHub);
                    break;
                case DemoProtocol.TIMER:
                    final int timerPort = xce.bindVirq(Virq.TIMER);
                    loop.addTimer(timerPort);
                    reply(DemoProtocol.PORT + ' ' + timerPort);
                    break;
                case DemoProtocol.GO:
                    watchForStop();
                    loop.run(() -> stopped, REPORT_PERIOD_NS, current -> reply(DemoProtocol.stat(current)));
                    reply(DemoProtocol.DONE);
                    return;
                case DemoProtocol.STOP:
                    return;
                default:
                    throw new IllegalArgumentException("unknown demo command '" + line + "'");
            }
        }
    }

    /**
     * Bind interdomain and take the new port, which starts pending (another port that fires first is
     * unmasked and skipped).
     */
    private int connect(final int remoteDomid, final int remotePort) throws EvtchnException, InterruptedException
    {
        final int port = xce.bindInterdomain(remoteDomid, remotePort);
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(SETUP_WAIT_S);
        while (true)
        {
            final int fired = xce.awaitPending(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            if (fired == port)
            {
                xce.unmask(port);
                return port;
            }
            if (fired < 0)
            {
                throw new IllegalStateException("new port " + port + " was not delivered within " + SETUP_WAIT_S + " s");
            }
            xce.unmask(fired); // a timer tick or an early event on another port: not an answer to anything yet
        }
    }

    /**
     * Stop the loop on {@code stop} or at the end of the input, which is how a consumer sees that the demo
     * died, however it died.
     */
    private void watchForStop()
    {
        final Thread watcher = new Thread(() ->
        {
            try
            {
                String line;
                do
                {
                    line = input.readLine();
                }
                while (line != null && !line.strip().equals(DemoProtocol.STOP));
            }
            catch (final IOException ex)
            {
                // the pipe is gone: stop as at the end of input
            }
            stopped = true;
        }, "demo-consumer-stdin");
        watcher.setDaemon(true);
        watcher.start();
    }

    private void reply(final String line)
    {
        output.println(line);
        output.flush();
    }
}

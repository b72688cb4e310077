package dev.evring.lguest;

import dev.evring.evtchn.Evtchn;

import java.io.OutputStream;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * A device backend in its own JVM for the evtchn target test: binds a port for the launcher's domain, prints
 * "domid port", then answers every event on it with an event back, until it has seen the given number;
 * then waits for the end of its standard input before it closes its handle.
 */
public final class EvtchnBackend
{
    private EvtchnBackend()
    {
    }

    /**
     * Run the backend.
     *
     * @param args the hub directory, the launcher's domid, the number of events to answer.
     * @throws Exception on any failure, which the test sees as a non-zero exit.
     */
    public static void main(final String[] args) throws Exception
    {
        final long expected = Long.parseLong(args[2]);
        try (Evtchn backend = Evtchn.open(Path.of(args[0])))
        {
            final int port = backend.bindUnboundPort(Integer.parseInt(args[1]));
            System.out.println(backend.domid() + " " + port);
            System.out.flush();
            for (long seen = 0; seen < expected; seen++)
            {
                final int fired = backend.awaitPending(30, TimeUnit.SECONDS);
                if (fired != port)
                {
                    throw new IllegalStateException("expected an event on " + port + ", got " + fired);
                }
                backend.unmask(port);
                backend.notify(port);
            }
            System.in.transferTo(OutputStream.nullOutputStream()); // close only when the test has every answer
        }
    }
}

package dev.evring.examples;

import dev.evring.evtchn.Evtchn;
import dev.evring.evtchn.EvtchnHub;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.concurrent.TimeUnit;

/**
 * A handle in its own JVM (its own domain) on the hub of {@link HubExample}: binds an unbound port for
 * domain 0, publishes {@code <domid> <port>} in the rendezvous file, waits for the hub's notify and
 * answers it.
 */
public final class HandleExample
{
    private HandleExample()
    {
    }

    /**
     * Run one exchange.
     *
     * @param args the hub directory and the rendezvous file.
     * @throws Exception if there is no hub or it never notifies.
     */
    public static void main(final String[] args) throws Exception
    {
        final Path rendezvous = Path.of(args[1]);
        try (Evtchn xce = Evtchn.open(Path.of(args[0])))   // EvtchnException ENODEV: no live hub there
        {
            final int port = xce.bindUnboundPort(EvtchnHub.HUB_DOMID);
            final Path partial = rendezvous.resolveSibling(rendezvous.getFileName() + ".tmp");
            Files.writeString(partial, xce.domid() + " " + port);
            Files.move(partial, rendezvous, StandardCopyOption.ATOMIC_MOVE);   // the hub never reads half a line
            System.out.println("handle: domain " + xce.domid() + " waits on port " + port);
            final int fired = xce.awaitPending(30, TimeUnit.SECONDS);
            if (fired != port)
            {
                throw new IllegalStateException("no notify from the hub (got " + fired + ")");
            }
            xce.unmaskAndNotify(port);                      // unmask and answer in one request
            System.out.println("handle: notified on port " + port + ", answered");
        }
    }
}

package dev.evring.examples;

import dev.evring.evtchn.Evtchn;
import dev.evring.evtchn.EvtchnHub;
import dev.evring.evtchn.HubConfig;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * An event-channel hub (domain 0) that talks to a handle in another JVM ({@link HandleExample}). The two
 * exchange their port the way Xen guests use xenstore, here through a small file: the handle binds an
 * unbound port for domain 0 and writes {@code <domid> <port>} to the rendezvous file; the hub connects to
 * it with {@code bindInterdomain}, notifies it, and waits for the handle's notify back.
 *
 * <pre>
 *   java @jvm.options -cp ... dev.evring.examples.HubExample /dev/shm/my-hub /dev/shm/my-hub.port
 *   java @jvm.options -cp ... dev.evring.examples.HandleExample /dev/shm/my-hub /dev/shm/my-hub.port
 * </pre>
 */
public final class HubExample
{
    private HubExample()
    {
    }

    /**
     * Run the hub for one exchange.
     *
     * @param args the hub directory and the rendezvous file.
     * @throws Exception if the hub cannot start or the handle never answers.
     */
    public static void main(final String[] args) throws Exception
    {
        final Path rendezvous = Path.of(args[1]);
        try (EvtchnHub hub = EvtchnHub.start(HubConfig.directory(Path.of(args[0])));
            Evtchn dom0 = hub.openLocal())
        {
            System.out.println("hub: ready in " + hub.directory());
            final List<String> words = List.of(awaitFile(rendezvous).split(" "));
            final int domid = Integer.parseInt(words.get(0));
            final int local = dom0.bindInterdomain(domid, Integer.parseInt(words.get(1)));
            if (dom0.pending() != local)              // a new interdomain port starts pending
            {
                throw new IllegalStateException("port " + local + " was not pending after its bind");
            }
            dom0.unmask(local);
            dom0.notify(local);
            final int fired = dom0.awaitPending(30, TimeUnit.SECONDS);
            if (fired != local)
            {
                throw new IllegalStateException("no notify back from domain " + domid + " (got " + fired + ")");
            }
            dom0.unmask(fired);
            System.out.println("hub: domain " + domid + " answered on port " + local);
        }
    }

    private static String awaitFile(final Path file) throws Exception
    {
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!Files.exists(file))
        {
            if (System.nanoTime() > deadline)
            {
                throw new IllegalStateException("no handle wrote " + file);
            }
            Thread.sleep(10);
        }
        return Files.readString(file).strip();
    }
}

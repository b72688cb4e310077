package dev.evring.examples;

import dev.evring.evtchn.Evtchn;
import dev.evring.evtchn.Virq;

import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.file.Path;

/**
 * An event channel in a {@link Selector} loop, next to whatever else the loop serves (sockets, pipes):
 * {@link Evtchn#selectable()} is readable while ports are pending, like {@code xenevtchn_fd()} in a
 * {@code poll} loop. This one counts {@code VIRQ_TIMER} ticks of a running hub.
 *
 * <pre>
 *   java @jvm.options -cp ... dev.evring.examples.SelectorLoop /dev/shm/evring-$USER/demo 5
 * </pre>
 */
public final class SelectorLoop
{
    private SelectorLoop()
    {
    }

    /**
     * Count timer ticks.
     *
     * @param args the hub directory and how many ticks to wait for.
     * @throws Exception if there is no hub or no tick comes within 10 s.
     */
    public static void main(final String[] args) throws Exception
    {
        final int ticks = Integer.parseInt(args[1]);
        try (Evtchn xce = Evtchn.open(Path.of(args[0]));
            Selector selector = Selector.open())
        {
            final int timer = xce.bindVirq(Virq.TIMER);
            xce.selectable().register(selector, SelectionKey.OP_READ, xce);
            int seen = 0;
            while (seen < ticks)
            {
                if (selector.select(10_000) == 0)
                {
                    throw new IllegalStateException("no event within 10 s");
                }
                for (final SelectionKey key : selector.selectedKeys())
                {
                    final Evtchn ready = (Evtchn)key.attachment();
                    int port;
                    while ((port = ready.pending()) >= 0)   // take every pending port; -1 when the ring is empty
                    {
                        if (port == timer)
                        {
                            seen++;
                        }
                        ready.unmask(port);
                    }
                }
                selector.selectedKeys().clear();
            }
            System.out.println("selector: " + seen + " timer ticks on port " + timer);
        }
    }
}

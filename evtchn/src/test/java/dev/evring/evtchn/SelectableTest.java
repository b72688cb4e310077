package dev.evring.evtchn;

import dev.evring.ring.Errno;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * {@link Evtchn#selectable()} with a java.nio {@link Selector}, and the async listener.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class SelectableTest
{
    @TempDir
    Path tmp;

    @Test
    void selectableIsReadableExactlyWhilePortsArePendingForRemoteAndLocalHandles() throws Exception
    {
        final EvtchnHub hub = EvtchnHub.start(HubConfig.directory(tmp.resolve("hub")));
        try (Evtchn a = SeparateDomains.open(hub.directory());
            Evtchn remote = SeparateDomains.open(hub.directory());
            Evtchn local = hub.openLocal();
            Selector selector = Selector.open())
        {
            for (final Evtchn b : new Evtchn[] {remote, local})
            {
                final int pa = a.bindUnboundPort(b.domid());
                final SelectionKey key = b.selectable().register(selector, SelectionKey.OP_READ);
                final int pb = b.bindInterdomain(a.domid(), pa);
                assertEquals(1, selector.select(10_000), "the new port is pending");
                selector.selectedKeys().clear();
                assertEquals(pb, b.pending());
                assertEquals(-1, b.pending());
                assertEquals(0, selector.selectNow(), "not readable once the ring was found empty");
                for (int round = 0; round < 200; round++)
                {
                    b.unmask(pb);
                    Conditions.await("unmasked", () -> hub.portStatus(pb).enabled());
                    a.notify(pa);
                    assertEquals(1, selector.select(10_000), "round " + round);
                    selector.selectedKeys().clear();
                    assertEquals(pb, b.pending());
                    assertEquals(-1, b.pending());
                    assertEquals(0, selector.selectNow());
                }
                key.cancel();
                selector.selectNow();
            }
            final AtomicInteger calls = new AtomicInteger();
            remote.onPending(calls::incrementAndGet);
            remote.selectable().register(selector, SelectionKey.OP_READ);
            hub.close();
            assertEquals(1, selector.select(10_000), "the hub going away wakes the selector");
            Conditions.await("the listener hears of it", () -> calls.get() == 1);
            assertEquals(Errno.ENODEV, assertThrows(EvtchnException.class, remote::pending).errno());
        }
        finally
        {
            hub.close();
        }
    }
}

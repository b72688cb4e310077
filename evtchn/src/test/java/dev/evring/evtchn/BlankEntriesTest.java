package dev.evring.evtchn;

import dev.evring.ring.PortRing;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Entries an unbind blanks in a handle's ring do not count as pending (E15, E16): the poll mask and the
 * selectable channel report POLLIN only for ports a read would return.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class BlankEntriesTest
{
    @TempDir
    Path tmp;

    /** Two channels from dom0 to the handle: {{dom0 port, handle port}, {dom0 port, handle port}}. */
    private static int[][] twoChannels(final Evtchn dom0, final Evtchn handle) throws Exception
    {
        final int[][] channels = new int[2][];
        for (int i = 0; i < 2; i++)
        {
            final int remote = handle.bindUnboundPort(EvtchnHub.HUB_DOMID);
            final int local = dom0.bindInterdomain(handle.domid(), remote);
            assertEquals(local, dom0.awaitPending(10, TimeUnit.SECONDS));
            dom0.unmask(local);
            channels[i] = new int[] {local, remote};
        }
        return channels;
    }

    @Test
    void e15_ringHoldingOnlyBlanksAfterUnbindReportsNoPollin() throws Exception
    {
        try (EvtchnHub hub = EvtchnHub.start(HubConfig.directory(tmp.resolve("hub")));
            Evtchn dom0 = hub.openLocal();
            Evtchn remote = SeparateDomains.open(hub.directory());
            Evtchn local = hub.openLocal())
        {
            for (final Evtchn handle : new Evtchn[] {remote, local})
            {
                final int[][] channels = twoChannels(dom0, handle);
                dom0.notify(channels[1][0]);
                assertEquals(PortRing.POLLIN | PortRing.POLLOUT, handle.pollMask());
                handle.unbind(channels[1][1]); // its only entry is blanked
                assertEquals(PortRing.POLLOUT, handle.pollMask(), "nothing a read would return");
                assertEquals(-1, handle.pending());
                dom0.notify(channels[0][0]);
                assertEquals(PortRing.POLLIN | PortRing.POLLOUT, handle.pollMask());
                assertEquals(channels[0][1], handle.pending());
                handle.unmask(channels[0][1]);
            }
        }
    }

    @Test
    void e15_blanksLeftBehindATakenPortReportNoPollinAndSelectableStaysQuiet() throws Exception
    {
        try (EvtchnHub hub = EvtchnHub.start(HubConfig.directory(tmp.resolve("hub")));
            Evtchn dom0 = hub.openLocal();
            Evtchn handle = SeparateDomains.open(hub.directory());
            Selector selector = Selector.open())
        {
            final int[][] channels = twoChannels(dom0, handle);
            handle.selectable().register(selector, SelectionKey.OP_READ);
            dom0.notify(channels[0][0]);
            dom0.notify(channels[1][0]);
            handle.unbind(channels[1][1]); // the ring now holds the first port, then a blank
            assertEquals(1, selector.select(10_000));
            selector.selectedKeys().clear();
            assertEquals(channels[0][1], handle.pending());
            assertEquals(PortRing.POLLOUT, handle.pollMask(), "only a blank is left");
            assertEquals(0, selector.selectNow(), "the pipe was drained when the ring held only a blank");

            handle.unmask(channels[0][1]);
            dom0.notify(channels[0][0]);
            assertEquals(1, selector.select(10_000), "a real port makes it readable again");
            final int[] ports = new int[4];
            assertEquals(1, handle.read(ports, 0, 4));
            assertEquals(channels[0][1], ports[0]);
        }
    }
}

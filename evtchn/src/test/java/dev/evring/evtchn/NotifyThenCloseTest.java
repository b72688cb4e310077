package dev.evring.evtchn;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * A notify is a request word the handle posts to its request ring; closing the handle right after must
 * not lose it (as the kernel's notify is a hypercall that has happened when it returns): the hub applies
 * the words a handle posted before it releases the handle.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
final class NotifyThenCloseTest
{
    @TempDir
    Path dir;

    @Test
    void e18_notifyImmediatelyFollowedByCloseIsDelivered() throws Exception
    {
        try (EvtchnHub hub = EvtchnHub.start(HubConfig.directory(dir.resolve("hub")));
            Evtchn receiver = SeparateDomains.open(hub.directory()))
        {
            for (int round = 0; round < 300; round++)
            {
                final int port;
                final int remote;
                try (Evtchn sender = SeparateDomains.open(hub.directory()))
                {
                    port = receiver.bindUnboundPort(sender.domid());
                    remote = sender.bindInterdomain(receiver.domid(), port);
                    sender.notify(remote);
                }
                assertEquals(port, receiver.awaitPending(10, TimeUnit.SECONDS),
                    "round " + round + ": the notify posted just before close was lost");
                receiver.unmask(port);
                receiver.unbind(port);
            }
        }
    }
}

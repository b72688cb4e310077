package dev.evring.evtchn;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;

/**
 * A client process to be killed with SIGKILL at a random point of its start-up or use: it opens
 * handles one after another, each stopped at a random stage (connected without a hello; attached;
 * attached with a port; a full {@link Evtchn} handle with a channel to itself that a thread keeps
 * notifying), and prints {@code OPENED <domid>} for each handle the hub attached (or
 * {@code OPENED -1} for a bare connection). Arguments: the hub directory, the number of handles, a seed.
 * It never exits by itself.
 */
public final class KilledClientMain
{
    private static final List<Object> HELD = new ArrayList<>();

    private KilledClientMain()
    {
    }

    /**
     * Open handles until killed.
     *
     * @param args the hub directory, how many handles, a seed.
     * @throws Exception on a failure of the client itself.
     */
    public static void main(final String[] args) throws Exception
    {
        final Path dir = Path.of(args[0]);
        final int count = Integer.parseInt(args[1]);
        final Random random = new Random(Long.parseLong(args[2]));
        for (int i = 0; i < count; i++)
        {
            System.out.println("OPENED " + open(dir, random.nextInt(4), (ProcessHandle.current().pid() << 20) + i));
            System.out.flush();
        }
        Thread.currentThread().join(); // until killed
    }

    /**
     * Open one handle, in a domain of its own: the process id it announces is made of the real one.
     */
    private static int open(final Path dir, final int stage, final long processId) throws Exception
    {
        switch (stage)
        {
            case 0:
                final SocketChannel bare = SocketChannel.open(StandardProtocolFamily.UNIX);
                bare.connect(UnixDomainSocketAddress.of(dir.resolve(HubDirectory.SOCKET_FILE)));
                HELD.add(bare);
                return -1;
            case 1:
            case 2:
                final RawClient raw = new RawClient(dir, processId);
                if (stage == 2)
                {
                    raw.request(Protocol.OP_BIND_UNBOUND_PORT, 1, 0);
                    raw.readReply(10_000);
                }
                HELD.add(raw);
                return raw.domid;
            default:
                return inUse(dir, processId);
        }
    }

    /**
     * A handle in use: a channel to its own domain, pinged by a daemon thread until the process dies.
     */
    private static int inUse(final Path dir, final long processId) throws IOException
    {
        final Evtchn handle = Evtchn.open(dir, HandleOptions.defaults().processId(processId));
        final int port = handle.bindUnboundPort(EvtchnHub.DOMID_SELF);
        final int peer = handle.bindInterdomain(EvtchnHub.DOMID_SELF, port);
        final Thread pinger = new Thread(() ->
        {
            try
            {
                while (true)
                {
                    handle.notify(port);
                    final int fired = handle.awaitPending(1, TimeUnit.SECONDS);
                    if (fired > 0)
                    {
                        handle.unmask(fired);
                    }
                }
            }
            catch (final EvtchnException | InterruptedException ex)
            {
                // the hub went away: the test is over
            }
        }, "pinger-" + peer);
        pinger.setDaemon(true);
        pinger.start();
        HELD.add(handle);
        return handle.domid();
    }
}

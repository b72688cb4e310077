package dev.evring.evtchn;

import dev.evring.ring.Errno;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;

/**
 * A process of another user that talks to a hub's socket directly, skipping every check a handle makes
 * first (as a hostile process would): it says hello and prints the hub's answer, {@code REFUSED <errno>}
 * or {@code WELCOMED}, or {@code CLOSED} if the hub closed without a word.
 */
public final class StrangerMain
{
    private StrangerMain()
    {
    }

    /**
     * Say hello to the hub.
     *
     * @param args the hub directory.
     * @throws IOException if the socket cannot be reached.
     */
    public static void main(final String[] args) throws IOException
    {
        try (SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX))
        {
            channel.connect(UnixDomainSocketAddress.of(Path.of(args[0]).resolve(HubDirectory.SOCKET_FILE)));
            final ByteBuffer hello = ByteBuffer.allocate(Protocol.MAX_REQUEST_LENGTH).order(Protocol.ORDER);
            try
            {
                Protocol.writeFully(channel, Protocol.putRequest(hello, Protocol.OP_HELLO, 0, (int)ProcessHandle.current().pid(), 0));
            }
            catch (final IOException ex)
            {
                // the hub may have refused and closed first: its answer is still to be read
            }
            final ByteBuffer answer = ByteBuffer.allocate(Protocol.EVENT_FRAME_LENGTH).order(Protocol.ORDER);
            if (!Protocol.readFully(channel, answer))
            {
                System.out.println("CLOSED");
            }
            else if (answer.getInt(0) == Protocol.TYPE_REFUSED)
            {
                System.out.println("REFUSED " + Errno.of(answer.getInt(4)));
            }
            else
            {
                System.out.println("WELCOMED");
            }
        }
    }
}

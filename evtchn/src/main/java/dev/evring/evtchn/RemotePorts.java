package dev.evring.evtchn;

import dev.evring.ring.Errno;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.status.AtomicCounter;

import java.nio.file.Path;

/**
 * The hub's side of its remote domains: what the bridge asks of the hub when a message arrives from a
 * peer. Returned by {@link RemoteDomainHost#attachRemoteDomains(RemoteDomains)}. Every method takes the
 * hub's lock for a short, bounded time and is safe from any thread.
 */
public interface RemotePorts
{
    /**
     * The hub's directory: the bridge keeps its own files (the embedded media driver's directory) there.
     *
     * @return the directory.
     */
    Path directory();

    /**
     * Allocate a counter in the hub's counters file, shown by {@code evring stat} with the hub's own.
     *
     * @param label its label.
     * @return the counter; it stays until the hub closes.
     * @throws IllegalStateException if the counters file has no room left.
     */
    AtomicCounter newCounter(String label);

    /**
     * Allocate a counter of a type of its own, with a key, in the hub's counters file: something other than a
     * count, which readers that know the type decode from the key ({@code evring stat} shows the bridge's
     * domid map this way). {@link HubCounters#snapshot()} leaves it out.
     *
     * @param typeId its type, not {@link HubCountersDescriptor#COUNT_TYPE_ID}.
     * @param key    its key, at most {@link org.agrona.concurrent.status.CountersReader#MAX_KEY_LENGTH} bytes
     *               (all of the buffer's capacity is copied).
     * @param label  its label.
     * @return the counter; it stays until closed or the hub closes.
     * @throws IllegalStateException    if the counters file has no room left.
     * @throws IllegalArgumentException for the count type id or a key too long.
     */
    AtomicCounter newCounter(int typeId, DirectBuffer key, String label);

    /**
     * A remote domain binds to a local unbound port (E3, validated here, by the hub that owns the port):
     * the port must be unbound for {@code remoteDomid}; it becomes connected to {@code remotePort}.
     *
     * @param domid       the local domain that owns the port.
     * @param port        the local port.
     * @param remoteDomid the local domid that stands for the binding remote domain.
     * @param remotePort  the binding side's new port.
     * @return null when connected, else why not ({@link Errno#ESRCH} for no such domain,
     * {@link Errno#EINVAL} for a port that is not unbound for that remote domain, {@link Errno#ENODEV}
     * for a closed hub).
     */
    Errno connect(int domid, int port, int remoteDomid, int remotePort);

    /**
     * A notify from the remote end: fire {@code port} if it is still connected to exactly that end
     * (masking and coalescing are the hub's, as for a local notify); otherwise nothing happens.
     *
     * @param port        the local port.
     * @param remoteDomid the local domid that stands for the notifying domain.
     * @param remotePort  the notifying port.
     * @return true if the port was fired.
     */
    boolean fire(int port, int remoteDomid, int remotePort);

    /**
     * The remote end closed: {@code port}, if still connected to exactly that end, goes back to unbound,
     * waiting for {@code remoteDomid} (E17).
     *
     * @param port        the local port.
     * @param remoteDomid the local domid that stands for the remote domain.
     * @param remotePort  the remote port that closed.
     * @return true if the port went back to unbound.
     */
    boolean disconnect(int port, int remoteDomid, int remotePort);

    /**
     * A peer is lost: every local port connected to a domain in {@code [fromDomid, toDomid)} goes back to
     * unbound, waiting for that domain (B5).
     *
     * @param fromDomid the first domid of the peer's range.
     * @param toDomid   the end of the range (exclusive).
     * @return the number of ports put back to unbound.
     */
    int disconnectAll(int fromDomid, int toDomid);

    /**
     * The bridge stops: the hub forgets it. Ports still connected to remote domains go back to unbound
     * first; binds to remote domains fail with {@link Errno#ESRCH} from then on.
     */
    void detach();
}

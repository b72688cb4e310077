package dev.evring.bridge;

import org.agrona.DirectBuffer;
import org.agrona.concurrent.status.CountersReader;

import java.util.ArrayList;
import java.util.List;

import static dev.evring.bridge.BridgeMapDescriptor.HOST_SPAN_OFFSET;
import static dev.evring.bridge.BridgeMapDescriptor.HOST_TIMEOUT_MS_OFFSET;
import static dev.evring.bridge.BridgeMapDescriptor.HOST_TYPE_ID;
import static dev.evring.bridge.BridgeMapDescriptor.ORDER;
import static dev.evring.bridge.BridgeMapDescriptor.PEER_FIRST_DOMID_OFFSET;
import static dev.evring.bridge.BridgeMapDescriptor.PEER_SPAN_OFFSET;
import static dev.evring.bridge.BridgeMapDescriptor.PEER_TYPE_ID;

/**
 * A snapshot of a bridge's domid map (B1) as its hub's counters file holds it ({@link BridgeMapDescriptor}):
 * which local domid is which domain of which peer hub, and which peers are up. Any process can take one from
 * the counters of a hub it maps ({@code HubCounters.map(directory).reader()}); in the hub's own process
 * {@link EvtchnBridge#remoteDomainOf(int)} answers the same question.
 *
 * <pre>{@code
 * try (HubCounters counters = HubCounters.map(hubDirectory))
 * {
 *     final BridgeMap map = BridgeMap.read(counters.reader());
 *     final RemoteDomain domain = map.remoteDomainOf(2049); // domid 2049 = b:1
 * }
 * }</pre>
 */
public final class BridgeMap
{
    private final String hostLabel;
    private final String hostName;
    private final int span;
    private final List<PeerRange> peers;

    /**
     * One peer's range of local domids.
     *
     * @param name       the peer's host name.
     * @param firstDomid the local domid that stands for the peer's domain 0.
     * @param span       how many domids the range holds.
     * @param up         whether the peer had proved itself and was alive when the snapshot was taken.
     * @param label      its counter's label, e.g. {@code "peer b at 127.0.0.3:40100: domids 2048..4095 = b:0..2047"}.
     */
    public record PeerRange(String name, int firstDomid, int span, boolean up, String label)
    {
        /**
         * Whether a local domid falls in this range.
         *
         * @param localDomid a local domid.
         * @return true if it stands for one of this peer's domains.
         */
        public boolean holds(final int localDomid)
        {
            return localDomid >= firstDomid && localDomid - firstDomid < span;
        }
    }

    private BridgeMap(final String hostLabel, final String hostName, final int span, final List<PeerRange> peers)
    {
        this.hostLabel = hostLabel;
        this.hostName = hostName;
        this.span = span;
        this.peers = List.copyOf(peers);
    }

    /**
     * Take a snapshot of the map in a hub's counters. Entries whose key does not decode are left out.
     *
     * @param counters the hub's counters ({@code HubCounters#reader()}).
     * @return the map; {@link #isEmpty()} if the hub runs no bridge.
     */
    public static BridgeMap read(final CountersReader counters)
    {
        final String[] host = new String[2];
        final int[] hostSpan = new int[1];
        final List<PeerRange> peers = new ArrayList<>();
        counters.forEach((CountersReader.MetaData)(counterId, typeId, key, label) ->
        {
            final String name = BridgeMapDescriptor.name(key);
            if (name == null)
            {
                return;
            }
            if (typeId == HOST_TYPE_ID && host[0] == null && isSpan(key.getInt(HOST_SPAN_OFFSET, ORDER)))
            {
                host[0] = label;
                host[1] = name;
                hostSpan[0] = key.getInt(HOST_SPAN_OFFSET, ORDER);
            }
            else if (typeId == PEER_TYPE_ID && isRange(key))
            {
                peers.add(new PeerRange(name, key.getInt(PEER_FIRST_DOMID_OFFSET, ORDER), key.getInt(PEER_SPAN_OFFSET, ORDER),
                    counters.getCounterValue(counterId) == 1, label));
            }
        });
        return new BridgeMap(host[0], host[1], hostSpan[0], peers);
    }

    /**
     * Whether the hub runs no bridge (no map in its counters).
     *
     * @return true if there is nothing to show.
     */
    public boolean isEmpty()
    {
        return hostName == null;
    }

    /**
     * The host name of the hub's bridge.
     *
     * @return the name, or null if {@link #isEmpty()}.
     */
    public String hostName()
    {
        return hostName;
    }

    /**
     * The hub's own domids are {@code 0 .. domidSpan()-1}; each peer's range is as long.
     *
     * @return the span, or 0 if {@link #isEmpty()}.
     */
    public int domidSpan()
    {
        return span;
    }

    /**
     * The peers' ranges, in the bridge's configured order.
     *
     * @return the ranges.
     */
    public List<PeerRange> peers()
    {
        return peers;
    }

    /**
     * Which remote domain a local domid stands for.
     *
     * @param localDomid a domid of the local hub.
     * @return the remote domain, or null for one of the hub's own domids or a domid no peer's range holds.
     */
    public RemoteDomain remoteDomainOf(final int localDomid)
    {
        for (final PeerRange peer : peers)
        {
            if (peer.holds(localDomid))
            {
                return new RemoteDomain(localDomid, peer.name(), localDomid - peer.firstDomid());
            }
        }
        return null;
    }

    /**
     * The map as {@code evring stat} prints it: the bridge, the hub's own domids, then one line per peer
     * with its state.
     *
     * @return the lines, none if {@link #isEmpty()}.
     */
    public List<String> lines()
    {
        final List<String> lines = new ArrayList<>();
        if (isEmpty())
        {
            return lines;
        }
        lines.add(hostLabel);
        lines.add("local domids 0.." + (span - 1) + " = " + hostName + "'s own domains");
        for (final PeerRange peer : peers)
        {
            lines.add(peer.label() + (peer.up() ? " (up)" : " (down)"));
        }
        return lines;
    }

    private static boolean isSpan(final int span)
    {
        return span > 0 && span <= BridgeConfig.MAX_DOMID_SPAN;
    }

    private static boolean isRange(final DirectBuffer key)
    {
        final int first = key.getInt(PEER_FIRST_DOMID_OFFSET, ORDER);
        final int span = key.getInt(PEER_SPAN_OFFSET, ORDER);
        return isSpan(span) && first > 0 && first <= Integer.MAX_VALUE - span;
    }
}

package dev.evring.bridge;

import java.net.InetSocketAddress;

/**
 * A hub on another host that a bridge exchanges channels with: its host name and the address its bridge
 * listens on.
 *
 * @param name    the peer's host name, as its own bridge is configured ({@link BridgeConfig#hostName()}).
 * @param address the UDP address its bridge listens on.
 */
public record BridgePeer(String name, InetSocketAddress address)
{
    /**
     * A peer.
     *
     * @param name    the peer's host name.
     * @param address where its bridge listens.
     */
    public BridgePeer
    {
        BridgeConfig.checkName(name);
        if (address == null || address.isUnresolved())
        {
            throw new IllegalArgumentException("peer " + name + " needs a resolved address, not " + address);
        }
    }

    /**
     * The address as {@code host:port}.
     *
     * @return the endpoint of an Aeron channel.
     */
    public String endpoint()
    {
        return BridgeConfig.endpoint(address);
    }
}

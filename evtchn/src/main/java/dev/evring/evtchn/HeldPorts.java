package dev.evring.evtchn;

import java.util.concurrent.atomic.AtomicLongArray;

/**
 * The ports a handle holds, and which of them are bound to a virq: one bit per port, set when a bind
 * returns and cleared by an unbind, so that the non-blocking calls ({@code unmask}, {@code notify}) check a
 * port here without asking the hub. Thread-safe: bits change with compare-and-set, reads are plain loads
 * of one word.
 */
final class HeldPorts
{
    private final int maxPorts;
    private final AtomicLongArray bound;
    private final AtomicLongArray virqs;

    /**
     * No port held yet.
     *
     * @param maxPorts the hub's port range: ports 1 to {@code maxPorts - 1}.
     */
    HeldPorts(final int maxPorts)
    {
        this.maxPorts = maxPorts;
        this.bound = new AtomicLongArray((maxPorts + 63) >>> 6);
        this.virqs = new AtomicLongArray((maxPorts + 63) >>> 6);
    }

    /**
     * Record a port the hub bound for this handle; a port out of range is ignored.
     *
     * @param port  the port.
     * @param isVirq whether it is bound to a virq.
     */
    void add(final int port, final boolean isVirq)
    {
        if (isVirq)
        {
            changeBit(virqs, port, true);
        }
        changeBit(bound, port, true);
    }

    /**
     * Forget a port the hub unbound.
     *
     * @param port the port.
     */
    void remove(final int port)
    {
        changeBit(bound, port, false);
        changeBit(virqs, port, false);
    }

    /**
     * Whether this handle holds a port.
     *
     * @param port any int.
     * @return true if it is in range and held.
     */
    boolean isBound(final int port)
    {
        return port > 0 && port < maxPorts && testBit(bound, port);
    }

    /**
     * Whether a port this handle holds is bound to a virq.
     *
     * @param port a held port.
     * @return true for a virq port.
     */
    boolean isVirq(final int port)
    {
        return testBit(virqs, port);
    }

    private static boolean testBit(final AtomicLongArray bits, final int port)
    {
        return (bits.get(port >>> 6) & (1L << port)) != 0;
    }

    private void changeBit(final AtomicLongArray bits, final int port, final boolean set)
    {
        if (port <= 0 || port >= maxPorts)
        {
            return;
        }
        final int index = port >>> 6;
        final long bit = 1L << port;
        long word;
        do
        {
            word = bits.get(index);
        }
        while (!bits.compareAndSet(index, word, set ? word | bit : word & ~bit));
    }
}

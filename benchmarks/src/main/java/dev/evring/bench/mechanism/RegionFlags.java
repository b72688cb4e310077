package dev.evring.bench.mechanism;

import dev.evring.bench.harness.Watchdog;
import org.agrona.concurrent.UnsafeBuffer;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * The setup handshake of the mechanisms whose peers meet through words of the shared region: one peer
 * releases a non-zero word (a port, a domid plus one, a ready flag), the other waits for it.
 */
final class RegionFlags
{
    /** The region a mechanism asks for whose peers share only setup words: one page. */
    static final int SETUP_PAGE = 4096;
    /** How long a peer parks between looks at a setup word. */
    static final long SETUP_POLL_NS = TimeUnit.MICROSECONDS.toNanos(100);

    private RegionFlags()
    {
    }

    /**
     * Wait until the partner has released a non-zero value at an offset of the region.
     *
     * @param region   the mechanism's region.
     * @param offset   the word's offset.
     * @param watchdog gives up if the partner died.
     * @return the value.
     */
    static int awaitNonZero(final UnsafeBuffer region, final int offset, final Watchdog watchdog)
    {
        int value;
        // acquire: pairs with the partner's release of the value
        while ((value = region.getIntAcquire(offset)) == 0)
        {
            watchdog.check();
            LockSupport.parkNanos(SETUP_POLL_NS);
        }
        return value;
    }
}

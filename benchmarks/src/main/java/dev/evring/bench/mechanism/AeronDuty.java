package dev.evring.bench.mechanism;

import dev.evring.bench.harness.PeerFailure;
import dev.evring.bench.harness.Watchdog;
import io.aeron.Publication;
import io.aeron.Subscription;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.AgentInvoker;

import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;

/**
 * What an Aeron peer does while it waits: the driver's duty cycle (if it runs one), the client conductor's,
 * and now and then the watchdog; and the waits of the Aeron mechanisms built on it.
 */
final class AeronDuty
{
    private final AgentInvoker driver;
    private final AgentInvoker client;
    private final Watchdog watchdog;
    private long spins;

    /**
     * A peer's duty.
     *
     * @param driver   the embedded driver's invoker, or null if the peer uses another's driver.
     * @param client   the client conductor's invoker.
     * @param watchdog the peer's watchdog.
     */
    AeronDuty(final AgentInvoker driver, final AgentInvoker client, final Watchdog watchdog)
    {
        this.driver = driver;
        this.client = client;
        this.watchdog = watchdog;
    }

    /**
     * One duty cycle of the driver and the client, and the watchdog every {@link Watchdog#CHECK_MASK} + 1 calls.
     */
    void idle()
    {
        if (driver != null)
        {
            driver.invoke();
        }
        client.invoke();
        if ((++spins & Watchdog.CHECK_MASK) == 0)
        {
            watchdog.check();
        }
    }

    /**
     * Offer a message until the publication takes it, running the duty cycle while it pushes back.
     *
     * @param name    the mechanism, for the failure message.
     * @param out     the publication.
     * @param message the message.
     * @param length  its length.
     * @throws PeerFailure if the publication refuses it for good.
     */
    void offer(final String name, final Publication out, final DirectBuffer message, final int length)
    {
        long result;
        while ((result = out.offer(message, 0, length)) < 0)
        {
            if (result == Publication.CLOSED || result == Publication.MAX_POSITION_EXCEEDED)
            {
                throw new PeerFailure(name + ": the publication refused the message for good (" + result + ")");
            }
            idle(); // back pressured or not yet connected: the driver's work frees the window
        }
    }

    /**
     * Run the duty cycle until both streams are connected, parking between looks (setup, not timed).
     *
     * @param out the publication.
     * @param in  the subscription.
     */
    void awaitConnected(final Publication out, final Subscription in)
    {
        awaitConnected(() -> out.isConnected() && in.isConnected());
    }

    /**
     * Run the duty cycle until a peer's streams are connected, parking between looks (setup, not timed).
     *
     * @param connected whether they are.
     */
    void awaitConnected(final BooleanSupplier connected)
    {
        while (!connected.getAsBoolean())
        {
            idle();
            LockSupport.parkNanos(RegionFlags.SETUP_POLL_NS);
        }
    }
}

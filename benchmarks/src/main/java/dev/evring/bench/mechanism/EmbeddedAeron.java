package dev.evring.bench.mechanism;

import dev.evring.bench.harness.Peer;
import io.aeron.Aeron;
import io.aeron.driver.MediaDriver;
import org.agrona.CloseHelper;

/**
 * A peer's own Aeron: an invoker-mode media driver in a directory of the run
 * ({@link AeronPingPong#driverContext}), a client on it, and the {@link AeronDuty} that runs both from the
 * peer's loop.
 */
final class EmbeddedAeron implements AutoCloseable
{
    private final MediaDriver driver;
    private final Aeron aeron;
    private final AeronDuty duty;

    /**
     * Launch the driver and connect.
     *
     * @param peer      the peer.
     * @param directory the driver's directory's name in the run directory.
     */
    EmbeddedAeron(final Peer peer, final String directory)
    {
        driver = MediaDriver.launch(AeronPingPong.driverContext(peer.directory().resolve(directory)));
        try
        {
            aeron = AeronPingPong.connect(driver.aeronDirectoryName(), driver.sharedAgentInvoker());
        }
        catch (final RuntimeException ex)
        {
            driver.close();
            throw ex;
        }
        duty = new AeronDuty(driver.sharedAgentInvoker(), aeron.conductorAgentInvoker(), peer.watchdog());
    }

    /**
     * The client.
     *
     * @return the client.
     */
    Aeron aeron()
    {
        return aeron;
    }

    /**
     * The duty that runs the driver and the client.
     *
     * @return the duty.
     */
    AeronDuty duty()
    {
        return duty;
    }

    /**
     * Close the client, then the driver (its directory is removed).
     */
    @Override
    public void close()
    {
        CloseHelper.closeAll(aeron, driver);
    }
}

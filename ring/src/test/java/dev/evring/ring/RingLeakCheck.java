package dev.evring.ring;

import net.openhft.chronicle.core.io.AbstractCloseable;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Fails a test that leaves a ring open (R11): Chronicle's closeable tracing is switched on before each
 * test, and every {@link PortRing} created during it must be closed when it ends.
 */
final class RingLeakCheck implements BeforeEachCallback, AfterEachCallback
{
    @Override
    public void beforeEach(final ExtensionContext context)
    {
        AbstractCloseable.enableCloseableTracing();
    }

    @Override
    public void afterEach(final ExtensionContext context)
    {
        try
        {
            AbstractCloseable.assertCloseablesClosed();
        }
        finally
        {
            AbstractCloseable.disableCloseableTracing();
        }
    }
}

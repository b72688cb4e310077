package dev.evring.evtchn;

import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Opens remote handles that each announce a process id of their own, so that one test JVM can hold
 * several domains (handles of one real process share a domain).
 */
final class SeparateDomains
{
    private static final AtomicLong NEXT_PROCESS_ID = new AtomicLong(1L << 40);

    private SeparateDomains()
    {
    }

    static Evtchn open(final Path hubDirectory) throws EvtchnException
    {
        return open(hubDirectory, HandleOptions.defaults());
    }

    static Evtchn open(final Path hubDirectory, final HandleOptions options) throws EvtchnException
    {
        return Evtchn.open(hubDirectory, options.processId(NEXT_PROCESS_ID.incrementAndGet()));
    }
}

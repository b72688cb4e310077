package dev.evring.ring;

import org.agrona.concurrent.UnsafeBuffer;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import static dev.evring.ring.PortRingDescriptor.EXCLUSIVE_PRODUCER_OFFSET;

/**
 * One {@link PortRing} instance's side of the exclusive-producer protocol (the role of Aeron's exclusive
 * publication, {@link PortRing#claimExclusiveProducer()}): the shared word that announces the holder's
 * token, the set of this JVM's live claims that tells a live holder from a dead process with the same
 * pid, the refusal of producer calls while another live instance holds the role, and the breaking of a
 * dead holder's claim. Cold paths only: the holder's offers never look at the word.
 */
final class ExclusiveProducerClaim
{
    /** What the exclusive-producer word holds when no instance holds the role. */
    static final long NO_PRODUCER = 0;
    /** Tokens of the instances in this JVM that hold an exclusive producer claim on some ring. */
    private static final Set<Long> LIVE_CLAIMS = ConcurrentHashMap.newKeySet();

    private final UnsafeBuffer buffer;
    private final long token;
    private final long pid;
    private final String name;
    private final RingFileGuard guard;

    ExclusiveProducerClaim(
        final UnsafeBuffer buffer, final long token, final long pid, final String name, final RingFileGuard guard)
    {
        this.buffer = buffer;
        this.token = token;
        this.pid = pid;
        this.name = name;
        this.guard = guard;
    }

    /**
     * Refuse a producer call while another live instance holds the exclusive producer role; break the
     * claim of one that is gone (its process died, or it was left by a dead process with this pid).
     */
    void refuseIfHeldByAnother()
    {
        final long holder = buffer.getLongVolatile(EXCLUSIVE_PRODUCER_OFFSET);
        if (holder == NO_PRODUCER || holder == token)
        {
            return;
        }
        final long holderPid = holder >>> 32;
        final boolean alive = holderPid == pid ?
            LIVE_CLAIMS.contains(holder) :
            ProcessHandle.of(holderPid).map(ProcessHandle::isAlive).orElse(false);
        if (alive)
        {
            throw new IllegalStateException(name + " has an exclusive producer (pid " + holderPid + "): only it may "
                + "offer or resize until it releases the role or closes");
        }
        guard.requireWhole();
        buffer.compareAndSetLong(EXCLUSIVE_PRODUCER_OFFSET, holder, NO_PRODUCER);
    }

    /**
     * Announce this instance as the holder, in this JVM and in the shared word.
     */
    void announce()
    {
        LIVE_CLAIMS.add(token);
        buffer.putLongVolatile(EXCLUSIVE_PRODUCER_OFFSET, token);
    }

    /**
     * Clear the shared word if it still holds this instance's token: a read and an ordered store, not a
     * compare-and-set, because nobody else writes the word while this instance holds the role (every other
     * instance refuses to break the claim of a live process, or of a token still in this JVM's live claims,
     * which the caller leaves until this is done, see {@link #forget()}), and because a fault in a plain
     * access is an InternalError where one in an atomic kills the JVM, on memory the ring cannot check (a
     * buffer given to {@link PortRing#format} or {@link PortRing#wrap}).
     */
    void clearWord()
    {
        if (buffer.getLongVolatile(EXCLUSIVE_PRODUCER_OFFSET) == token)
        {
            buffer.putLongRelease(EXCLUSIVE_PRODUCER_OFFSET, NO_PRODUCER);
        }
    }

    /**
     * Drop this instance from the JVM's live claims: from now on a leftover word with its token is broken.
     */
    void forget()
    {
        LIVE_CLAIMS.remove(token);
    }
}

package dev.evring.bridge;

/**
 * Who runs an {@link EvtchnBridge}'s duty cycle: the embedded driver's invoker, the Aeron client
 * conductor's, and the bridge's own receiving, sending, heartbeats and liveness checks (the threading choice
 * Aeron makes with {@code useConductorAgentInvoker}, and the hub with
 * {@link dev.evring.evtchn.RequestPolling}).
 */
public enum BridgeDutyCycle
{
    /**
     * The bridge starts a thread of its own ({@code evring-bridge-<host>}, a daemon) that runs the duty cycle
     * and idles with {@link BridgeConfig#idleStrategy(java.util.function.Supplier)}. Nothing else is needed.
     */
    BRIDGE_THREAD,
    /**
     * The bridge starts no thread: the embedding program runs one duty cycle at a time with
     * {@link EvtchnBridge#doWork()} from its own loop (for example the loop that spins on a local handle's
     * {@code pending()}), and the threads that wait in {@link EvtchnBridge#awaitUp} or in a cross-host
     * {@code bindInterdomain} run it while they wait. Nothing reaches or leaves the peers, and no heartbeat
     * goes out, while no thread invokes it: a program that stops invoking for longer than the peer timeout is
     * seen as dead by its peers, which unbind their ends of its channels.
     */
    INVOKER
}

package dev.evring.bench;

import dev.evring.bench.harness.Mechanism;
import dev.evring.bench.mechanism.AeronPingPong;
import dev.evring.bench.mechanism.AeronPingPong.Transport;
import dev.evring.bench.mechanism.AeronStream;
import dev.evring.bench.mechanism.AgronaPingPong;
import dev.evring.bench.mechanism.AgronaStream;
import dev.evring.bench.mechanism.ChronicleQueuePingPong;
import dev.evring.bench.mechanism.EvtchnBridgePingPong;
import dev.evring.bench.mechanism.EvtchnBridgeStream;
import dev.evring.bench.mechanism.EvtchnPingPong;
import dev.evring.bench.mechanism.Floor;
import dev.evring.bench.mechanism.LguestEventfdPingPong;
import dev.evring.bench.mechanism.LguestNotifyPingPong;
import dev.evring.bench.mechanism.NaiveStream;
import dev.evring.bench.mechanism.PortRingPingPong;
import dev.evring.bench.mechanism.PortRingStream;
import dev.evring.bench.mechanism.UdsPingPong;
import dev.evring.evtchn.RequestPolling;
import dev.evring.ring.ReaderWaiting;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Every mechanism the harness knows, by name, in the order a full run measures them. A new mechanism is
 * one class plus one line here.
 */
public final class Mechanisms
{
    private static final Map<String, Mechanism> BY_NAME = register(
        new Floor(),
        new PortRingPingPong("portring", ReaderWaiting.SPIN),
        new PortRingPingPong("portring-doorbell", ReaderWaiting.DOORBELL),
        new AgronaPingPong(),
        new AeronPingPong("aeron-ipc", Transport.IPC),
        new ChronicleQueuePingPong(),
        new UdsPingPong("uds", false, 0),
        new UdsPingPong("uds-paused", false, EvtchnPingPong.SLEEP_GAP_US),
        new UdsPingPong("uds-spin", true, 0),
        new EvtchnPingPong("evtchn", false, RequestPolling.INVOKER),
        new EvtchnPingPong("evtchn-poller", false, RequestPolling.POLLER_THREAD),
        new EvtchnPingPong("evtchn-blocking", true, RequestPolling.POLLER_THREAD),
        new AeronPingPong("aeron-udp", Transport.UDP),
        new EvtchnBridgePingPong(),
        new LguestNotifyPingPong(),
        new LguestEventfdPingPong(),
        new PortRingStream("portring-stream", ReaderWaiting.SPIN),
        new PortRingStream("portring-doorbell-stream", ReaderWaiting.DOORBELL),
        new AgronaStream(),
        new NaiveStream(),
        new AeronStream(),
        new EvtchnBridgeStream());

    private Mechanisms()
    {
    }

    private static Map<String, Mechanism> register(final Mechanism... mechanisms)
    {
        final Map<String, Mechanism> byName = new LinkedHashMap<>();
        for (final Mechanism mechanism : mechanisms)
        {
            if (byName.put(mechanism.name(), mechanism) != null)
            {
                throw new IllegalStateException("two mechanisms are named " + mechanism.name());
            }
        }
        return Collections.unmodifiableMap(byName);
    }

    /**
     * Every registered mechanism, in run order.
     *
     * @return the mechanisms.
     */
    public static List<Mechanism> all()
    {
        return new ArrayList<>(BY_NAME.values());
    }

    /**
     * The names of every registered mechanism, in run order.
     *
     * @return the names.
     */
    public static List<String> names()
    {
        return new ArrayList<>(BY_NAME.keySet());
    }

    /**
     * Look a mechanism up.
     *
     * @param name its name.
     * @return the mechanism.
     * @throws IllegalArgumentException naming the valid names if there is none of that name.
     */
    public static Mechanism byName(final String name)
    {
        final Mechanism mechanism = BY_NAME.get(name);
        if (mechanism == null)
        {
            throw new IllegalArgumentException("unknown mechanism '" + name + "'; valid names: "
                + String.join(", ", BY_NAME.keySet()));
        }
        return mechanism;
    }
}

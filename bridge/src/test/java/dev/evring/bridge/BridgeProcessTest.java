package dev.evring.bridge;

import dev.evring.evtchn.HubCounter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static dev.evring.bridge.Bridges.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Two hub JVMs, each with its bridge, bridged over UDP on loopback, and client JVMs on each: the channel
 * semantics across hosts (B2), no lost wake-up through loss (B3), and a peer hub killed with SIGKILL and
 * restarted (B5).
 */
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class BridgeProcessTest
{
    private static final long START_MS = 60_000;
    private static final long ANSWER_MS = 30_000;
    /** Peer timeout plus the slack of a loaded machine: the bound on noticing a lost peer. */
    private static final long LOST_MS = Bridges.TIMEOUT.toMillis() + 1500;
    /** A round-trip count that stays within this machine's test budget (about 200 us a round trip here). */
    private static final int ROUNDS = 50_000;
    private static final int LOSSY_ROUNDS = 10_000;
    /** The count of round trips with no lost wake-up. */
    private static final int MILLION = 1_000_000;
    /** The bound on the million round trips: about 30 s here, and a machine under other load takes longer. */
    private static final long MILLION_MS = TimeUnit.SECONDS.toMillis(200);
    /** The bound of the clients' random spin before they sleep, in microseconds (a round trip takes 25 to 60). */
    private static final long SPIN_BOUND_US = 20;
    /** The default arrangement of a hub JVM: the hub's request thread and the bridge's own thread. */
    private static final String THREADS = "threads";
    /** The peer timeout while a peer is stalled on purpose (SIGSTOP) for less than it. */
    private static final long STALL_TIMEOUT_MS = 8000;

    @TempDir
    Path tmp;

    private Path key;
    private int portA;
    private int portB;

    private Jvm hub(final String name, final int port, final String peer, final int peerPort, final double loss)
        throws IOException
    {
        return hub(name, port, peer, peerPort, loss, Bridges.TIMEOUT.toMillis(), THREADS);
    }

    private Jvm hub(final String name, final int port, final String peer, final int peerPort, final double loss,
        final long timeoutMs, final String arrangement) throws IOException
    {
        return Jvm.start(HubMain.class, name, tmp.resolve(name).toString(), Integer.toString(port), peer,
            Integer.toString(peerPort), key.toString(), Double.toString(loss), Long.toString(timeoutMs), arrangement);
    }

    private Jvm[] hubs(final double loss) throws Exception
    {
        return hubs(loss, Bridges.TIMEOUT.toMillis());
    }

    private Jvm[] hubs(final double loss, final long timeoutMs) throws Exception
    {
        return hubs(loss, timeoutMs, THREADS);
    }

    private Jvm[] hubs(final double loss, final long timeoutMs, final String arrangement) throws Exception
    {
        key = BridgeKey.generate(tmp.resolve("bridge.key"));
        portA = Bridges.freePort();
        portB = Bridges.freePort();
        final Jvm a = hub("a", portA, "b", portB, loss, timeoutMs, arrangement);
        final Jvm b = hub("b", portB, "a", portA, loss, timeoutMs, arrangement);
        a.expect("UP", START_MS);
        b.expect("UP", START_MS);
        return new Jvm[] {a, b};
    }

    private Jvm client(final String hub) throws IOException
    {
        return Jvm.start(ClientMain.class, tmp.resolve(hub).toString());
    }

    private Jvm client(final String hub, final long spinBoundUs) throws IOException
    {
        return Jvm.start(ClientMain.class, tmp.resolve(hub).toString(), Long.toString(spinBoundUs));
    }

    private static long counter(final Jvm hub, final BridgeCounter counter) throws Exception
    {
        return Long.parseLong(hub.ask("counter " + counter, "COUNTER", ANSWER_MS));
    }

    private static long wakeUps(final Jvm hub) throws Exception
    {
        return Long.parseLong(hub.ask("hubcounter " + HubCounter.WAKEUPS, "COUNTER", ANSWER_MS));
    }

    private static int remote(final int domid)
    {
        return BridgeConfig.DEFAULT_DOMID_SPAN + domid; // the one peer's range
    }

    private static String status(final Jvm hub, final int port) throws Exception
    {
        return hub.ask("status " + port, "STATUS", ANSWER_MS);
    }

    @Test
    void b2_channelsAcrossHostsBehaveAsOnOneHost() throws Exception
    {
        final Jvm[] hubs = hubs(0);
        try (Jvm a = hubs[0]; Jvm b = hubs[1]; Jvm ca = client("a"); Jvm cb = client("b"))
        {
            final int domA = Integer.parseInt(ca.expect("DOMID", START_MS));
            final int domB = Integer.parseInt(cb.expect("DOMID", START_MS));
            final int pa = ca.askInt("alloc " + remote(domB), "PORT");
            assertTrue(cb.ask("bind " + remote(domA) + " " + (pa + 1), "FAILED", ANSWER_MS).startsWith("EINVAL"),
                "E3: validated by a's hub: not an unbound port for b");
            assertTrue(cb.ask("bind " + remote(0) + " " + pa, "FAILED", ANSWER_MS).startsWith("EINVAL"),
                "E3: the port is not in a's domain 0");
            final int pb = cb.askInt("bind " + remote(domA) + " " + pa, "PORT");
            assertEquals("INTERDOMAIN " + remote(domB) + " " + pb, status(a, pa));
            assertEquals("INTERDOMAIN " + remote(domA) + " " + pa, status(b, pb));

            // E9 across hosts: b masked, a storm of notifies is delivered once after unmask
            ca.ask("notify " + pa, "NOTIFIED", ANSWER_MS);
            assertEquals(Integer.toString(pb), cb.ask("take 10000", "GOT", ANSWER_MS));
            for (int i = 0; i < 100; i++)
            {
                ca.ask("notify " + pa, "NOTIFIED", ANSWER_MS);
            }
            assertEquals("-1", cb.ask("take 300", "GOT", ANSWER_MS), "masked: nothing more");
            cb.ask("unmask " + pb, "UNMASKED", ANSWER_MS);
            assertEquals(Integer.toString(pb), cb.ask("take 10000", "GOT", ANSWER_MS), "delivered after unmask");
            cb.ask("unmask " + pb, "UNMASKED", ANSWER_MS);
            assertEquals("-1", cb.ask("take 300", "GOT", ANSWER_MS), "exactly once");
            cb.ask("notify " + pb, "NOTIFIED", ANSWER_MS);
            assertEquals(Integer.toString(pa), ca.ask("take 10000", "GOT", ANSWER_MS), "and the other way");
            ca.ask("unmask " + pa, "UNMASKED", ANSWER_MS);

            // E16/E17/E18: unbind on b puts a's end back to unbound; notifies of it are dropped
            cb.ask("unbind " + pb, "UNBOUND", ANSWER_MS);
            assertTrue(cb.ask("notify " + pb, "FAILED", ANSWER_MS).startsWith("ENOTCONN"), "E18: no longer held");
            await("E17: a's end back to unbound for b's domain", LOST_MS,
                () -> status(a, pa).equals("UNBOUND " + remote(domB) + " 0"));
            ca.ask("notify " + pa, "NOTIFIED", ANSWER_MS);
            assertEquals("-1", cb.ask("take 300", "GOT", ANSWER_MS), "E18: dropped, nothing reaches b");

            // E22: a client killed with SIGKILL puts the remote end back to unbound, and leaks no port
            final int again = cb.askInt("bind " + remote(domA) + " " + pa, "PORT");
            assertEquals("INTERDOMAIN " + remote(domB) + " " + again, status(a, pa));
            cb.kill();
            await("E22: a's end back to unbound after b's client died", LOST_MS,
                () -> status(a, pa).equals("UNBOUND " + remote(domB) + " 0"));
            await("b's hub holds no port", LOST_MS, () -> b.ask("allocated", "ALLOCATED", ANSWER_MS).equals("0"));
            assertTrue(Long.parseLong(b.ask("counter BINDS", "COUNTER", ANSWER_MS)) >= 2, "B7: binds counted");
        }
    }

    @Test
    void b3_roundTripsBetweenClientsOnTwoHostsLoseNoWakeUp() throws Exception
    {
        roundTrips(0, ROUNDS);
    }

    @Test
    void b3_tenPercentReceiveLossLosesNoWakeUp() throws Exception
    {
        roundTrips(0.1, LOSSY_ROUNDS);
    }

    private void roundTrips(final double loss, final int rounds) throws Exception
    {
        final Jvm[] hubs = hubs(loss);
        try (Jvm a = hubs[0]; Jvm b = hubs[1]; Jvm ca = client("a"); Jvm cb = client("b"))
        {
            final int domA = Integer.parseInt(ca.expect("DOMID", START_MS));
            final int domB = Integer.parseInt(cb.expect("DOMID", START_MS));
            final int pa = ca.askInt("alloc " + remote(domB), "PORT");
            final int pb = cb.askInt("bind " + remote(domA) + " " + pa, "PORT");
            cb.send("pong " + pb + " " + rounds);
            ca.send("ping " + pa + " " + rounds);
            final long timeout = TimeUnit.SECONDS.toMillis(240);
            final String[] ping = ca.expect("DONE", timeout).split(" ");
            final String[] pong = cb.expect("DONE", timeout).split(" ");
            assertEquals(Integer.toString(rounds), ping[0], "B3: every ping answered");
            assertEquals(Integer.toString(rounds), pong[0], "B3: every pong answered");
            System.out.printf("bridge round trips (loss %.0f%%): %d in %s ms%n", loss * 100, rounds, ping[1]);
            if (loss > 0)
            {
                assertTrue(Long.parseLong(a.ask("counter NOTIFIES_RECEIVED", "COUNTER", ANSWER_MS)) >= rounds);
            }
            assertEquals("0", b.ask("counter FORGED", "COUNTER", ANSWER_MS), "B6: loss repaired by Aeron is no forgery");
        }
    }

    /**
     * The million round trips between a client JVM on each of two hub JVMs, each side waiting for the
     * other's notify before it sends the next: a lost wake-up stops the run at the round it happened (the
     * waiting client gives up after 30 s and reports how far it got).
     *
     * <p>At the 250 us a round trip takes with the hubs' and bridges' default threads on this two-core machine
     * (their backoff idle strategies park between polls; {@link #b3_roundTripsBetweenClientsOnTwoHostsLoseNoWakeUp}
     * keeps that arrangement) a million would take four minutes, so here each hub JVM runs its hub's request
     * polling and its bridge's duty cycle (its Aeron driver included) in one loop that yields its core when idle
     * ({@link HubMain#ONE_LOOP}): two such loops and two clients share the two cores, and a round trip takes
     * about 30 us.
     *
     * <p>The clients do not spin their way past the wake-up path: each wait polls for a random time below
     * {@value #SPIN_BOUND_US} us, shorter than a round trip, then sleeps in {@code awaitPending} on a handle with
     * no spin of its own, announcing itself as a sleeper until the hub rings its doorbell (see
     * {@code ClientMain.await}). So most waits go to sleep, at random points around the notify's arrival (the
     * race a lost wake-up needs), and the run checks they did: each client counts the waits that blocked, and
     * each hub counts the doorbells it rang ({@link HubCounter#WAKEUPS}), at least a tenth of the round trips
     * (about half here). Then the counts must match (a notify sent and received per round trip each way, none
     * folded, since one is in flight at a time; no peer lost), and once the clients close neither hub holds a
     * port.
     */
    @Test
    void b3_aMillionRoundTripsBetweenSleepingClientsOnTwoHostsLoseNoWakeUp() throws Exception
    {
        final Jvm[] hubs = hubs(0, Bridges.TIMEOUT.toMillis(), HubMain.ONE_LOOP);
        try (Jvm a = hubs[0]; Jvm b = hubs[1])
        {
            try (Jvm ca = client("a", SPIN_BOUND_US); Jvm cb = client("b", SPIN_BOUND_US))
            {
                final int domA = Integer.parseInt(ca.expect("DOMID", START_MS));
                final int domB = Integer.parseInt(cb.expect("DOMID", START_MS));
                final int pa = ca.askInt("alloc " + remote(domB), "PORT");
                final int pb = cb.askInt("bind " + remote(domA) + " " + pa, "PORT");
                final Jvm[] both = {a, b};
                final long[][] before = new long[2][];
                for (int i = 0; i < 2; i++)
                {
                    before[i] = new long[] {counter(both[i], BridgeCounter.NOTIFIES_SENT),
                        counter(both[i], BridgeCounter.NOTIFIES_RECEIVED), wakeUps(both[i])};
                }
                cb.send("pong " + pb + " " + MILLION);
                ca.send("ping " + pa + " " + MILLION);
                final String[] ping = ca.expect("DONE", MILLION_MS).split(" ");
                final String[] pong = cb.expect("DONE", MILLION_MS).split(" ");
                System.out.printf("bridge: %d round trips in %s ms; waits that slept: a %s, b %s%n", MILLION, ping[1],
                    ping[2], pong[2]);
                assertEquals(Integer.toString(MILLION), ping[0], "B3: a's client stopped, no wake-up after that round");
                assertEquals(Integer.toString(MILLION), pong[0], "B3: b's client stopped, no wake-up after that round");
                for (final String[] done : new String[][] {ping, pong})
                {
                    assertTrue(Long.parseLong(done[2]) >= MILLION / 10, "the clients slept: " + done[2] + " waits");
                }
                for (int i = 0; i < 2; i++)
                {
                    final String hub = i == 0 ? "a" : "b";
                    assertEquals(MILLION, counter(both[i], BridgeCounter.NOTIFIES_SENT) - before[i][0],
                        hub + " sent one notify per round trip");
                    assertEquals(MILLION, counter(both[i], BridgeCounter.NOTIFIES_RECEIVED) - before[i][1],
                        hub + " received one per round trip");
                    assertEquals(0, counter(both[i], BridgeCounter.NOTIFIES_COALESCED), hub + ": one in flight, none folded");
                    assertEquals(0, counter(both[i], BridgeCounter.PEERS_LOST), hub + " lost nobody");
                    final long rung = wakeUps(both[i]) - before[i][2];
                    assertTrue(rung >= MILLION / 10, "hub " + hub + " woke its sleeping client by doorbell: " + rung);
                }
            }
            await("no port left on a once the clients closed", LOST_MS,
                () -> a.ask("allocated", "ALLOCATED", ANSWER_MS).equals("0"));
            await("none on b", LOST_MS, () -> b.ask("allocated", "ALLOCATED", ANSWER_MS).equals("0"));
        }
    }

    @Test
    void b4_aStormOverManyPortsAgainstAStalledPeerIsBackPressuredCoalescedAndDeliveredWhole() throws Exception
    {
        final int channels = 2000; // NOTIFYs that fill the stream's window (half a 64 KiB term) several times
        final Jvm[] hubs = hubs(0, STALL_TIMEOUT_MS);
        try (Jvm a = hubs[0]; Jvm b = hubs[1]; Jvm ca = client("a"); Jvm cb = client("b"))
        {
            final int domA = Integer.parseInt(ca.expect("DOMID", START_MS));
            final int domB = Integer.parseInt(cb.expect("DOMID", START_MS));
            final String unbound = ca.ask("allocn " + remote(domB) + " " + channels, "PORTS", ANSWER_MS);
            final String[] bound = cb.ask("bindn " + remote(domA) + " " + unbound, "PORTS", START_MS).split(" ");
            assertEquals(Integer.toString(channels), bound[0], "E3: every new port came pending");

            b.signal("STOP"); // b's hub and bridge stall: a's stream to it fills and pushes back
            try
            {
                for (int storm = 0; storm < 3; storm++)
                {
                    assertEquals(Integer.toString(channels), ca.ask("notifyall", "NOTIFIED", ANSWER_MS));
                }
                await("a's bridge is back-pressured", STALL_TIMEOUT_MS / 2,
                    () -> Long.parseLong(a.ask("counter BACK_PRESSURE", "COUNTER", ANSWER_MS)) > 0);
            }
            finally
            {
                b.signal("CONT");
            }
            assertEquals(Integer.toString(channels), cb.ask("takeall 30000", "GOT", START_MS),
                "B3: every port fired after the stall, none lost to back pressure");
            // b holds every port once one notify of each arrived; a's hub may still be handing the last notifies
            // of the third storm to its bridge, so the count is awaited, not read once
            await("every notify sent or folded into one not yet sent", ANSWER_MS,
                () -> Long.parseLong(a.ask("counter NOTIFIES_SENT", "COUNTER", ANSWER_MS))
                    + Long.parseLong(a.ask("counter NOTIFIES_COALESCED", "COUNTER", ANSWER_MS)) == 3L * channels);
            final long coalesced = Long.parseLong(a.ask("counter NOTIFIES_COALESCED", "COUNTER", ANSWER_MS));
            assertTrue(coalesced >= channels, "B4: a port's notifies waiting for the stream were folded: " + coalesced);
            assertEquals("0", a.ask("counter PEERS_LOST", "COUNTER", ANSWER_MS), "a stall within the timeout loses nothing");
            assertEquals("0", b.ask("counter FORGED", "COUNTER", ANSWER_MS), "B6: a backlog sent late is no forgery");
        }
    }

    @Test
    void b5_aHungPeerHubIsLostAndComesBackAKilledOneIsLostAndARestartedOneBindsAgain() throws Exception
    {
        final Jvm[] hubs = hubs(0);
        final Jvm first = hubs[1];
        Jvm b = first;
        try (Jvm a = hubs[0]; Jvm ca = client("a"))
        {
            final int domA = Integer.parseInt(ca.expect("DOMID", START_MS));
            try (Jvm cb = client("b"))
            {
                final int domB = Integer.parseInt(cb.expect("DOMID", START_MS));
                final int hung = ca.askInt("alloc " + remote(domB), "PORT");
                final int hungB = cb.askInt("bind " + remote(domA) + " " + hung, "PORT");
                b.signal("STOP");
                final long stopped = System.nanoTime();
                await("B5: a's end unbound while b's hub hangs", LOST_MS,
                    () -> status(a, hung).equals("UNBOUND " + remote(domB) + " 0"));
                System.out.println("bridge: hung peer lost " + TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - stopped) + " ms after SIGSTOP");
                b.signal("CONT");
                await("b, back, lost a too: its end is unbound", LOST_MS,
                    () -> status(first, hungB).equals("UNBOUND " + remote(domA) + " 0"));
                await("both up again", START_MS, () -> a.ask("counter PEERS_UP", "COUNTER", ANSWER_MS).equals("1")
                    && first.ask("counter PEERS_UP", "COUNTER", ANSWER_MS).equals("1"));
                cb.ask("unbind " + hungB, "UNBOUND", ANSWER_MS);

                final int pa = ca.askInt("alloc " + remote(domB), "PORT");
                cb.askInt("bind " + remote(domA) + " " + pa, "PORT");
                final int local = ca.askInt("alloc " + domA, "PORT");
                b.kill();
                final long killed = System.nanoTime();
                await("B5: a's end unbound after b's hub died", LOST_MS,
                    () -> status(a, pa).equals("UNBOUND " + remote(domB) + " 0"));
                System.out.println("bridge: peer lost " + TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - killed)
                    + " ms after SIGKILL");
                assertEquals("2", a.ask("counter PEERS_LOST", "COUNTER", ANSWER_MS), "hung, then killed");
                assertEquals("0", a.ask("counter PEERS_UP", "COUNTER", ANSWER_MS));
                assertEquals("2", a.ask("counter CHANNELS_LOST", "COUNTER", ANSWER_MS));
                // local traffic goes on meanwhile
                final int loop = ca.askInt("bind " + domA + " " + local, "PORT");
                ca.ask("notify " + loop, "NOTIFIED", ANSWER_MS);
                assertEquals(Integer.toString(local), ca.ask("take 10000", "GOT", ANSWER_MS));
                assertEquals("4", a.ask("allocated", "ALLOCATED", ANSWER_MS), "nothing leaked: hung, pa, local, loop");
            }
            b = hub("b", portB, "a", portA, 0);
            b.expect("UP", START_MS);
            await("a sees the new b up", START_MS, () -> a.ask("counter PEERS_UP", "COUNTER", ANSWER_MS).equals("1"));
            assertEquals("0", b.ask("allocated", "ALLOCATED", ANSWER_MS), "the restarted hub starts clean");
            try (Jvm cb = client("b"))
            {
                final int domB = Integer.parseInt(cb.expect("DOMID", START_MS));
                final int pa = ca.askInt("alloc " + remote(domB), "PORT");
                final int pb = cb.askInt("bind " + remote(domA) + " " + pa, "PORT");
                cb.send("pong " + pb + " 100");
                ca.send("ping " + pa + " 100");
                assertEquals("100", ca.expect("DONE", ANSWER_MS).split(" ")[0], "B5: new binds work after the restart");
                assertEquals("0", a.ask("counter FORGED", "COUNTER", ANSWER_MS), "B6: a hang, a death and a restart are no forgery");
                assertEquals("0", b.ask("counter FORGED", "COUNTER", ANSWER_MS));
            }
        }
        finally
        {
            b.close();
        }
    }
}

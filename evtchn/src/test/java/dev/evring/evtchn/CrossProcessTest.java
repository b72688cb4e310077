package dev.evring.evtchn;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Three JVMs: a hub process and two domains, A and B, each in its own process.
 */
@Timeout(value = 400, unit = TimeUnit.SECONDS)
class CrossProcessTest
{
    /** Round trips; the issue asks for 100k each way. */
    private static final int ROUNDS = Integer.getInteger("evring.test.pingPongRounds", 100_000);

    @TempDir
    Path tmp;

    @Test
    void threeJvmPingPongDeliversEveryNotifyExactlyOncePerUnmask() throws Exception
    {
        final Path dir = tmp.resolve("hub");
        try (Child hub = Child.start(EvtchnHubMain.class, "--dir", dir.toString());
            Child a = startPeer(hub, dir);
            Child b = Child.start(PeerMain.class, dir.toString()))
        {
            final int domA = Integer.parseInt(a.expect("DOMID", 60_000));
            final int domB = Integer.parseInt(b.expect("DOMID", 60_000));
            a.send("alloc " + domB);
            final int portA = Integer.parseInt(a.expect("PORT", 30_000));
            b.send("bind " + domA + " " + portA);
            final int portB = Integer.parseInt(b.expect("PORT", 30_000));
            final long delivered;
            try (HubCounters counters = HubCounters.map(dir))
            {
                delivered = counters.value(HubCounter.DELIVERED);
                b.send("pong " + ROUNDS);
                a.send("ping " + ROUNDS);
                final String[] doneA = a.expect("DONE", 360_000).split(" ");
                final String[] doneB = b.expect("DONE", 60_000).split(" ");
                assertEquals(ROUNDS, Integer.parseInt(doneA[0]), "A received every pong");
                assertEquals(ROUNDS, Integer.parseInt(doneB[0]), "B received every ping");
                assertEquals(delivered + 2L * ROUNDS, counters.value(HubCounter.DELIVERED), "nothing extra delivered");
                assertEquals(0, counters.value(HubCounter.OVERFLOWS));
                assertEquals(0, counters.value(HubCounter.ERRORS));
                System.out.println("three-JVM ping-pong: " + ROUNDS + " round trips in " + doneA[1] + " ms (ports "
                    + portA + " <-> " + portB + ")");
            }
            a.send("exit");
            b.send("exit");
            assertEquals(0, a.process.waitFor() + b.process.waitFor());
        }
    }

    private static Child startPeer(final Child hub, final Path dir) throws Exception
    {
        hub.expect("evtchn hub ready", 60_000);
        return Child.start(PeerMain.class, dir.toString());
    }
}

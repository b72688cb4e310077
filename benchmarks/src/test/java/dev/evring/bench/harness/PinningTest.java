package dev.evring.bench.harness;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

class PinningTest
{
    @Test
    void parsesLinuxCpuLists()
    {
        assertArrayEquals(new int[] {0, 1}, Pinning.parseCpuList("0-1"));
        assertArrayEquals(new int[] {0, 1, 2, 3, 8, 10, 11}, Pinning.parseCpuList("0-3,8,10-11"));
        assertArrayEquals(new int[] {5}, Pinning.parseCpuList("5\n"));
    }

    @Test
    void pinnedPeersGetDifferentCpusAndNoneGetsNoPrefix()
    {
        final Pinning pinning = Pinning.detect();
        if (pinning.used())
        {
            assertNotEquals(pinning.cpu(PeerRole.INITIATOR), pinning.cpu(PeerRole.RESPONDER));
            assertEquals(List.of("-c", Integer.toString(pinning.cpu(PeerRole.RESPONDER))),
                pinning.prefix(PeerRole.RESPONDER).subList(1, 3));
        }
        assertEquals(List.of(), Pinning.none().prefix(PeerRole.INITIATOR));
        assertEquals(-1, Pinning.none().cpu(PeerRole.RESPONDER));
    }
}

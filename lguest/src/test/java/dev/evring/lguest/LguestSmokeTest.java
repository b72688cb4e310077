package dev.evring.lguest;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;

@Timeout(60)
class LguestSmokeTest
{
    @TempDir
    Path dir;

    @Test
    void smoke() throws Exception
    {
        try (Lguest lguest = Guests.start(dir, Guests.NotifyLoop.class, 1))
        {
            final GuestMemory memory = lguest.memory();
            memory.putLong(Guests.COUNT, 3);
            memory.putLong(Guests.ADDRESS, 0x1000);
            memory.putLong(Guests.OTHER_ADDRESS, 0x2000);
            long t = System.nanoTime();
            for (int i = 1; i <= 3; i++)
            {
                final RunResult r = lguest.run(0);
                System.out.println(r + " after " + (System.nanoTime() - t) / 1000 + " us");
                assertEquals(0x1000, r.notifyAddress());
                assertEquals(i, memory.getLongVolatile(Guests.PROGRESS));
            }
            assertEquals(0x2000, lguest.run(0).notifyAddress());
            final RunResult dead = lguest.run(0);
            System.out.println(dead);
        }
    }
}

package dev.evring.bench.harness;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RunPlanTest
{
    @Test
    void encodeDecodeRoundTrips()
    {
        assertEquals(RunPlan.QUICK, RunPlan.decode(RunPlan.QUICK.encode()));
        assertEquals(RunPlan.FULL, RunPlan.decode(RunPlan.FULL.encode()));
        assertEquals(new RunPlan(1, 2, 3, 4, 5, 6, 7, 8), RunPlan.decode("1,2,3,4,5,6,7,8"));
    }

    @Test
    void malformedPlanIsAClearError()
    {
        assertTrue(assertThrows(IllegalArgumentException.class, () -> RunPlan.decode("1,2,x,4,5,6,7,8"))
            .getMessage().contains("not a run plan"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> RunPlan.decode("1,2,3"))
            .getMessage().contains("8 counts"));
        assertThrows(IllegalArgumentException.class, () -> new RunPlan(0, 0, 0, 1, 0, 1, 1, 1));
        assertThrows(IllegalArgumentException.class, () -> new RunPlan(0, 1, 0, Integer.MAX_VALUE, 0, 1, 1, 1));
    }
}

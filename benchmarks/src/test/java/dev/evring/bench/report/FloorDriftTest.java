package dev.evring.bench.report;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class FloorDriftTest
{
    @Test
    void moreThanTwentyPercentUpIsFlagged()
    {
        assertTrue(new FloorDrift(100, 121).moved());
        assertTrue(new FloorDrift(130, 490).moved());
    }

    @Test
    void moreThanTwentyPercentDownIsFlagged()
    {
        assertTrue(new FloorDrift(100, 79).moved());
        assertTrue(new FloorDrift(490, 130).moved());
    }

    @Test
    void twentyPercentOrLessIsNotFlagged()
    {
        assertFalse(new FloorDrift(100, 120).moved());
        assertFalse(new FloorDrift(100, 80).moved());
        assertFalse(new FloorDrift(130, 130).moved());
        assertFalse(new FloorDrift(350, 390).moved());
    }

    @Test
    void describesSignedChangeAndMean()
    {
        assertEquals("floor moved +85%", new FloorDrift(130, 241).describe());
        assertEquals("floor moved -50%", new FloorDrift(200, 100).describe());
        assertEquals(150.0, new FloorDrift(200, 100).meanNs());
        assertEquals(0.5, new FloorDrift(200, 100).fraction());
    }

    @Test
    void nonPositiveFloorIsRejected()
    {
        assertThrows(IllegalArgumentException.class, () -> new FloorDrift(0, 100));
        assertThrows(IllegalArgumentException.class, () -> new FloorDrift(100, -1));
    }
}

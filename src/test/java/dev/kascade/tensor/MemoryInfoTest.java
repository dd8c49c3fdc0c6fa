package dev.kascade.tensor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class MemoryInfoTest {
    @Test
    void readsMemAvailableInKilobytes() {
        List<String> lines = List.of("MemTotal:       24542348 kB", "MemFree:        23011224 kB",
                "MemAvailable:   23187460 kB", "Buffers:           12345 kB");
        assertEquals(23187460L * 1024, MemoryInfo.availableBytes(lines));
    }

    @Test
    void missingOrMalformedMeansUnknown() {
        assertEquals(-1, MemoryInfo.availableBytes(List.of("MemTotal:       24542348 kB")));
        assertEquals(-1, MemoryInfo.availableBytes(List.of("MemAvailable:   lots kB")));
        assertEquals(-1, MemoryInfo.availableBytes(List.of("MemAvailable:   1234 pages")));
        assertEquals(-1, MemoryInfo.availableBytes(List.of("MemAvailable:")));
    }

    @Test
    void requireFitsNamesTheOptionsToChange() {
        MemoryInfo.requireFits("p", "x", 1L << 30, 2L << 30, "");
        MemoryInfo.requireFits("p", "unknown memory lets anything through", 1L << 40, -1, "");
        var e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> MemoryInfo.requireFits("--batch", "one layer's K and V", 3L << 30, 2L << 30, "lower it"));
        assertEquals("--batch: one layer's K and V take 3.0 GiB, more than the 2.0 GiB of memory available; lower it",
                e.getMessage());
    }

    @Test
    void thisMachineReportsSomethingPlausibleOrUnknown() {
        long b = MemoryInfo.availableBytes();
        assertTrue(b == -1 || b > (16L << 20), "available " + b);
    }
}

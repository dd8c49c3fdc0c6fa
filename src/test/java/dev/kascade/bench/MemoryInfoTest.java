package dev.kascade.bench;

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
    void thisMachineReportsSomethingPlausibleOrUnknown() {
        long b = MemoryInfo.availableBytes();
        assertTrue(b == -1 || b > (16L << 20), "available " + b);
    }
}

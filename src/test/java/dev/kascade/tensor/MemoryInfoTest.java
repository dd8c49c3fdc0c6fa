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
    void aCgroupLimitCountsInContainers() {
        java.util.Map<String, String> files = new java.util.HashMap<>();
        // cgroup v2 with a limit: 8 GiB, 3 GiB used
        files.put("/sys/fs/cgroup/app/memory.max", "8589934592");
        files.put("/sys/fs/cgroup/app/memory.current", "3221225472");
        assertEquals(5L << 30, MemoryInfo.cgroupAvailable(List.of("0::/app"), files::get));
        files.put("/sys/fs/cgroup/app/memory.max", "max");
        assertEquals(-1, MemoryInfo.cgroupAvailable(List.of("0::/app"), files::get), "v2 without a limit");
        // cgroup v1, as a container sees it: its path is not mounted, the controller's root is its own cgroup
        files.put("/sys/fs/cgroup/memory/memory.limit_in_bytes", "4294967296");
        files.put("/sys/fs/cgroup/memory/memory.usage_in_bytes", "1073741824");
        assertEquals(3L << 30, MemoryInfo.cgroupAvailable(List.of("5:cpu,cpuacct:/", "4:memory:/docker/abc"), files::get));
        files.put("/sys/fs/cgroup/memory/memory.limit_in_bytes", "9223372036854771712");
        assertEquals(-1, MemoryInfo.cgroupAvailable(List.of("4:memory:/"), files::get), "v1 without a limit");
        files.put("/sys/fs/cgroup/memory/memory.limit_in_bytes", "1000");
        files.put("/sys/fs/cgroup/memory/memory.usage_in_bytes", "2000");
        assertEquals(0, MemoryInfo.cgroupAvailable(List.of("4:memory:/"), files::get), "over the limit: nothing left");
        assertEquals(-1, MemoryInfo.cgroupAvailable(List.of("1:cpu:/", "garbage"), files::get), "no memory controller");
    }

    @Test
    void thisMachineReportsSomethingPlausibleOrUnknown() {
        long b = MemoryInfo.availableBytes();
        assertTrue(b == -1 || b > (16L << 20), "available " + b);
    }
}

package dev.kascade.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** The machine's available memory, for sizing what the bench allocates outside the Java heap. */
final class MemoryInfo {
    private static final Path MEMINFO = Path.of("/proc/meminfo");

    private MemoryInfo() {
    }

    /** Linux's {@code MemAvailable} in bytes, or -1 where it cannot be read (another OS, a sandbox). */
    static long availableBytes() {
        try {
            return availableBytes(Files.readAllLines(MEMINFO));
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    /**
     * Throws unless {@code bytes} (what the bench is about to allocate for one layer, named by {@code what}) fit
     * in {@code availableBytes} (negative: unknown, then anything passes); the message names the options to change.
     */
    static void requireFits(long bytes, long availableBytes, String what) {
        if (availableBytes >= 0 && bytes > availableBytes) {
            throw new IllegalArgumentException("--batch, --context: " + what + " take " + gib(bytes)
                    + " GiB, more than the " + gib(availableBytes) + " GiB of memory available; lower --batch or --context");
        }
    }

    private static String gib(long bytes) {
        return String.format(java.util.Locale.ROOT, "%.1f", bytes / (double) (1L << 30));
    }

    /** {@code MemAvailable} of the given {@code /proc/meminfo} lines in bytes, or -1 when absent or malformed. */
    static long availableBytes(List<String> meminfo) {
        for (String line : meminfo) {
            if (!line.startsWith("MemAvailable:")) continue;
            String[] parts = line.substring("MemAvailable:".length()).trim().split("\\s+");
            try {
                long kb = Long.parseLong(parts[0]);
                return parts.length > 1 && parts[1].equalsIgnoreCase("kB") ? kb * 1024 : -1;
            } catch (NumberFormatException e) {
                return -1;
            }
        }
        return -1;
    }
}

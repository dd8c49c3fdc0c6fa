package dev.kascade.tensor;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * The machine's available memory, checked before large native allocations (a KV cache, the bench's layers): on Linux
 * an allocation past the physical memory is not refused but gets the process killed when its pages are first
 * touched, so it must be caught before.
 */
public final class MemoryInfo {
    private static final Path MEMINFO = Path.of("/proc/meminfo");

    private MemoryInfo() {
    }

    /** Linux's {@code MemAvailable} in bytes, or -1 where it cannot be read (another OS, a sandbox). */
    public static long availableBytes() {
        try {
            return availableBytes(Files.readAllLines(MEMINFO));
        } catch (IOException | RuntimeException e) {
            return -1;
        }
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

    /**
     * Throws unless {@code bytes} fit in {@code availableBytes} (negative: unknown, then anything passes):
     * {@code "<parameter>: <what> take 128.0 GiB, more than the 22.9 GiB of memory available; <advice>"}.
     */
    public static void requireFits(String parameter, String what, long bytes, long availableBytes, String advice) {
        if (availableBytes >= 0 && bytes > availableBytes) {
            throw new IllegalArgumentException(parameter + ": " + what + " take " + gib(bytes) + " GiB, more than the "
                    + gib(availableBytes) + " GiB of memory available; " + advice);
        }
    }

    /** Bytes as GiB with one decimal. */
    public static String gib(long bytes) {
        return String.format(Locale.ROOT, "%.1f", bytes / (double) (1L << 30));
    }
}

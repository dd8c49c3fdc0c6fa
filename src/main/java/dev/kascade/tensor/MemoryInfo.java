package dev.kascade.tensor;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.function.Function;

/**
 * The machine's available memory, checked before large native allocations (a KV cache, the bench's layers): on Linux
 * an allocation past the physical memory is not refused but gets the process killed when its pages are first
 * touched, so it must be caught before. Inside a container (a cgroup with a memory limit, v1 or v2) the limit minus
 * the cgroup's usage counts too, since {@code /proc/meminfo} shows the host's memory there.
 */
public final class MemoryInfo {
    private static final Path MEMINFO = Path.of("/proc/meminfo");

    private MemoryInfo() {
    }

    /**
     * Bytes this process may still allocate: Linux's {@code MemAvailable}, or less where the process's cgroup has a
     * lower limit; -1 where neither can be read (another OS, a sandbox).
     */
    public static long availableBytes() {
        long host;
        try {
            host = availableBytes(Files.readAllLines(MEMINFO));
        } catch (IOException | RuntimeException e) {
            host = -1;
        }
        long cgroup;
        try {
            cgroup = cgroupAvailable(Files.readAllLines(Path.of("/proc/self/cgroup")), MemoryInfo::firstLine);
        } catch (IOException | RuntimeException e) {
            cgroup = -1;
        }
        if (host < 0) return cgroup;
        return cgroup < 0 ? host : Math.min(host, cgroup);
    }

    /**
     * The cgroup's limit minus its usage, from the {@code /proc/self/cgroup} lines and a reader of files' first lines
     * (null for a missing file): cgroup v2 ({@code 0::/path}, {@code memory.max} / {@code memory.current}) or v1 (a
     * {@code memory} controller line, {@code memory.limit_in_bytes} / {@code memory.usage_in_bytes}, looked up under the
     * line's path and then at the controller's root, which is what a container sees); -1 without a limit.
     */
    static long cgroupAvailable(List<String> procSelfCgroup, Function<String, String> firstLine) {
        for (String line : procSelfCgroup) {
            String[] f = line.split(":", 3);
            if (f.length < 3) continue;
            String path = f[2].equals("/") ? "" : f[2];
            if (f[0].equals("0") && f[1].isEmpty()) {
                long left = limitLeft(firstLine, "/sys/fs/cgroup" + path + "/memory.max", "/sys/fs/cgroup" + path
                        + "/memory.current");
                if (left >= 0) return left;
            } else if (List.of(f[1].split(",")).contains("memory")) {
                String base = "/sys/fs/cgroup/memory";
                long left = limitLeft(firstLine, base + path + "/memory.limit_in_bytes", base + path + "/memory.usage_in_bytes");
                if (left < 0 && !path.isEmpty()) {
                    left = limitLeft(firstLine, base + "/memory.limit_in_bytes", base + "/memory.usage_in_bytes");
                }
                if (left >= 0) return left;
            }
        }
        return -1;
    }

    /** {@code limit - usage} from two files, or -1 when either is missing, malformed or the limit is "none". */
    private static long limitLeft(Function<String, String> firstLine, String limitFile, String usageFile) {
        String limit = firstLine.apply(limitFile);
        String usage = firstLine.apply(usageFile);
        if (limit == null || usage == null || limit.trim().equals("max")) return -1;
        try {
            long l = Long.parseLong(limit.trim());
            long u = Long.parseLong(usage.trim());
            if (l >= (1L << 60)) return -1; // v1 writes "no limit" as a page-rounded Long.MAX_VALUE
            return Math.max(0, l - u);
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    private static String firstLine(String file) {
        try {
            List<String> lines = Files.readAllLines(Path.of(file));
            return lines.isEmpty() ? null : lines.get(0);
        } catch (IOException | RuntimeException e) {
            return null;
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

package dev.kascade.tensor;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * Transparent huge pages (THP) for large off-heap buffers such as K/V caches, on Linux.
 *
 * <p>Why: a decode step gathers ~10% of the K/V rows at random positions; with 4 KB pages nearly every row is
 * also a TLB miss (a 134 MB layer spans 32K pages), with 2 MB pages the whole layer fits in the L2 TLB. Kernels
 * whose THP mode is {@code madvise} (a common default) give huge pages only to ranges marked with
 * {@code madvise(MADV_HUGEPAGE)}, and only to pages first touched after the call.
 *
 * <p>{@link #advise} marks the 2 MiB-aligned interior of a native segment; {@link #allocate} maps fresh
 * anonymous memory (zero-filled by the kernel, untouched), 2 MiB aligned, marks it, and ties its unmapping to an
 * arena. Everything is best effort: where THP is not available (not Linux, no libc symbol, mode {@code never})
 * {@link #advise} returns false and {@link #allocate} falls back to {@link Arena#allocate}; {@link #status()}
 * says which. Nothing here throws for a refused system call.
 */
public final class HugePages {
    /** The huge page size THP uses on x86-64 and most arm64 kernels. */
    public static final long HUGE_PAGE = 2L << 20;
    private static final int MADV_HUGEPAGE = 14;
    private static final int PROT_READ_WRITE = 0x1 | 0x2;
    private static final int MAP_PRIVATE_ANONYMOUS = 0x02 | 0x20;
    private static final Path THP_MODE = Path.of("/sys/kernel/mm/transparent_hugepage/enabled");

    private static final MethodHandle MADVISE;
    private static final MethodHandle MMAP;
    private static final MethodHandle MUNMAP;
    private static final String MODE;

    static {
        MethodHandle madvise = null;
        MethodHandle mmap = null;
        MethodHandle munmap = null;
        String mode = "unsupported (not Linux)";
        if (System.getProperty("os.name", "").toLowerCase(Locale.ROOT).contains("linux")) {
            mode = readMode();
            try {
                Linker linker = Linker.nativeLinker();
                SymbolLookup libc = linker.defaultLookup();
                madvise = libc.find("madvise").map(s -> linker.downcallHandle(s, FunctionDescriptor.of(ValueLayout.JAVA_INT,
                        ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT))).orElse(null);
                mmap = libc.find("mmap").map(s -> linker.downcallHandle(s, FunctionDescriptor.of(ValueLayout.JAVA_LONG,
                        ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT,
                        ValueLayout.JAVA_INT, ValueLayout.JAVA_LONG))).orElse(null);
                munmap = libc.find("munmap").map(s -> linker.downcallHandle(s, FunctionDescriptor.of(ValueLayout.JAVA_INT,
                        ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG))).orElse(null);
            } catch (RuntimeException | LinkageError e) {
                madvise = null; // e.g. native access denied: stay a no-op
                mmap = null;
                munmap = null;
                mode = "unsupported (" + e.getClass().getSimpleName() + ")";
            }
            if (madvise == null && !mode.startsWith("unsupported")) mode = "unsupported (no madvise in libc)";
        }
        boolean usable = mode.equals("always") || mode.equals("madvise");
        MADVISE = usable ? madvise : null;
        MMAP = usable && munmap != null ? mmap : null;
        MUNMAP = usable ? munmap : null;
        MODE = mode;
    }

    private HugePages() {
    }

    /** The kernel's THP mode in brackets of {@code /sys/kernel/mm/transparent_hugepage/enabled}, or why unknown. */
    private static String readMode() {
        try {
            List<String> lines = Files.readAllLines(THP_MODE);
            if (lines.isEmpty()) return "unsupported (empty " + THP_MODE + ")";
            String line = lines.get(0);
            int a = line.indexOf('[');
            int b = line.indexOf(']', a + 1);
            return a >= 0 && b > a ? line.substring(a + 1, b) : "unsupported (unreadable " + THP_MODE + ")";
        } catch (IOException | SecurityException e) {
            return "unsupported (no " + THP_MODE + ")";
        }
    }

    /** True when {@link #advise} can mark memory (Linux, THP mode {@code always} or {@code madvise}). */
    public static boolean supported() {
        return MADVISE != null;
    }

    /** One line for logs and reports: the THP mode and whether this class uses it. */
    public static String status() {
        return "transparent huge pages: " + MODE + (supported() ? " (used for large K/V buffers)" : " (not used)");
    }

    /** {@link #advise(MemorySegment, long, long)} over the whole segment. */
    public static boolean advise(MemorySegment segment) {
        if (segment == null) throw new IllegalArgumentException("segment: expected a native memory segment but got null");
        return advise(segment, 0, segment.byteSize());
    }

    /**
     * Asks the kernel to back the whole 2 MiB pages inside {@code segment[offset, offset + length)} with huge
     * pages. Only pages first touched afterwards are affected, so call it on fresh memory. Returns false (and
     * changes nothing) when THP is unsupported, the segment is on the heap, the range holds no whole aligned
     * huge page, or the kernel refuses.
     *
     * @throws IllegalArgumentException when the segment is null or the range is not inside it
     */
    public static boolean advise(MemorySegment segment, long offset, long length) {
        if (segment == null) throw new IllegalArgumentException("segment: expected a native memory segment but got null");
        if (offset < 0 || length < 0 || offset > segment.byteSize() - length) {
            throw new IllegalArgumentException("offset, length: [" + offset + ", " + offset + " + " + length
                    + ") is not inside the segment of " + segment.byteSize() + " bytes");
        }
        if (MADVISE == null || !segment.isNative() || length == 0) return false;
        long start = segment.address() + offset;
        long from = alignUp(start);
        long to = (start + length) & -HUGE_PAGE;
        if (from < start || to <= from) return false; // no whole huge page inside (or address overflow)
        return madvise(from, to - from);
    }

    private static boolean madvise(long address, long bytes) {
        try {
            return (int) MADVISE.invokeExact(address, bytes, MADV_HUGEPAGE) == 0;
        } catch (Throwable t) {
            return false;
        }
    }

    /**
     * {@code bytes} of zeroed native memory owned by {@code arena}, 2 MiB aligned and marked for huge pages
     * before any page is touched (a private anonymous mapping, unmapped when the arena closes). Where huge pages
     * are unsupported or the mapping fails, plain {@code arena.allocate(bytes, 64)}.
     *
     * @throws IllegalArgumentException when {@code arena} is null or {@code bytes} is not positive
     */
    public static MemorySegment allocate(Arena arena, long bytes) {
        if (arena == null) throw new IllegalArgumentException("arena: expected an Arena but got null");
        if (bytes <= 0) throw new IllegalArgumentException("bytes: expected > 0 but got " + bytes);
        if (MMAP == null || bytes > Long.MAX_VALUE / 2) return arena.allocate(bytes, 64);
        long length = alignUp(bytes);
        long mapped = length + HUGE_PAGE; // slack to place the start on a 2 MiB boundary
        long base;
        try {
            base = (long) MMAP.invokeExact(0L, mapped, PROT_READ_WRITE, MAP_PRIVATE_ANONYMOUS, -1, 0L);
        } catch (Throwable t) {
            return arena.allocate(bytes, 64);
        }
        if (base == -1L || base == 0L) return arena.allocate(bytes, 64);
        long start = alignUp(base);
        madvise(start, length);
        final long unmapBase = base;
        try {
            return MemorySegment.ofAddress(start).reinterpret(bytes, arena, s -> unmap(unmapBase, mapped));
        } catch (RuntimeException e) {
            unmap(base, mapped); // a closed arena or one confined to another thread: give the mapping back
            throw e;
        }
    }

    private static void unmap(long address, long bytes) {
        try {
            // A failure (not expected for our own mapping) leaves the mapping until the process ends: nothing useful
            // can be done while an arena closes, and throwing there would abandon the arena's other cleanups.
            int ignored = (int) MUNMAP.invokeExact(address, bytes);
        } catch (Throwable t) {
            // same as above
        }
    }

    /**
     * Bytes of the mappings overlapping {@code segment} that the kernel currently backs with huge pages (the sum
     * of the {@code AnonHugePages} lines of those {@code /proc/self/smaps} entries; advice splits a mapping, so
     * there can be several), or -1 when that cannot be read. For checks and diagnostics; reads a proc file, so
     * not for hot paths.
     */
    public static long backedBytes(MemorySegment segment) {
        if (segment == null) throw new IllegalArgumentException("segment: expected a native memory segment but got null");
        if (!segment.isNative() || segment.byteSize() == 0) return -1;
        long first = segment.address();
        long last = first + segment.byteSize() - 1;
        long total = -1;
        try {
            boolean inside = false;
            for (String line : Files.readAllLines(Path.of("/proc/self/smaps"))) {
                int dash = line.indexOf('-');
                int space = line.indexOf(' ');
                if (dash > 0 && space > dash && isHex(line, 0, dash)) {
                    long lo = Long.parseUnsignedLong(line.substring(0, dash), 16);
                    long hi = Long.parseUnsignedLong(line.substring(dash + 1, space), 16);
                    inside = Long.compareUnsigned(last, lo) >= 0 && Long.compareUnsigned(first, hi) < 0;
                } else if (inside && line.startsWith("AnonHugePages:")) {
                    String kb = line.substring("AnonHugePages:".length()).trim().split("\\s+")[0];
                    total = Math.max(total, 0) + Long.parseLong(kb) * 1024;
                }
            }
        } catch (IOException | RuntimeException e) {
            return -1;
        }
        return total;
    }

    private static boolean isHex(String s, int from, int to) {
        for (int i = from; i < to; i++) {
            if (Character.digit(s.charAt(i), 16) < 0) return false;
        }
        return to > from;
    }

    private static long alignUp(long x) {
        return (x + HUGE_PAGE - 1) & -HUGE_PAGE;
    }
}

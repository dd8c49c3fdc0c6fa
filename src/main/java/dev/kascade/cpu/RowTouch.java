package dev.kascade.cpu;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Brings cache rows into L1/L2 ahead of the kernels that read them: one 8-byte load per 64-byte line of every
 * selected row ({@link #rows}) or of a run of consecutive rows ({@link #range}); the JDK has no prefetch
 * instruction, so a plain load stands in for one.
 *
 * <p>Why: sparse decode reads ~10% of the K/V rows at random positions, and each row costs about one DRAM
 * latency. The fused kernels interleave their loads with FMA dependency chains, so only a few rows' misses are
 * in flight at once; this loop has nothing but independent loads, so the out-of-order core keeps many misses in
 * flight (measured 2026-11-29 on the 2-vCPU Zen 5 VM, 8 heads x 3328 rows of K and V, one thread:
 * 1.0-1.3 ms for these loads vs 3.0-3.4 ms for {@code MemorySegment.copy} of the same rows).
 *
 * <p>Rows of 128 and 256 bytes (bf16/f16 head dims 64 and 128) are touched by straight-line code: a loop over
 * the lines of a row, with its variable trip count, measured 3x slower (3.8 vs 1.2 ms) because C2 then issues
 * far fewer loads in parallel. Other row sizes use that loop.
 *
 * <p>Every method returns the sum of the loaded words, which callers must consume (e.g. fold into a field), so
 * the compiler cannot drop the loads.
 */
final class RowTouch {
    private static final ValueLayout.OfLong WORD = ValueLayout.JAVA_LONG_UNALIGNED;

    private RowTouch() {
    }

    /**
     * Touches rows {@code first .. first + nb - 1} of {@code k} and of {@code v} (consecutive rows, same layout as
     * {@link #rows}); {@code v} may be null (K only). For dense attention's blocks.
     */
    static long range(MemorySegment k, MemorySegment v, long rowBase, long rowBytes, int first, int nb) {
        checkRowBytes(rowBytes);
        long x = 0;
        long p = (rowBase + first) * rowBytes;
        long end = p + nb * rowBytes;
        if (v != null) {
            for (; p + 256 <= end; p += 256) { // four lines of K and four of V per pass, straight-line
                x += k.get(WORD, p) + k.get(WORD, p + 64) + k.get(WORD, p + 128) + k.get(WORD, p + 192)
                        + v.get(WORD, p) + v.get(WORD, p + 64) + v.get(WORD, p + 128) + v.get(WORD, p + 192);
            }
            for (; p < end; p += 64) {
                x += k.get(WORD, p) + v.get(WORD, p);
            }
        } else {
            for (; p + 256 <= end; p += 256) {
                x += k.get(WORD, p) + k.get(WORD, p + 64) + k.get(WORD, p + 128) + k.get(WORD, p + 192);
            }
            for (; p < end; p += 64) {
                x += k.get(WORD, p);
            }
        }
        return x;
    }

    /**
     * Touches rows {@code positions[posOff .. posOff + nb)} of {@code k} and of {@code v} (same layout): row p
     * starts at byte {@code (rowBase + p) * rowBytes} of both segments. {@code v} may be null (K only).
     * {@code rowBytes} must be a positive multiple of 64 (what the fused bf16 kernels require of a row).
     */
    static long rows(MemorySegment k, MemorySegment v, long rowBase, long rowBytes, int[] positions, int posOff, int nb) {
        checkRowBytes(rowBytes);
        long x = 0;
        if (rowBytes == 256 && v != null) {
            for (int i = 0; i < nb; i++) {
                long p = (rowBase + positions[posOff + i]) * 256L;
                x += k.get(WORD, p) + k.get(WORD, p + 64) + k.get(WORD, p + 128) + k.get(WORD, p + 192)
                        + v.get(WORD, p) + v.get(WORD, p + 64) + v.get(WORD, p + 128) + v.get(WORD, p + 192);
            }
        } else if (rowBytes == 256) {
            for (int i = 0; i < nb; i++) {
                long p = (rowBase + positions[posOff + i]) * 256L;
                x += k.get(WORD, p) + k.get(WORD, p + 64) + k.get(WORD, p + 128) + k.get(WORD, p + 192);
            }
        } else if (rowBytes == 128 && v != null) {
            for (int i = 0; i < nb; i++) {
                long p = (rowBase + positions[posOff + i]) * 128L;
                x += k.get(WORD, p) + k.get(WORD, p + 64) + v.get(WORD, p) + v.get(WORD, p + 64);
            }
        } else if (rowBytes == 128) {
            for (int i = 0; i < nb; i++) {
                long p = (rowBase + positions[posOff + i]) * 128L;
                x += k.get(WORD, p) + k.get(WORD, p + 64);
            }
        } else {
            for (int i = 0; i < nb; i++) {
                long p = (rowBase + positions[posOff + i]) * rowBytes;
                for (long c = 0; c < rowBytes; c += 64) {
                    x += k.get(WORD, p + c);
                    if (v != null) x += v.get(WORD, p + c);
                }
            }
        }
        return x;
    }

    private static void checkRowBytes(long rowBytes) {
        if (rowBytes <= 0 || rowBytes % 64 != 0) {
            throw new IllegalArgumentException("rowBytes: expected a positive multiple of 64 but got " + rowBytes);
        }
    }
}

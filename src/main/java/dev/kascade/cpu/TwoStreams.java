package dev.kascade.cpu;

import static dev.kascade.cpu.Rows.F;
import static dev.kascade.cpu.Rows.L;

import jdk.incubator.vector.FloatVector;

/**
 * The order in which dense bf16 decode reads a task's keys: as two streams, one from each half of the task's range,
 * interleaved key by key ({@code a, b, a+1, b+1, ...}), so that every block of the kernels reads two far-apart runs of
 * rows at once.
 *
 * <p>Why: a block read straight from memory by the fused kernels runs at the pace of the hardware prefetchers, which
 * follow each sequential run of rows only a few lines ahead; two runs give twice the lines in flight, and the
 * arithmetic of one key overlaps the fetching of the next (no prefetch instruction is needed, and none exists in
 * the JDK). Touching a block first instead (one load per line, {@link RowTouch}) keeps all its misses in flight at
 * once but runs no arithmetic meanwhile. Measured in-process (2-vCPU Zen 5 VM, bf16, 32 q / 8 KV heads, d 128, 32K
 * keys, two threads, LLC flushed before each call, 15 alternated rounds, 2026-11-30): logits and softmax of the
 * four query rows alone 1.97-2.07 ms with two streams, 2.53-2.62 with the blocks touched first, 1.62-1.72 with the
 * rows already in L2; whole dense decode (P.V over whole rows, {@link Bf16WholeRows}) 3.52-3.60 vs 4.19-4.26 touched.
 * One stream read in place was far slower (5.9-6.3 ms), four streams were slower than two once P.V was included
 * (4.78-4.94): {@code benchmarks/results/cpu-2026-11-30-fifteenth-session/}.
 */
final class TwoStreams {
    /** Lane indices into two concatenated vectors of interleaved pairs: the first of every pair, and the second. */
    private static final FloatVector FIRSTS = indices(0), SECONDS = indices(1);

    private static FloatVector indices(int parity) {
        float[] idx = new float[L];
        for (int i = 0; i < L; i++) idx[i] = 2 * i + parity;
        return FloatVector.fromArray(F, idx, 0);
    }

    private TwoStreams() {
    }

    /** Length of the first half (stream a) of a range of {@code length} keys; the second half is never longer. */
    static int firstHalf(int length) {
        return (length + 1) / 2;
    }

    /**
     * Fills {@code order[0 .. n)} with block {@code i} of the range {@code [from, to)}: keys
     * {@code from + i*half ..} of the first half and {@code from + h + i*half ..} of the second
     * ({@code h = firstHalf(to - from)}), at most {@code half} of each, interleaved while both last. Returns n
     * (0 once the range is used up). Every key of the range lies in exactly one block.
     */
    static int fill(int[] order, int from, int to, int i, int half) {
        int h = firstHalf(to - from);
        int a = from + i * half;
        int aEnd = Math.min(from + h, a + half);
        int b = from + h + i * half;
        int bEnd = Math.min(to, b + half);
        int n = 0;
        while (a < aEnd && b < bEnd) {
            order[n++] = a++;
            order[n++] = b++;
        }
        while (a < aEnd) order[n++] = a++; // the second half is never the longer, so only the first has a tail
        return n;
    }

    /** Number of interleaved pairs at the start of block {@code i} of {@link #fill} (the keys of the second half). */
    static int pairs(int from, int to, int i, int half) {
        int h = firstHalf(to - from);
        return Math.max(0, Math.min(half, to - from - h - i * half));
    }

    /**
     * Writes the values {@code s[src + j]} of a block filled by {@link #fill} to {@code dst[dstOff + order[j]]}, for
     * {@code j < nb}: the interleaved pairs as two runs, a vector of each at a time (layer 0 and the anchor scores
     * pass keep their logits by position).
     */
    static void scatter(float[] s, int src, int[] order, int nb, int pairs, float[] dst, int dstOff) {
        int k = 0;
        if (pairs > 0) {
            int a = dstOff + order[0];
            int b = dstOff + order[1];
            for (; k + L <= pairs; k += L) {
                FloatVector x = FloatVector.fromArray(F, s, src + 2 * k);
                FloatVector y = FloatVector.fromArray(F, s, src + 2 * k + L);
                FIRSTS.selectFrom(x, y).intoArray(dst, a + k);
                SECONDS.selectFrom(x, y).intoArray(dst, b + k);
            }
            for (; k < pairs; k++) {
                dst[a + k] = s[src + 2 * k];
                dst[b + k] = s[src + 2 * k + 1];
            }
        }
        for (int j = 2 * pairs; j < nb; j++) {
            dst[dstOff + order[j]] = s[src + j];
        }
    }
}

package dev.kascade.cpu;

import static dev.kascade.cpu.Rows.F;
import static dev.kascade.cpu.Rows.L;

import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Fused bf16 kernels for decode that read K and V straight from the cache, without an f32 copy.
 *
 * <p>The trick: loading {@code L} ints from a bf16 row yields {@code 2L} elements at once; each int
 * holds element {@code 2i} in its low half and {@code 2i+1} in its high half, so {@code w << 16} is the
 * f32 vector of the even elements and {@code w & 0xFFFF0000} that of the odd ones. Dot products do not
 * care about element order, so the query is kept in the matching "pair-split" order (per chunk of
 * {@code 2L} elements: the L even ones, then the L odd ones), and so are the P.V accumulators; only the
 * final output is put back in natural order ({@link #unsplit}). Per {@code 2L} stored elements: one
 * load, one shift, one and. Requires {@code d % (2L) == 0} ({@link #supports}).
 */
public final class Bf16Pairs {
    private static final VectorSpecies<Integer> I = VectorSpecies.of(int.class, F.vectorShape());
    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;
    /** Elements covered by one int-vector load. */
    public static final int CHUNK = 2 * L;

    private Bf16Pairs() {
    }

    /** True when head dim {@code d} is a whole number of chunks. */
    public static boolean supports(int d) {
        return d % CHUNK == 0;
    }

    /** Copies {@code x[off..off+d)} into {@code dst} in pair-split order. */
    public static void split(float[] x, int off, int d, float[] dst, int dstOff) {
        for (int c0 = 0; c0 < d; c0 += CHUNK) {
            for (int i = 0; i < L; i++) {
                dst[dstOff + c0 + i] = x[off + c0 + 2 * i];
                dst[dstOff + c0 + L + i] = x[off + c0 + 2 * i + 1];
            }
        }
    }

    /** Inverse of {@link #split}: pair-split {@code x} back into natural order in {@code dst}. */
    public static void unsplit(float[] x, int off, int d, float[] dst, int dstOff) {
        for (int c0 = 0; c0 < d; c0 += CHUNK) {
            for (int i = 0; i < L; i++) {
                dst[dstOff + c0 + 2 * i] = x[off + c0 + i];
                dst[dstOff + c0 + 2 * i + 1] = x[off + c0 + L + i];
            }
        }
    }

    /**
     * Logits of {@code nb} keys against {@code rows} pair-split query rows: {@code s[h*stride + j]}, padded
     * with {@code -inf} up to {@code stride} (a multiple of two vectors, at least {@code nb}). Key j's row starts at
     * byte {@code base + pos_j * rowBytes}, {@code pos_j = first + j} or {@code positions[posOff + j]}. Four query
     * rows per pass share each loaded key chunk.
     */
    public static void logits(float[] q, int qOff, int rows, int d, MemorySegment seg, long base, long rowBytes,
                              int first, int[] positions, int posOff, int nb, float[] s, int stride) {
        int h = 0;
        for (; h + 4 <= rows; h += 4) {
            int q0 = qOff + h * d, q1 = q0 + d, q2 = q1 + d, q3 = q2 + d;
            int j = 0;
            {
                // Two keys per pass: every query chunk loaded feeds four FMAs, and eight independent
                // accumulator chains keep both FMA pipes busy (measured 15-20% faster than one key per
                // pass for dense decode and anchor scores at d = 128, in cache). A blend/rearrange tree
                // summing the 8 accumulators together measured slower than 8 reduceLanes (0.42 vs 0.27 ms
                // for 8 x 1024 keys), so each sum is reduced on its own.
                for (; j + 2 <= nb; j += 2) {
                    long rowA = base + (positions == null ? first + j : positions[posOff + j]) * rowBytes;
                    long rowB = base + (positions == null ? first + j + 1 : positions[posOff + j + 1]) * rowBytes;
                    FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
                    FloatVector b0 = a0, b1 = a0, b2 = a0, b3 = a0;
                    for (int c = 0; c < d; c += CHUNK) {
                        IntVector wa = IntVector.fromMemorySegment(I, seg, rowA + 2L * c, LE);
                        IntVector wb = IntVector.fromMemorySegment(I, seg, rowB + 2L * c, LE);
                        FloatVector kea = wa.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
                        FloatVector koa = wa.and(0xFFFF0000).reinterpretAsFloats();
                        FloatVector keb = wb.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
                        FloatVector kob = wb.and(0xFFFF0000).reinterpretAsFloats();
                        FloatVector x = FloatVector.fromArray(F, q, q0 + c), y = FloatVector.fromArray(F, q, q0 + c + L);
                        a0 = y.fma(koa, x.fma(kea, a0));
                        b0 = y.fma(kob, x.fma(keb, b0));
                        x = FloatVector.fromArray(F, q, q1 + c);
                        y = FloatVector.fromArray(F, q, q1 + c + L);
                        a1 = y.fma(koa, x.fma(kea, a1));
                        b1 = y.fma(kob, x.fma(keb, b1));
                        x = FloatVector.fromArray(F, q, q2 + c);
                        y = FloatVector.fromArray(F, q, q2 + c + L);
                        a2 = y.fma(koa, x.fma(kea, a2));
                        b2 = y.fma(kob, x.fma(keb, b2));
                        x = FloatVector.fromArray(F, q, q3 + c);
                        y = FloatVector.fromArray(F, q, q3 + c + L);
                        a3 = y.fma(koa, x.fma(kea, a3));
                        b3 = y.fma(kob, x.fma(keb, b3));
                    }
                    int o = h * stride + j;
                    s[o] = a0.reduceLanes(VectorOperators.ADD);
                    s[o + 1] = b0.reduceLanes(VectorOperators.ADD);
                    s[o + stride] = a1.reduceLanes(VectorOperators.ADD);
                    s[o + stride + 1] = b1.reduceLanes(VectorOperators.ADD);
                    s[o + 2 * stride] = a2.reduceLanes(VectorOperators.ADD);
                    s[o + 2 * stride + 1] = b2.reduceLanes(VectorOperators.ADD);
                    s[o + 3 * stride] = a3.reduceLanes(VectorOperators.ADD);
                    s[o + 3 * stride + 1] = b3.reduceLanes(VectorOperators.ADD);
                }
            }
            for (; j < nb; j++) {
                long row = base + (positions == null ? first + j : positions[posOff + j]) * rowBytes;
                FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
                for (int c = 0; c < d; c += CHUNK) {
                    IntVector w = IntVector.fromMemorySegment(I, seg, row + 2L * c, LE);
                    FloatVector ke = w.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
                    FloatVector ko = w.and(0xFFFF0000).reinterpretAsFloats();
                    a0 = FloatVector.fromArray(F, q, q0 + c).fma(ke, a0);
                    a1 = FloatVector.fromArray(F, q, q1 + c).fma(ke, a1);
                    a2 = FloatVector.fromArray(F, q, q2 + c).fma(ke, a2);
                    a3 = FloatVector.fromArray(F, q, q3 + c).fma(ke, a3);
                    a0 = FloatVector.fromArray(F, q, q0 + c + L).fma(ko, a0);
                    a1 = FloatVector.fromArray(F, q, q1 + c + L).fma(ko, a1);
                    a2 = FloatVector.fromArray(F, q, q2 + c + L).fma(ko, a2);
                    a3 = FloatVector.fromArray(F, q, q3 + c + L).fma(ko, a3);
                }
                s[h * stride + j] = a0.reduceLanes(VectorOperators.ADD);
                s[(h + 1) * stride + j] = a1.reduceLanes(VectorOperators.ADD);
                s[(h + 2) * stride + j] = a2.reduceLanes(VectorOperators.ADD);
                s[(h + 3) * stride + j] = a3.reduceLanes(VectorOperators.ADD);
            }
        }
        for (; h < rows; h++) {
            int q0 = qOff + h * d;
            for (int j = 0; j < nb; j++) {
                long row = base + (positions == null ? first + j : positions[posOff + j]) * rowBytes;
                FloatVector a0 = FloatVector.zero(F);
                for (int c = 0; c < d; c += CHUNK) {
                    IntVector w = IntVector.fromMemorySegment(I, seg, row + 2L * c, LE);
                    a0 = FloatVector.fromArray(F, q, q0 + c).fma(w.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats(), a0);
                    a0 = FloatVector.fromArray(F, q, q0 + c + L).fma(w.and(0xFFFF0000).reinterpretAsFloats(), a0);
                }
                s[h * stride + j] = a0.reduceLanes(VectorOperators.ADD);
            }
        }
        if (nb < stride) {
            for (int r = 0; r < rows; r++) {
                java.util.Arrays.fill(s, r * stride + nb, (r + 1) * stride, Float.NEGATIVE_INFINITY);
            }
        }
    }

    /**
     * {@code acc[h] += sum_j p[h*stride + j] * v_j} with pair-split accumulators (probability rows {@code stride}
     * floats apart, a multiple of two vectors, at least {@code nb}); value rows addressed like the keys in
     * {@link #logits}. Outer loop over chunks keeps 4 heads x (even, odd) accumulators in registers while the
     * block's rows stream (from memory on the first chunk, from L1 after).
     */
    public static void accumulate(float[] p, int rows, MemorySegment seg, long base, long rowBytes,
                                  int first, int[] positions, int posOff, int nb, int d, float[] acc, int accOff, int stride) {
        int h = 0;
        for (; h + 4 <= rows; h += 4) {
            int o0 = accOff + h * d, o1 = o0 + d, o2 = o1 + d, o3 = o2 + d;
            int p0 = h * stride, p1 = p0 + stride, p2 = p1 + stride, p3 = p2 + stride;
            for (int c = 0; c < d; c += CHUNK) {
                FloatVector e0 = FloatVector.fromArray(F, acc, o0 + c), d0 = FloatVector.fromArray(F, acc, o0 + c + L);
                FloatVector e1 = FloatVector.fromArray(F, acc, o1 + c), d1 = FloatVector.fromArray(F, acc, o1 + c + L);
                FloatVector e2 = FloatVector.fromArray(F, acc, o2 + c), d2 = FloatVector.fromArray(F, acc, o2 + c + L);
                FloatVector e3 = FloatVector.fromArray(F, acc, o3 + c), d3 = FloatVector.fromArray(F, acc, o3 + c + L);
                for (int j = 0; j < nb; j++) {
                    long row = base + (positions == null ? first + j : positions[posOff + j]) * rowBytes;
                    IntVector w = IntVector.fromMemorySegment(I, seg, row + 2L * c, LE);
                    FloatVector ve = w.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
                    FloatVector vo = w.and(0xFFFF0000).reinterpretAsFloats();
                    FloatVector b0 = FloatVector.broadcast(F, p[p0 + j]);
                    FloatVector b1 = FloatVector.broadcast(F, p[p1 + j]);
                    FloatVector b2 = FloatVector.broadcast(F, p[p2 + j]);
                    FloatVector b3 = FloatVector.broadcast(F, p[p3 + j]);
                    e0 = ve.fma(b0, e0);
                    d0 = vo.fma(b0, d0);
                    e1 = ve.fma(b1, e1);
                    d1 = vo.fma(b1, d1);
                    e2 = ve.fma(b2, e2);
                    d2 = vo.fma(b2, d2);
                    e3 = ve.fma(b3, e3);
                    d3 = vo.fma(b3, d3);
                }
                e0.intoArray(acc, o0 + c);
                d0.intoArray(acc, o0 + c + L);
                e1.intoArray(acc, o1 + c);
                d1.intoArray(acc, o1 + c + L);
                e2.intoArray(acc, o2 + c);
                d2.intoArray(acc, o2 + c + L);
                e3.intoArray(acc, o3 + c);
                d3.intoArray(acc, o3 + c + L);
            }
        }
        for (; h < rows; h++) {
            int o0 = accOff + h * d;
            int p0 = h * stride;
            for (int c = 0; c < d; c += CHUNK) {
                FloatVector e0 = FloatVector.fromArray(F, acc, o0 + c), d0 = FloatVector.fromArray(F, acc, o0 + c + L);
                for (int j = 0; j < nb; j++) {
                    long row = base + (positions == null ? first + j : positions[posOff + j]) * rowBytes;
                    IntVector w = IntVector.fromMemorySegment(I, seg, row + 2L * c, LE);
                    FloatVector b0 = FloatVector.broadcast(F, p[p0 + j]);
                    e0 = w.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats().fma(b0, e0);
                    d0 = w.and(0xFFFF0000).reinterpretAsFloats().fma(b0, d0);
                }
                e0.intoArray(acc, o0 + c);
                d0.intoArray(acc, o0 + c + L);
            }
        }
    }
}

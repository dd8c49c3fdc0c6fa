package dev.kascade.cpu;

import static dev.kascade.cpu.Bf16Pairs.CHUNK;
import static dev.kascade.cpu.Rows.F;
import static dev.kascade.cpu.Rows.L;

import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * P.V for bf16 value rows of four chunks ({@code d = 4 * CHUNK}: 128 with 16 float lanes) that are read straight from
 * memory: each pass takes two query rows over whole value rows, so every row is fetched from memory once, by the first
 * pass, in the order the caller's positions give ({@link TwoStreams}); the second pass finds it in L2.
 *
 * <p>Thread layout: one caller thread; registers hold 2 query rows x 4 chunks x (even, odd) = 16 accumulators while
 * the rows stream past, each probability broadcast feeding eight FMAs (one query row a pass on 8-lane CPUs: {@link
 * #ONE_ROW}). Memory traffic: the value rows once from DRAM and again from L2 for every further pass; the accumulators
 * once in and out per pass. Same pair-split order and the same sums per accumulator as {@link Bf16Pairs#accumulate},
 * which reads half a row per pass: from L2 that is as fast, but read in place from memory its strided half rows ran
 * dense decode at 6.4-6.8 ms against 3.5-3.6 with this kernel (32K, 2026-11-30, see {@link TwoStreams}).
 */
final class Bf16WholeRows {
    private static final VectorSpecies<Integer> I = VectorSpecies.of(int.class, F.vectorShape());
    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;

    /**
     * Whether every query row takes the one-row pass (eight accumulators): on 8-lane CPUs (AVX2: 16 vector registers),
     * where the two-row pass's 16 accumulators spill. {@code kascade bench decode --head-dim 64} at 32K on a 2-vCPU AMD
     * EPYC (Zen 3, AVX2) VM, three alternated pairs (2026-11-30): dense 4.07-4.09 ms against 4.15-4.18.
     */
    static final boolean ONE_ROW = L == 8;

    private Bf16WholeRows() {
    }

    /** True for the one head dim this kernel covers: four chunks. */
    static boolean supports(int d) {
        return d == 4 * CHUNK;
    }

    /**
     * {@code acc[h] += sum_j p[h*stride + j] * v_{positions[posOff + j]}} for {@code h < rows}, {@code j < nb}, with
     * pair-split accumulators {@code acc[accOff + h*d ..]}; value row p starts at byte {@code base + p * rowBytes}.
     * Requires {@link #supports}{@code (d)}.
     */
    static void accumulate(float[] p, int rows, MemorySegment seg, long base, long rowBytes, int[] positions,
                           int posOff, int nb, int d, float[] acc, int accOff, int stride) {
        if (!supports(d)) throw new IllegalArgumentException("d: expected " + 4 * CHUNK + " but got " + d);
        int h = 0;
        for (; h + 2 <= rows && !ONE_ROW; h += 2) {
            twoRows(p, h * stride, (h + 1) * stride, seg, base, rowBytes, positions, posOff, nb, acc,
                    accOff + h * d, accOff + (h + 1) * d);
        }
        for (; h < rows; h++) {
            oneRow(p, h * stride, seg, base, rowBytes, positions, posOff, nb, acc, accOff + h * d);
        }
    }

    private static void twoRows(float[] p, int p0, int p1, MemorySegment seg, long base, long rowBytes,
                                int[] positions, int posOff, int nb, float[] acc, int o0, int o1) {
        FloatVector a0 = FloatVector.fromArray(F, acc, o0), a1 = FloatVector.fromArray(F, acc, o0 + L);
        FloatVector a2 = FloatVector.fromArray(F, acc, o0 + CHUNK), a3 = FloatVector.fromArray(F, acc, o0 + CHUNK + L);
        FloatVector a4 = FloatVector.fromArray(F, acc, o0 + 2 * CHUNK);
        FloatVector a5 = FloatVector.fromArray(F, acc, o0 + 2 * CHUNK + L);
        FloatVector a6 = FloatVector.fromArray(F, acc, o0 + 3 * CHUNK);
        FloatVector a7 = FloatVector.fromArray(F, acc, o0 + 3 * CHUNK + L);
        FloatVector b0 = FloatVector.fromArray(F, acc, o1), b1 = FloatVector.fromArray(F, acc, o1 + L);
        FloatVector b2 = FloatVector.fromArray(F, acc, o1 + CHUNK), b3 = FloatVector.fromArray(F, acc, o1 + CHUNK + L);
        FloatVector b4 = FloatVector.fromArray(F, acc, o1 + 2 * CHUNK);
        FloatVector b5 = FloatVector.fromArray(F, acc, o1 + 2 * CHUNK + L);
        FloatVector b6 = FloatVector.fromArray(F, acc, o1 + 3 * CHUNK);
        FloatVector b7 = FloatVector.fromArray(F, acc, o1 + 3 * CHUNK + L);
        long c1 = 2L * CHUNK, c2 = 4L * CHUNK, c3 = 6L * CHUNK; // byte offsets of chunks 1..3 in a row
        for (int j = 0; j < nb; j++) {
            long row = base + positions[posOff + j] * rowBytes;
            IntVector w0 = IntVector.fromMemorySegment(I, seg, row, LE);
            IntVector w1 = IntVector.fromMemorySegment(I, seg, row + c1, LE);
            IntVector w2 = IntVector.fromMemorySegment(I, seg, row + c2, LE);
            IntVector w3 = IntVector.fromMemorySegment(I, seg, row + c3, LE);
            FloatVector e0 = w0.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
            FloatVector d0 = w0.and(0xFFFF0000).reinterpretAsFloats();
            FloatVector e1 = w1.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
            FloatVector d1 = w1.and(0xFFFF0000).reinterpretAsFloats();
            FloatVector e2 = w2.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
            FloatVector d2 = w2.and(0xFFFF0000).reinterpretAsFloats();
            FloatVector e3 = w3.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
            FloatVector d3 = w3.and(0xFFFF0000).reinterpretAsFloats();
            FloatVector x = FloatVector.broadcast(F, p[p0 + j]);
            FloatVector y = FloatVector.broadcast(F, p[p1 + j]);
            a0 = e0.fma(x, a0);
            a1 = d0.fma(x, a1);
            a2 = e1.fma(x, a2);
            a3 = d1.fma(x, a3);
            a4 = e2.fma(x, a4);
            a5 = d2.fma(x, a5);
            a6 = e3.fma(x, a6);
            a7 = d3.fma(x, a7);
            b0 = e0.fma(y, b0);
            b1 = d0.fma(y, b1);
            b2 = e1.fma(y, b2);
            b3 = d1.fma(y, b3);
            b4 = e2.fma(y, b4);
            b5 = d2.fma(y, b5);
            b6 = e3.fma(y, b6);
            b7 = d3.fma(y, b7);
        }
        a0.intoArray(acc, o0);
        a1.intoArray(acc, o0 + L);
        a2.intoArray(acc, o0 + CHUNK);
        a3.intoArray(acc, o0 + CHUNK + L);
        a4.intoArray(acc, o0 + 2 * CHUNK);
        a5.intoArray(acc, o0 + 2 * CHUNK + L);
        a6.intoArray(acc, o0 + 3 * CHUNK);
        a7.intoArray(acc, o0 + 3 * CHUNK + L);
        b0.intoArray(acc, o1);
        b1.intoArray(acc, o1 + L);
        b2.intoArray(acc, o1 + CHUNK);
        b3.intoArray(acc, o1 + CHUNK + L);
        b4.intoArray(acc, o1 + 2 * CHUNK);
        b5.intoArray(acc, o1 + 2 * CHUNK + L);
        b6.intoArray(acc, o1 + 3 * CHUNK);
        b7.intoArray(acc, o1 + 3 * CHUNK + L);
    }

    /** The last query row of an odd count: eight accumulators. */
    private static void oneRow(float[] p, int p0, MemorySegment seg, long base, long rowBytes, int[] positions,
                               int posOff, int nb, float[] acc, int o0) {
        FloatVector a0 = FloatVector.fromArray(F, acc, o0), a1 = FloatVector.fromArray(F, acc, o0 + L);
        FloatVector a2 = FloatVector.fromArray(F, acc, o0 + CHUNK), a3 = FloatVector.fromArray(F, acc, o0 + CHUNK + L);
        FloatVector a4 = FloatVector.fromArray(F, acc, o0 + 2 * CHUNK);
        FloatVector a5 = FloatVector.fromArray(F, acc, o0 + 2 * CHUNK + L);
        FloatVector a6 = FloatVector.fromArray(F, acc, o0 + 3 * CHUNK);
        FloatVector a7 = FloatVector.fromArray(F, acc, o0 + 3 * CHUNK + L);
        long c1 = 2L * CHUNK, c2 = 4L * CHUNK, c3 = 6L * CHUNK;
        for (int j = 0; j < nb; j++) {
            long row = base + positions[posOff + j] * rowBytes;
            IntVector w0 = IntVector.fromMemorySegment(I, seg, row, LE);
            IntVector w1 = IntVector.fromMemorySegment(I, seg, row + c1, LE);
            IntVector w2 = IntVector.fromMemorySegment(I, seg, row + c2, LE);
            IntVector w3 = IntVector.fromMemorySegment(I, seg, row + c3, LE);
            FloatVector x = FloatVector.broadcast(F, p[p0 + j]);
            a0 = w0.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats().fma(x, a0);
            a1 = w0.and(0xFFFF0000).reinterpretAsFloats().fma(x, a1);
            a2 = w1.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats().fma(x, a2);
            a3 = w1.and(0xFFFF0000).reinterpretAsFloats().fma(x, a3);
            a4 = w2.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats().fma(x, a4);
            a5 = w2.and(0xFFFF0000).reinterpretAsFloats().fma(x, a5);
            a6 = w3.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats().fma(x, a6);
            a7 = w3.and(0xFFFF0000).reinterpretAsFloats().fma(x, a7);
        }
        a0.intoArray(acc, o0);
        a1.intoArray(acc, o0 + L);
        a2.intoArray(acc, o0 + CHUNK);
        a3.intoArray(acc, o0 + CHUNK + L);
        a4.intoArray(acc, o0 + 2 * CHUNK);
        a5.intoArray(acc, o0 + 2 * CHUNK + L);
        a6.intoArray(acc, o0 + 3 * CHUNK);
        a7.intoArray(acc, o0 + 3 * CHUNK + L);
    }
}

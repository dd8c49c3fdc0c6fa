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
 * The logits pass for CPUs with 8 float lanes (AVX2: 16 vector registers), two keys x four query rows a pass, over a
 * query laid out so that C2 keeps every accumulator in a register.
 *
 * <p>Why a separate layout: {@link Bf16Pairs#logits}' two-key pass loads each query chunk once and feeds it to two
 * FMAs (keys a and b). C2 hoists those loads to the top of the loop body, so 8 accumulators + 4 converted key vectors
 * + 8 query vectors need 20 of AVX2's 16 registers, and it keeps three accumulators on the stack (read back from the
 * disassembly: a store and a reload around every FMA pair, 2026-11-30). Here every query chunk is stored twice, once
 * per key, so each load has one use and C2 folds it into the FMA as a memory operand: 8 accumulators + 4 key vectors
 * + the mask, no spills. The extra loads come from L1 (Zen 3 issues three a cycle). Measured on 256 gathered rows in
 * L2 (d 128, four query rows, one thread, 2-vCPU AMD EPYC (Zen 3, AVX2) VM, JDK 25, 2026-11-30): 16.5-16.7 ns per
 * key against 28.4-35.7 for {@link Bf16Pairs#logits}' own two-key pass, logits timed alone; 18.3-20.8 when each call
 * is followed by the block's softmax and P.V, as in decode.
 *
 * <p>Layout ({@link #copy}): for four pair-split query rows, chunk by chunk, row by row, two copies of the chunk's
 * {@code CHUNK} floats: {@code 8 d} floats in all. Thread layout: one caller thread. Memory traffic: each key row read
 * once, in order of the positions; the query block ({@code 8 d} floats: 4 KiB at d 128) stays in L1.
 */
final class Bf16TwoKeys {
    /** Whether decode uses this kernel: on 8-lane CPUs (at 16 lanes the lane-tree pass of {@link Bf16Pairs} serves). */
    static final boolean ACTIVE = L == 8;

    private static final VectorSpecies<Integer> I = VectorSpecies.of(int.class, F.vectorShape());
    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;
    /** Floats of the copied query per chunk of the head dim: 4 rows x 2 copies x CHUNK. */
    private static final int STEP = 8 * CHUNK;

    private Bf16TwoKeys() {
    }

    /**
     * Lays out the four pair-split query rows {@code qPairs[q0 .. q0 + 4d)} (row h at {@code q0 + h d}) into
     * {@code dst[dstOff .. dstOff + 8d)} as the kernel reads them. Requires {@code d % CHUNK == 0}.
     */
    static void copy(float[] qPairs, int q0, int d, float[] dst, int dstOff) {
        int o = dstOff;
        for (int c = 0; c < d; c += CHUNK) {
            for (int h = 0; h < 4; h++) {
                System.arraycopy(qPairs, q0 + h * d + c, dst, o, CHUNK);
                System.arraycopy(qPairs, q0 + h * d + c, dst, o + CHUNK, CHUNK);
                o += 2 * CHUNK;
            }
        }
    }

    /**
     * Logits of keys {@code 0 .. 2 floor(nb / 2) - 1} against the four rows copied at {@code qd[qdOff ..]}:
     * {@code s[sOff + h*stride + j]}; returns the keys done. Key j's row starts at byte
     * {@code base + pos_j * rowBytes}, {@code pos_j = first + j} or {@code positions[posOff + j]}, as in
     * {@link Bf16Pairs#logits}; each lane sums the same products in the same order as its two-key pass.
     */
    static int logits(float[] qd, int qdOff, int d, MemorySegment seg, long base, long rowBytes, int first,
                      int[] positions, int posOff, int nb, float[] s, int sOff, int stride) {
        int end = qdOff + 8 * d;
        int j = 0;
        for (; j + 2 <= nb; j += 2) {
            long rowA = base + (positions == null ? first + j : positions[posOff + j]) * rowBytes;
            long rowB = base + (positions == null ? first + j + 1 : positions[posOff + j + 1]) * rowBytes;
            FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
            FloatVector b0 = a0, b1 = a0, b2 = a0, b3 = a0;
            long kc = 0; // byte offset of the chunk in a key row
            for (int o = qdOff; o < end; o += STEP, kc += 2L * CHUNK) {
                IntVector wa = IntVector.fromMemorySegment(I, seg, rowA + kc, LE);
                IntVector wb = IntVector.fromMemorySegment(I, seg, rowB + kc, LE);
                FloatVector kea = wa.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
                FloatVector keb = wb.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
                FloatVector koa = wa.and(0xFFFF0000).reinterpretAsFloats();
                FloatVector kob = wb.and(0xFFFF0000).reinterpretAsFloats();
                a0 = kea.fma(FloatVector.fromArray(F, qd, o), a0);
                a0 = koa.fma(FloatVector.fromArray(F, qd, o + L), a0);
                b0 = keb.fma(FloatVector.fromArray(F, qd, o + 2 * L), b0);
                b0 = kob.fma(FloatVector.fromArray(F, qd, o + 3 * L), b0);
                a1 = kea.fma(FloatVector.fromArray(F, qd, o + 4 * L), a1);
                a1 = koa.fma(FloatVector.fromArray(F, qd, o + 5 * L), a1);
                b1 = keb.fma(FloatVector.fromArray(F, qd, o + 6 * L), b1);
                b1 = kob.fma(FloatVector.fromArray(F, qd, o + 7 * L), b1);
                a2 = kea.fma(FloatVector.fromArray(F, qd, o + 8 * L), a2);
                a2 = koa.fma(FloatVector.fromArray(F, qd, o + 9 * L), a2);
                b2 = keb.fma(FloatVector.fromArray(F, qd, o + 10 * L), b2);
                b2 = kob.fma(FloatVector.fromArray(F, qd, o + 11 * L), b2);
                a3 = kea.fma(FloatVector.fromArray(F, qd, o + 12 * L), a3);
                a3 = koa.fma(FloatVector.fromArray(F, qd, o + 13 * L), a3);
                b3 = keb.fma(FloatVector.fromArray(F, qd, o + 14 * L), b3);
                b3 = kob.fma(FloatVector.fromArray(F, qd, o + 15 * L), b3);
            }
            int at = sOff + j;
            s[at] = a0.reduceLanes(VectorOperators.ADD);
            s[at + 1] = b0.reduceLanes(VectorOperators.ADD);
            s[at + stride] = a1.reduceLanes(VectorOperators.ADD);
            s[at + stride + 1] = b1.reduceLanes(VectorOperators.ADD);
            s[at + 2 * stride] = a2.reduceLanes(VectorOperators.ADD);
            s[at + 2 * stride + 1] = b2.reduceLanes(VectorOperators.ADD);
            s[at + 3 * stride] = a3.reduceLanes(VectorOperators.ADD);
            s[at + 3 * stride + 1] = b3.reduceLanes(VectorOperators.ADD);
        }
        return j;
    }
}

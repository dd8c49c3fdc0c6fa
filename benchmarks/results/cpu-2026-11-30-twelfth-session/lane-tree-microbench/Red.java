import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.Random;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

/**
 * Microbenchmark: lane reductions in the bf16 decode logits kernel (Bf16Pairs.logits, 2 keys x 4 heads).
 * Usage: java --add-modules jdk.incubator.vector Red.java [variant|all] [rounds]
 */
public class Red {
    static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    static final VectorSpecies<Integer> I = VectorSpecies.of(int.class, F.vectorShape());
    static final int L = F.length();
    static final int CHUNK = 2 * L;
    static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;

    static final int D = 128, H = 4, NB = 1024, ROWB = 2 * D;
    static final int PAD = 32; // s arrays: logits start at PAD, PAD floats of slack at both ends
    static final int STRIDE = NB;

    // ---- selectFrom (two-source) tree indices: level with half-block h (8,4,2,1) ----
    // out lane i: source A for i<L/2 else B (index + L), p = i % (L/2), lo = (p/h)*2h + p%h, hi = lo + h.
    static float[] selIdx(int h, boolean hi) {
        float[] r = new float[L];
        int half = L / 2;
        for (int i = 0; i < L; i++) {
            int src = i < half ? 0 : L;
            int p = i % half;
            r[i] = src + (p / h) * 2 * h + p % h + (hi ? h : 0);
        }
        return r;
    }

    static final float[] SLO8 = selIdx(8, false), SHI8 = selIdx(8, true);
    static final float[] SLO4 = selIdx(4, false), SHI4 = selIdx(4, true);
    static final float[] SLO2 = selIdx(2, false), SHI2 = selIdx(2, true);
    static final float[] SLO1 = selIdx(1, false), SHI1 = selIdx(1, true);
    static final float[] SLO1S = mod(SLO1), SHI1S = mod(SHI1); // single-source versions (indices < L)

    static float[] mod(float[] x) {
        float[] r = x.clone();
        for (int i = 0; i < r.length; i++) r[i] = r[i] % L;
        return r;
    }

    // ---- rearrange + blend tree: mask = lanes whose h-block is odd, swap = i ^ h ----
    static boolean[] oddBlocks(int h) {
        boolean[] m = new boolean[L];
        for (int i = 0; i < L; i++) m[i] = ((i / h) & 1) == 1;
        return m;
    }

    static int[] swapIdx(int h) {
        int[] r = new int[L];
        for (int i = 0; i < L; i++) r[i] = i ^ h;
        return r;
    }

    static int[] evenOdd(boolean odd) { // compaction for the C-tree finish: lane k <- 2k (+1); upper half duplicates
        int[] r = new int[L];
        for (int i = 0; i < L; i++) r[i] = (2 * i + (odd ? 1 : 0)) % L;
        return r;
    }

    static final VectorMask<Float> M8 = VectorMask.fromArray(F, oddBlocks(8), 0), M4 = VectorMask.fromArray(F, oddBlocks(4), 0),
            M2 = VectorMask.fromArray(F, oddBlocks(2), 0), M1 = VectorMask.fromArray(F, oddBlocks(1), 0);
    static final VectorShuffle<Float> W8 = VectorShuffle.fromArray(F, swapIdx(8), 0), W4 = VectorShuffle.fromArray(F, swapIdx(4), 0),
            W2 = VectorShuffle.fromArray(F, swapIdx(2), 0), W1 = VectorShuffle.fromArray(F, swapIdx(1), 0);
    static final VectorShuffle<Float> EV = VectorShuffle.fromArray(F, evenOdd(false), 0), OD = VectorShuffle.fromArray(F, evenOdd(true), 0);

    // ================= Variant A: baseline (copy of Bf16Pairs.logits two-keys loop) =================
    static void logitsA(float[] q, int d, MemorySegment seg, long base, long rowBytes, int first, int nb, float[] s, int sOff, int stride) {
        int q0 = QOFF, q1 = q0 + d, q2 = q1 + d, q3 = q2 + d;
        for (int j = 0; j + 2 <= nb; j += 2) {
            long rowA = base + (first + j) * rowBytes;
            long rowB = base + (first + j + 1) * rowBytes;
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
            int o = sOff + j;
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

    // B1: selectFrom(v1,v2) tree, lanes [a0 b0 a1 b1 a2 b2 a3 b3], 8 lane() stores head-major
    static void logitsB1(float[] q, int d, MemorySegment seg, long base, long rowBytes, int first, int nb, float[] s, int sOff, int stride) {
        int q0 = QOFF, q1 = q0 + d, q2 = q1 + d, q3 = q2 + d;
        FloatVector lo8 = FloatVector.fromArray(F, SLO8, 0), hi8 = FloatVector.fromArray(F, SHI8, 0);
        FloatVector lo4 = FloatVector.fromArray(F, SLO4, 0), hi4 = FloatVector.fromArray(F, SHI4, 0);
        FloatVector lo2 = FloatVector.fromArray(F, SLO2, 0), hi2 = FloatVector.fromArray(F, SHI2, 0);
        FloatVector lo1 = FloatVector.fromArray(F, SLO1, 0), hi1 = FloatVector.fromArray(F, SHI1, 0);
        FloatVector lo1s = FloatVector.fromArray(F, SLO1S, 0), hi1s = FloatVector.fromArray(F, SHI1S, 0);
        for (int j = 0; j + 2 <= nb; j += 2) {
            long rowA = base + (first + j) * rowBytes;
            long rowB = base + (first + j + 1) * rowBytes;
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
            FloatVector t1 = lo8.selectFrom(a0, b0).add(hi8.selectFrom(a0, b0));
            FloatVector t2 = lo8.selectFrom(a1, b1).add(hi8.selectFrom(a1, b1));
            FloatVector t3 = lo8.selectFrom(a2, b2).add(hi8.selectFrom(a2, b2));
            FloatVector t4 = lo8.selectFrom(a3, b3).add(hi8.selectFrom(a3, b3));
            FloatVector t5 = lo4.selectFrom(t1, t2).add(hi4.selectFrom(t1, t2));
            FloatVector t6 = lo4.selectFrom(t3, t4).add(hi4.selectFrom(t3, t4));
            FloatVector t7 = lo2.selectFrom(t5, t6).add(hi2.selectFrom(t5, t6));
            FloatVector t8 = lo1.selectFrom(t7, t7).add(hi1.selectFrom(t7, t7));
            int o = sOff + j;
            s[o] = t8.lane(0);
            s[o + 1] = t8.lane(1);
            s[o + stride] = t8.lane(2);
            s[o + stride + 1] = t8.lane(3);
            s[o + 2 * stride] = t8.lane(4);
            s[o + 2 * stride + 1] = t8.lane(5);
            s[o + 3 * stride] = t8.lane(6);
            s[o + 3 * stride + 1] = t8.lane(7);
        }
    }

    // B2: selectFrom(v1,v2) tree, lanes [a0 a1 a2 a3 b0 b1 b2 b3], 1 store key-major t[j*4+h]
    static void logitsB2(float[] q, int d, MemorySegment seg, long base, long rowBytes, int first, int nb, float[] s, int sOff, int stride) {
        int q0 = QOFF, q1 = q0 + d, q2 = q1 + d, q3 = q2 + d;
        FloatVector lo8 = FloatVector.fromArray(F, SLO8, 0), hi8 = FloatVector.fromArray(F, SHI8, 0);
        FloatVector lo4 = FloatVector.fromArray(F, SLO4, 0), hi4 = FloatVector.fromArray(F, SHI4, 0);
        FloatVector lo2 = FloatVector.fromArray(F, SLO2, 0), hi2 = FloatVector.fromArray(F, SHI2, 0);
        FloatVector lo1 = FloatVector.fromArray(F, SLO1, 0), hi1 = FloatVector.fromArray(F, SHI1, 0);
        FloatVector lo1s = FloatVector.fromArray(F, SLO1S, 0), hi1s = FloatVector.fromArray(F, SHI1S, 0);
        for (int j = 0; j + 2 <= nb; j += 2) {
            long rowA = base + (first + j) * rowBytes;
            long rowB = base + (first + j + 1) * rowBytes;
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
            FloatVector t1 = lo8.selectFrom(a0, a1).add(hi8.selectFrom(a0, a1));
            FloatVector t2 = lo8.selectFrom(a2, a3).add(hi8.selectFrom(a2, a3));
            FloatVector t3 = lo8.selectFrom(b0, b1).add(hi8.selectFrom(b0, b1));
            FloatVector t4 = lo8.selectFrom(b2, b3).add(hi8.selectFrom(b2, b3));
            FloatVector t5 = lo4.selectFrom(t1, t2).add(hi4.selectFrom(t1, t2));
            FloatVector t6 = lo4.selectFrom(t3, t4).add(hi4.selectFrom(t3, t4));
            FloatVector t7 = lo2.selectFrom(t5, t6).add(hi2.selectFrom(t5, t6));
            FloatVector t8 = lo1.selectFrom(t7, t7).add(hi1.selectFrom(t7, t7));
            t8.intoArray(s, sOff + 4 * j);
        }
    }

    // B3: selectFrom(v1,v2) tree, 4 masked 2-lane stores head-major
    static void logitsB3(float[] q, int d, MemorySegment seg, long base, long rowBytes, int first, int nb, float[] s, int sOff, int stride) {
        int q0 = QOFF, q1 = q0 + d, q2 = q1 + d, q3 = q2 + d;
        FloatVector lo8 = FloatVector.fromArray(F, SLO8, 0), hi8 = FloatVector.fromArray(F, SHI8, 0);
        FloatVector lo4 = FloatVector.fromArray(F, SLO4, 0), hi4 = FloatVector.fromArray(F, SHI4, 0);
        FloatVector lo2 = FloatVector.fromArray(F, SLO2, 0), hi2 = FloatVector.fromArray(F, SHI2, 0);
        FloatVector lo1 = FloatVector.fromArray(F, SLO1, 0), hi1 = FloatVector.fromArray(F, SHI1, 0);
        FloatVector lo1s = FloatVector.fromArray(F, SLO1S, 0), hi1s = FloatVector.fromArray(F, SHI1S, 0);
        VectorMask<Float> h0 = VectorMask.fromLong(F, 0xFL), h1 = VectorMask.fromLong(F, 0xF0L),
                h2 = VectorMask.fromLong(F, 0xF00L), h3 = VectorMask.fromLong(F, 0xF000L);
        VectorMask<Float> p0 = VectorMask.fromLong(F, 0x3L), p1 = VectorMask.fromLong(F, 0xCL),
                p2 = VectorMask.fromLong(F, 0x30L), p3 = VectorMask.fromLong(F, 0xC0L);
        for (int j = 0; j + 2 <= nb; j += 2) {
            long rowA = base + (first + j) * rowBytes;
            long rowB = base + (first + j + 1) * rowBytes;
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
            FloatVector t1 = lo8.selectFrom(a0, b0).add(hi8.selectFrom(a0, b0));
            FloatVector t2 = lo8.selectFrom(a1, b1).add(hi8.selectFrom(a1, b1));
            FloatVector t3 = lo8.selectFrom(a2, b2).add(hi8.selectFrom(a2, b2));
            FloatVector t4 = lo8.selectFrom(a3, b3).add(hi8.selectFrom(a3, b3));
            FloatVector t5 = lo4.selectFrom(t1, t2).add(hi4.selectFrom(t1, t2));
            FloatVector t6 = lo4.selectFrom(t3, t4).add(hi4.selectFrom(t3, t4));
            FloatVector t7 = lo2.selectFrom(t5, t6).add(hi2.selectFrom(t5, t6));
            FloatVector t8 = lo1.selectFrom(t7, t7).add(hi1.selectFrom(t7, t7));
            int o = sOff + j;
            t8.intoArray(s, o, p0);
            t8.intoArray(s, o + stride - 2, p1);
            t8.intoArray(s, o + 2 * stride - 4, p2);
            t8.intoArray(s, o + 3 * stride - 6, p3);
        }
    }

    // B4: as B1 but final step single-source selectFrom
    static void logitsB4(float[] q, int d, MemorySegment seg, long base, long rowBytes, int first, int nb, float[] s, int sOff, int stride) {
        int q0 = QOFF, q1 = q0 + d, q2 = q1 + d, q3 = q2 + d;
        FloatVector lo8 = FloatVector.fromArray(F, SLO8, 0), hi8 = FloatVector.fromArray(F, SHI8, 0);
        FloatVector lo4 = FloatVector.fromArray(F, SLO4, 0), hi4 = FloatVector.fromArray(F, SHI4, 0);
        FloatVector lo2 = FloatVector.fromArray(F, SLO2, 0), hi2 = FloatVector.fromArray(F, SHI2, 0);
        FloatVector lo1 = FloatVector.fromArray(F, SLO1, 0), hi1 = FloatVector.fromArray(F, SHI1, 0);
        FloatVector lo1s = FloatVector.fromArray(F, SLO1S, 0), hi1s = FloatVector.fromArray(F, SHI1S, 0);
        for (int j = 0; j + 2 <= nb; j += 2) {
            long rowA = base + (first + j) * rowBytes;
            long rowB = base + (first + j + 1) * rowBytes;
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
            FloatVector t1 = lo8.selectFrom(a0, b0).add(hi8.selectFrom(a0, b0));
            FloatVector t2 = lo8.selectFrom(a1, b1).add(hi8.selectFrom(a1, b1));
            FloatVector t3 = lo8.selectFrom(a2, b2).add(hi8.selectFrom(a2, b2));
            FloatVector t4 = lo8.selectFrom(a3, b3).add(hi8.selectFrom(a3, b3));
            FloatVector t5 = lo4.selectFrom(t1, t2).add(hi4.selectFrom(t1, t2));
            FloatVector t6 = lo4.selectFrom(t3, t4).add(hi4.selectFrom(t3, t4));
            FloatVector t7 = lo2.selectFrom(t5, t6).add(hi2.selectFrom(t5, t6));
            FloatVector t8 = lo1s.selectFrom(t7).add(hi1s.selectFrom(t7));
            int o = sOff + j;
            s[o] = t8.lane(0);
            s[o + 1] = t8.lane(1);
            s[o + stride] = t8.lane(2);
            s[o + stride + 1] = t8.lane(3);
            s[o + 2 * stride] = t8.lane(4);
            s[o + 2 * stride + 1] = t8.lane(5);
            s[o + 3 * stride] = t8.lane(6);
            s[o + 3 * stride + 1] = t8.lane(7);
        }
    }

    // C1: blend+rearrange tree, 8 lane() stores head-major
    static void logitsC1(float[] q, int d, MemorySegment seg, long base, long rowBytes, int first, int nb, float[] s, int sOff, int stride) {
        int q0 = QOFF, q1 = q0 + d, q2 = q1 + d, q3 = q2 + d;
        VectorMask<Float> m8 = M8, m4 = M4, m2 = M2, m1 = M1;
        VectorShuffle<Float> w8 = W8, w4 = W4, w2 = W2, w1 = W1, ev = EV, od = OD;
        for (int j = 0; j + 2 <= nb; j += 2) {
            long rowA = base + (first + j) * rowBytes;
            long rowB = base + (first + j + 1) * rowBytes;
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
            FloatVector t1 = a0.blend(a2, m8).add(a2.blend(a0, m8).rearrange(w8));
            FloatVector t2 = a1.blend(a3, m8).add(a3.blend(a1, m8).rearrange(w8));
            FloatVector t3 = b0.blend(b2, m8).add(b2.blend(b0, m8).rearrange(w8));
            FloatVector t4 = b1.blend(b3, m8).add(b3.blend(b1, m8).rearrange(w8));
            FloatVector t5 = t1.blend(t2, m4).add(t2.blend(t1, m4).rearrange(w4));
            FloatVector t6 = t3.blend(t4, m4).add(t4.blend(t3, m4).rearrange(w4));
            FloatVector t7 = t5.blend(t6, m2).add(t6.blend(t5, m2).rearrange(w2));
            FloatVector t8 = t7.rearrange(ev).add(t7.rearrange(od));
            int o = sOff + j;
            s[o] = t8.lane(0);
            s[o + 1] = t8.lane(1);
            s[o + stride] = t8.lane(2);
            s[o + stride + 1] = t8.lane(3);
            s[o + 2 * stride] = t8.lane(4);
            s[o + 2 * stride + 1] = t8.lane(5);
            s[o + 3 * stride] = t8.lane(6);
            s[o + 3 * stride + 1] = t8.lane(7);
        }
    }

    // C2: blend+rearrange tree, 1 store key-major
    static void logitsC2(float[] q, int d, MemorySegment seg, long base, long rowBytes, int first, int nb, float[] s, int sOff, int stride) {
        int q0 = QOFF, q1 = q0 + d, q2 = q1 + d, q3 = q2 + d;
        VectorMask<Float> m8 = M8, m4 = M4, m2 = M2, m1 = M1;
        VectorShuffle<Float> w8 = W8, w4 = W4, w2 = W2, w1 = W1, ev = EV, od = OD;
        for (int j = 0; j + 2 <= nb; j += 2) {
            long rowA = base + (first + j) * rowBytes;
            long rowB = base + (first + j + 1) * rowBytes;
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
            FloatVector t1 = a0.blend(b0, m8).add(b0.blend(a0, m8).rearrange(w8));
            FloatVector t2 = a2.blend(b2, m8).add(b2.blend(a2, m8).rearrange(w8));
            FloatVector t3 = a1.blend(b1, m8).add(b1.blend(a1, m8).rearrange(w8));
            FloatVector t4 = a3.blend(b3, m8).add(b3.blend(a3, m8).rearrange(w8));
            FloatVector t5 = t1.blend(t2, m4).add(t2.blend(t1, m4).rearrange(w4));
            FloatVector t6 = t3.blend(t4, m4).add(t4.blend(t3, m4).rearrange(w4));
            FloatVector t7 = t5.blend(t6, m2).add(t6.blend(t5, m2).rearrange(w2));
            FloatVector t8 = t7.rearrange(ev).add(t7.rearrange(od));
            t8.intoArray(s, sOff + 4 * j);
        }
    }

    // D0: 4 keys, 16 reduceLanes (control)
    static void logitsD0(float[] q, int d, MemorySegment seg, long base, long rowBytes, int first, int nb, float[] s, int sOff, int stride) {
        int q0 = QOFF, q1 = q0 + d, q2 = q1 + d, q3 = q2 + d;
        for (int j = 0; j + 4 <= nb; j += 4) {
            long rA = base + (first + j) * rowBytes, rB = rA + rowBytes, rC = rB + rowBytes, rD = rC + rowBytes;
            FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
            FloatVector b0 = a0, b1 = a0, b2 = a0, b3 = a0;
            FloatVector c0 = a0, c1 = a0, c2 = a0, c3 = a0;
            FloatVector d0 = a0, d1 = a0, d2 = a0, d3 = a0;
            for (int c = 0; c < d; c += CHUNK) {
                IntVector wa = IntVector.fromMemorySegment(I, seg, rA + 2L * c, LE);
                IntVector wb = IntVector.fromMemorySegment(I, seg, rB + 2L * c, LE);
                IntVector wc = IntVector.fromMemorySegment(I, seg, rC + 2L * c, LE);
                IntVector wd = IntVector.fromMemorySegment(I, seg, rD + 2L * c, LE);
                FloatVector kea = wa.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
                FloatVector koa = wa.and(0xFFFF0000).reinterpretAsFloats();
                FloatVector keb = wb.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
                FloatVector kob = wb.and(0xFFFF0000).reinterpretAsFloats();
                FloatVector kec = wc.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
                FloatVector koc = wc.and(0xFFFF0000).reinterpretAsFloats();
                FloatVector ked = wd.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
                FloatVector kod = wd.and(0xFFFF0000).reinterpretAsFloats();
                FloatVector x = FloatVector.fromArray(F, q, q0 + c);
                FloatVector y = FloatVector.fromArray(F, q, q0 + c + L);
                a0 = y.fma(koa, x.fma(kea, a0));
                b0 = y.fma(kob, x.fma(keb, b0));
                c0 = y.fma(koc, x.fma(kec, c0));
                d0 = y.fma(kod, x.fma(ked, d0));
                x = FloatVector.fromArray(F, q, q1 + c);
                y = FloatVector.fromArray(F, q, q1 + c + L);
                a1 = y.fma(koa, x.fma(kea, a1));
                b1 = y.fma(kob, x.fma(keb, b1));
                c1 = y.fma(koc, x.fma(kec, c1));
                d1 = y.fma(kod, x.fma(ked, d1));
                x = FloatVector.fromArray(F, q, q2 + c);
                y = FloatVector.fromArray(F, q, q2 + c + L);
                a2 = y.fma(koa, x.fma(kea, a2));
                b2 = y.fma(kob, x.fma(keb, b2));
                c2 = y.fma(koc, x.fma(kec, c2));
                d2 = y.fma(kod, x.fma(ked, d2));
                x = FloatVector.fromArray(F, q, q3 + c);
                y = FloatVector.fromArray(F, q, q3 + c + L);
                a3 = y.fma(koa, x.fma(kea, a3));
                b3 = y.fma(kob, x.fma(keb, b3));
                c3 = y.fma(koc, x.fma(kec, c3));
                d3 = y.fma(kod, x.fma(ked, d3));
            }
            int o = sOff + j;
            s[o] = a0.reduceLanes(VectorOperators.ADD);
            s[o + 1] = b0.reduceLanes(VectorOperators.ADD);
            s[o + 2] = c0.reduceLanes(VectorOperators.ADD);
            s[o + 3] = d0.reduceLanes(VectorOperators.ADD);
            s[o + 1 * stride] = a1.reduceLanes(VectorOperators.ADD);
            s[o + 1 * stride + 1] = b1.reduceLanes(VectorOperators.ADD);
            s[o + 1 * stride + 2] = c1.reduceLanes(VectorOperators.ADD);
            s[o + 1 * stride + 3] = d1.reduceLanes(VectorOperators.ADD);
            s[o + 2 * stride] = a2.reduceLanes(VectorOperators.ADD);
            s[o + 2 * stride + 1] = b2.reduceLanes(VectorOperators.ADD);
            s[o + 2 * stride + 2] = c2.reduceLanes(VectorOperators.ADD);
            s[o + 2 * stride + 3] = d2.reduceLanes(VectorOperators.ADD);
            s[o + 3 * stride] = a3.reduceLanes(VectorOperators.ADD);
            s[o + 3 * stride + 1] = b3.reduceLanes(VectorOperators.ADD);
            s[o + 3 * stride + 2] = c3.reduceLanes(VectorOperators.ADD);
            s[o + 3 * stride + 3] = d3.reduceLanes(VectorOperators.ADD);
        }
    }

    // D1: 4 keys, selectFrom tree, key-major one store
    static void logitsD1(float[] q, int d, MemorySegment seg, long base, long rowBytes, int first, int nb, float[] s, int sOff, int stride) {
        int q0 = QOFF, q1 = q0 + d, q2 = q1 + d, q3 = q2 + d;
        FloatVector lo8 = FloatVector.fromArray(F, SLO8, 0), hi8 = FloatVector.fromArray(F, SHI8, 0);
        FloatVector lo4 = FloatVector.fromArray(F, SLO4, 0), hi4 = FloatVector.fromArray(F, SHI4, 0);
        FloatVector lo2 = FloatVector.fromArray(F, SLO2, 0), hi2 = FloatVector.fromArray(F, SHI2, 0);
        FloatVector lo1 = FloatVector.fromArray(F, SLO1, 0), hi1 = FloatVector.fromArray(F, SHI1, 0);
        FloatVector lo1s = FloatVector.fromArray(F, SLO1S, 0), hi1s = FloatVector.fromArray(F, SHI1S, 0);
        for (int j = 0; j + 4 <= nb; j += 4) {
            long rA = base + (first + j) * rowBytes, rB = rA + rowBytes, rC = rB + rowBytes, rD = rC + rowBytes;
            FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
            FloatVector b0 = a0, b1 = a0, b2 = a0, b3 = a0;
            FloatVector c0 = a0, c1 = a0, c2 = a0, c3 = a0;
            FloatVector d0 = a0, d1 = a0, d2 = a0, d3 = a0;
            for (int c = 0; c < d; c += CHUNK) {
                IntVector wa = IntVector.fromMemorySegment(I, seg, rA + 2L * c, LE);
                IntVector wb = IntVector.fromMemorySegment(I, seg, rB + 2L * c, LE);
                IntVector wc = IntVector.fromMemorySegment(I, seg, rC + 2L * c, LE);
                IntVector wd = IntVector.fromMemorySegment(I, seg, rD + 2L * c, LE);
                FloatVector kea = wa.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
                FloatVector koa = wa.and(0xFFFF0000).reinterpretAsFloats();
                FloatVector keb = wb.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
                FloatVector kob = wb.and(0xFFFF0000).reinterpretAsFloats();
                FloatVector kec = wc.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
                FloatVector koc = wc.and(0xFFFF0000).reinterpretAsFloats();
                FloatVector ked = wd.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
                FloatVector kod = wd.and(0xFFFF0000).reinterpretAsFloats();
                FloatVector x = FloatVector.fromArray(F, q, q0 + c);
                FloatVector y = FloatVector.fromArray(F, q, q0 + c + L);
                a0 = y.fma(koa, x.fma(kea, a0));
                b0 = y.fma(kob, x.fma(keb, b0));
                c0 = y.fma(koc, x.fma(kec, c0));
                d0 = y.fma(kod, x.fma(ked, d0));
                x = FloatVector.fromArray(F, q, q1 + c);
                y = FloatVector.fromArray(F, q, q1 + c + L);
                a1 = y.fma(koa, x.fma(kea, a1));
                b1 = y.fma(kob, x.fma(keb, b1));
                c1 = y.fma(koc, x.fma(kec, c1));
                d1 = y.fma(kod, x.fma(ked, d1));
                x = FloatVector.fromArray(F, q, q2 + c);
                y = FloatVector.fromArray(F, q, q2 + c + L);
                a2 = y.fma(koa, x.fma(kea, a2));
                b2 = y.fma(kob, x.fma(keb, b2));
                c2 = y.fma(koc, x.fma(kec, c2));
                d2 = y.fma(kod, x.fma(ked, d2));
                x = FloatVector.fromArray(F, q, q3 + c);
                y = FloatVector.fromArray(F, q, q3 + c + L);
                a3 = y.fma(koa, x.fma(kea, a3));
                b3 = y.fma(kob, x.fma(keb, b3));
                c3 = y.fma(koc, x.fma(kec, c3));
                d3 = y.fma(kod, x.fma(ked, d3));
            }
            FloatVector t1 = lo8.selectFrom(a0, a1).add(hi8.selectFrom(a0, a1));
            FloatVector t2 = lo8.selectFrom(a2, a3).add(hi8.selectFrom(a2, a3));
            FloatVector t3 = lo8.selectFrom(b0, b1).add(hi8.selectFrom(b0, b1));
            FloatVector t4 = lo8.selectFrom(b2, b3).add(hi8.selectFrom(b2, b3));
            FloatVector t5 = lo8.selectFrom(c0, c1).add(hi8.selectFrom(c0, c1));
            FloatVector t6 = lo8.selectFrom(c2, c3).add(hi8.selectFrom(c2, c3));
            FloatVector t7 = lo8.selectFrom(d0, d1).add(hi8.selectFrom(d0, d1));
            FloatVector t8 = lo8.selectFrom(d2, d3).add(hi8.selectFrom(d2, d3));
            FloatVector t9 = lo4.selectFrom(t1, t2).add(hi4.selectFrom(t1, t2));
            FloatVector t10 = lo4.selectFrom(t3, t4).add(hi4.selectFrom(t3, t4));
            FloatVector t11 = lo4.selectFrom(t5, t6).add(hi4.selectFrom(t5, t6));
            FloatVector t12 = lo4.selectFrom(t7, t8).add(hi4.selectFrom(t7, t8));
            FloatVector t13 = lo2.selectFrom(t9, t10).add(hi2.selectFrom(t9, t10));
            FloatVector t14 = lo2.selectFrom(t11, t12).add(hi2.selectFrom(t11, t12));
            FloatVector t15 = lo1.selectFrom(t13, t14).add(hi1.selectFrom(t13, t14));
            t15.intoArray(s, sOff + 4 * j);
        }
    }

    // D2: 4 keys, selectFrom tree, head-major 4 masked stores
    static void logitsD2(float[] q, int d, MemorySegment seg, long base, long rowBytes, int first, int nb, float[] s, int sOff, int stride) {
        int q0 = QOFF, q1 = q0 + d, q2 = q1 + d, q3 = q2 + d;
        FloatVector lo8 = FloatVector.fromArray(F, SLO8, 0), hi8 = FloatVector.fromArray(F, SHI8, 0);
        FloatVector lo4 = FloatVector.fromArray(F, SLO4, 0), hi4 = FloatVector.fromArray(F, SHI4, 0);
        FloatVector lo2 = FloatVector.fromArray(F, SLO2, 0), hi2 = FloatVector.fromArray(F, SHI2, 0);
        FloatVector lo1 = FloatVector.fromArray(F, SLO1, 0), hi1 = FloatVector.fromArray(F, SHI1, 0);
        FloatVector lo1s = FloatVector.fromArray(F, SLO1S, 0), hi1s = FloatVector.fromArray(F, SHI1S, 0);
        VectorMask<Float> h0 = VectorMask.fromLong(F, 0xFL), h1 = VectorMask.fromLong(F, 0xF0L),
                h2 = VectorMask.fromLong(F, 0xF00L), h3 = VectorMask.fromLong(F, 0xF000L);
        VectorMask<Float> p0 = VectorMask.fromLong(F, 0x3L), p1 = VectorMask.fromLong(F, 0xCL),
                p2 = VectorMask.fromLong(F, 0x30L), p3 = VectorMask.fromLong(F, 0xC0L);
        for (int j = 0; j + 4 <= nb; j += 4) {
            long rA = base + (first + j) * rowBytes, rB = rA + rowBytes, rC = rB + rowBytes, rD = rC + rowBytes;
            FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
            FloatVector b0 = a0, b1 = a0, b2 = a0, b3 = a0;
            FloatVector c0 = a0, c1 = a0, c2 = a0, c3 = a0;
            FloatVector d0 = a0, d1 = a0, d2 = a0, d3 = a0;
            for (int c = 0; c < d; c += CHUNK) {
                IntVector wa = IntVector.fromMemorySegment(I, seg, rA + 2L * c, LE);
                IntVector wb = IntVector.fromMemorySegment(I, seg, rB + 2L * c, LE);
                IntVector wc = IntVector.fromMemorySegment(I, seg, rC + 2L * c, LE);
                IntVector wd = IntVector.fromMemorySegment(I, seg, rD + 2L * c, LE);
                FloatVector kea = wa.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
                FloatVector koa = wa.and(0xFFFF0000).reinterpretAsFloats();
                FloatVector keb = wb.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
                FloatVector kob = wb.and(0xFFFF0000).reinterpretAsFloats();
                FloatVector kec = wc.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
                FloatVector koc = wc.and(0xFFFF0000).reinterpretAsFloats();
                FloatVector ked = wd.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
                FloatVector kod = wd.and(0xFFFF0000).reinterpretAsFloats();
                FloatVector x = FloatVector.fromArray(F, q, q0 + c);
                FloatVector y = FloatVector.fromArray(F, q, q0 + c + L);
                a0 = y.fma(koa, x.fma(kea, a0));
                b0 = y.fma(kob, x.fma(keb, b0));
                c0 = y.fma(koc, x.fma(kec, c0));
                d0 = y.fma(kod, x.fma(ked, d0));
                x = FloatVector.fromArray(F, q, q1 + c);
                y = FloatVector.fromArray(F, q, q1 + c + L);
                a1 = y.fma(koa, x.fma(kea, a1));
                b1 = y.fma(kob, x.fma(keb, b1));
                c1 = y.fma(koc, x.fma(kec, c1));
                d1 = y.fma(kod, x.fma(ked, d1));
                x = FloatVector.fromArray(F, q, q2 + c);
                y = FloatVector.fromArray(F, q, q2 + c + L);
                a2 = y.fma(koa, x.fma(kea, a2));
                b2 = y.fma(kob, x.fma(keb, b2));
                c2 = y.fma(koc, x.fma(kec, c2));
                d2 = y.fma(kod, x.fma(ked, d2));
                x = FloatVector.fromArray(F, q, q3 + c);
                y = FloatVector.fromArray(F, q, q3 + c + L);
                a3 = y.fma(koa, x.fma(kea, a3));
                b3 = y.fma(kob, x.fma(keb, b3));
                c3 = y.fma(koc, x.fma(kec, c3));
                d3 = y.fma(kod, x.fma(ked, d3));
            }
            FloatVector t1 = lo8.selectFrom(a0, b0).add(hi8.selectFrom(a0, b0));
            FloatVector t2 = lo8.selectFrom(c0, d0).add(hi8.selectFrom(c0, d0));
            FloatVector t3 = lo8.selectFrom(a1, b1).add(hi8.selectFrom(a1, b1));
            FloatVector t4 = lo8.selectFrom(c1, d1).add(hi8.selectFrom(c1, d1));
            FloatVector t5 = lo8.selectFrom(a2, b2).add(hi8.selectFrom(a2, b2));
            FloatVector t6 = lo8.selectFrom(c2, d2).add(hi8.selectFrom(c2, d2));
            FloatVector t7 = lo8.selectFrom(a3, b3).add(hi8.selectFrom(a3, b3));
            FloatVector t8 = lo8.selectFrom(c3, d3).add(hi8.selectFrom(c3, d3));
            FloatVector t9 = lo4.selectFrom(t1, t2).add(hi4.selectFrom(t1, t2));
            FloatVector t10 = lo4.selectFrom(t3, t4).add(hi4.selectFrom(t3, t4));
            FloatVector t11 = lo4.selectFrom(t5, t6).add(hi4.selectFrom(t5, t6));
            FloatVector t12 = lo4.selectFrom(t7, t8).add(hi4.selectFrom(t7, t8));
            FloatVector t13 = lo2.selectFrom(t9, t10).add(hi2.selectFrom(t9, t10));
            FloatVector t14 = lo2.selectFrom(t11, t12).add(hi2.selectFrom(t11, t12));
            FloatVector t15 = lo1.selectFrom(t13, t14).add(hi1.selectFrom(t13, t14));
            int o = sOff + j;
            t15.intoArray(s, o, h0);
            t15.intoArray(s, o + stride - 4, h1);
            t15.intoArray(s, o + 2 * stride - 8, h2);
            t15.intoArray(s, o + 3 * stride - 12, h3);
        }
    }

    // D4: 4 keys, selectFrom tree, head-major 16 lane() stores
    static void logitsD4(float[] q, int d, MemorySegment seg, long base, long rowBytes, int first, int nb, float[] s, int sOff, int stride) {
        int q0 = QOFF, q1 = q0 + d, q2 = q1 + d, q3 = q2 + d;
        FloatVector lo8 = FloatVector.fromArray(F, SLO8, 0), hi8 = FloatVector.fromArray(F, SHI8, 0);
        FloatVector lo4 = FloatVector.fromArray(F, SLO4, 0), hi4 = FloatVector.fromArray(F, SHI4, 0);
        FloatVector lo2 = FloatVector.fromArray(F, SLO2, 0), hi2 = FloatVector.fromArray(F, SHI2, 0);
        FloatVector lo1 = FloatVector.fromArray(F, SLO1, 0), hi1 = FloatVector.fromArray(F, SHI1, 0);
        FloatVector lo1s = FloatVector.fromArray(F, SLO1S, 0), hi1s = FloatVector.fromArray(F, SHI1S, 0);
        for (int j = 0; j + 4 <= nb; j += 4) {
            long rA = base + (first + j) * rowBytes, rB = rA + rowBytes, rC = rB + rowBytes, rD = rC + rowBytes;
            FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
            FloatVector b0 = a0, b1 = a0, b2 = a0, b3 = a0;
            FloatVector c0 = a0, c1 = a0, c2 = a0, c3 = a0;
            FloatVector d0 = a0, d1 = a0, d2 = a0, d3 = a0;
            for (int c = 0; c < d; c += CHUNK) {
                IntVector wa = IntVector.fromMemorySegment(I, seg, rA + 2L * c, LE);
                IntVector wb = IntVector.fromMemorySegment(I, seg, rB + 2L * c, LE);
                IntVector wc = IntVector.fromMemorySegment(I, seg, rC + 2L * c, LE);
                IntVector wd = IntVector.fromMemorySegment(I, seg, rD + 2L * c, LE);
                FloatVector kea = wa.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
                FloatVector koa = wa.and(0xFFFF0000).reinterpretAsFloats();
                FloatVector keb = wb.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
                FloatVector kob = wb.and(0xFFFF0000).reinterpretAsFloats();
                FloatVector kec = wc.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
                FloatVector koc = wc.and(0xFFFF0000).reinterpretAsFloats();
                FloatVector ked = wd.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
                FloatVector kod = wd.and(0xFFFF0000).reinterpretAsFloats();
                FloatVector x = FloatVector.fromArray(F, q, q0 + c);
                FloatVector y = FloatVector.fromArray(F, q, q0 + c + L);
                a0 = y.fma(koa, x.fma(kea, a0));
                b0 = y.fma(kob, x.fma(keb, b0));
                c0 = y.fma(koc, x.fma(kec, c0));
                d0 = y.fma(kod, x.fma(ked, d0));
                x = FloatVector.fromArray(F, q, q1 + c);
                y = FloatVector.fromArray(F, q, q1 + c + L);
                a1 = y.fma(koa, x.fma(kea, a1));
                b1 = y.fma(kob, x.fma(keb, b1));
                c1 = y.fma(koc, x.fma(kec, c1));
                d1 = y.fma(kod, x.fma(ked, d1));
                x = FloatVector.fromArray(F, q, q2 + c);
                y = FloatVector.fromArray(F, q, q2 + c + L);
                a2 = y.fma(koa, x.fma(kea, a2));
                b2 = y.fma(kob, x.fma(keb, b2));
                c2 = y.fma(koc, x.fma(kec, c2));
                d2 = y.fma(kod, x.fma(ked, d2));
                x = FloatVector.fromArray(F, q, q3 + c);
                y = FloatVector.fromArray(F, q, q3 + c + L);
                a3 = y.fma(koa, x.fma(kea, a3));
                b3 = y.fma(kob, x.fma(keb, b3));
                c3 = y.fma(koc, x.fma(kec, c3));
                d3 = y.fma(kod, x.fma(ked, d3));
            }
            FloatVector t1 = lo8.selectFrom(a0, b0).add(hi8.selectFrom(a0, b0));
            FloatVector t2 = lo8.selectFrom(c0, d0).add(hi8.selectFrom(c0, d0));
            FloatVector t3 = lo8.selectFrom(a1, b1).add(hi8.selectFrom(a1, b1));
            FloatVector t4 = lo8.selectFrom(c1, d1).add(hi8.selectFrom(c1, d1));
            FloatVector t5 = lo8.selectFrom(a2, b2).add(hi8.selectFrom(a2, b2));
            FloatVector t6 = lo8.selectFrom(c2, d2).add(hi8.selectFrom(c2, d2));
            FloatVector t7 = lo8.selectFrom(a3, b3).add(hi8.selectFrom(a3, b3));
            FloatVector t8 = lo8.selectFrom(c3, d3).add(hi8.selectFrom(c3, d3));
            FloatVector t9 = lo4.selectFrom(t1, t2).add(hi4.selectFrom(t1, t2));
            FloatVector t10 = lo4.selectFrom(t3, t4).add(hi4.selectFrom(t3, t4));
            FloatVector t11 = lo4.selectFrom(t5, t6).add(hi4.selectFrom(t5, t6));
            FloatVector t12 = lo4.selectFrom(t7, t8).add(hi4.selectFrom(t7, t8));
            FloatVector t13 = lo2.selectFrom(t9, t10).add(hi2.selectFrom(t9, t10));
            FloatVector t14 = lo2.selectFrom(t11, t12).add(hi2.selectFrom(t11, t12));
            FloatVector t15 = lo1.selectFrom(t13, t14).add(hi1.selectFrom(t13, t14));
            int o = sOff + j;
            s[o] = t15.lane(0);
            s[o + 1] = t15.lane(1);
            s[o + 2] = t15.lane(2);
            s[o + 3] = t15.lane(3);
            s[o + 1 * stride] = t15.lane(4);
            s[o + 1 * stride + 1] = t15.lane(5);
            s[o + 1 * stride + 2] = t15.lane(6);
            s[o + 1 * stride + 3] = t15.lane(7);
            s[o + 2 * stride] = t15.lane(8);
            s[o + 2 * stride + 1] = t15.lane(9);
            s[o + 2 * stride + 2] = t15.lane(10);
            s[o + 2 * stride + 3] = t15.lane(11);
            s[o + 3 * stride] = t15.lane(12);
            s[o + 3 * stride + 1] = t15.lane(13);
            s[o + 3 * stride + 2] = t15.lane(14);
            s[o + 3 * stride + 3] = t15.lane(15);
        }
    }

    // D3: 4 keys, blend+rearrange tree, key-major one store
    static void logitsD3(float[] q, int d, MemorySegment seg, long base, long rowBytes, int first, int nb, float[] s, int sOff, int stride) {
        int q0 = QOFF, q1 = q0 + d, q2 = q1 + d, q3 = q2 + d;
        VectorMask<Float> m8 = M8, m4 = M4, m2 = M2, m1 = M1;
        VectorShuffle<Float> w8 = W8, w4 = W4, w2 = W2, w1 = W1, ev = EV, od = OD;
        for (int j = 0; j + 4 <= nb; j += 4) {
            long rA = base + (first + j) * rowBytes, rB = rA + rowBytes, rC = rB + rowBytes, rD = rC + rowBytes;
            FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
            FloatVector b0 = a0, b1 = a0, b2 = a0, b3 = a0;
            FloatVector c0 = a0, c1 = a0, c2 = a0, c3 = a0;
            FloatVector d0 = a0, d1 = a0, d2 = a0, d3 = a0;
            for (int c = 0; c < d; c += CHUNK) {
                IntVector wa = IntVector.fromMemorySegment(I, seg, rA + 2L * c, LE);
                IntVector wb = IntVector.fromMemorySegment(I, seg, rB + 2L * c, LE);
                IntVector wc = IntVector.fromMemorySegment(I, seg, rC + 2L * c, LE);
                IntVector wd = IntVector.fromMemorySegment(I, seg, rD + 2L * c, LE);
                FloatVector kea = wa.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
                FloatVector koa = wa.and(0xFFFF0000).reinterpretAsFloats();
                FloatVector keb = wb.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
                FloatVector kob = wb.and(0xFFFF0000).reinterpretAsFloats();
                FloatVector kec = wc.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
                FloatVector koc = wc.and(0xFFFF0000).reinterpretAsFloats();
                FloatVector ked = wd.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
                FloatVector kod = wd.and(0xFFFF0000).reinterpretAsFloats();
                FloatVector x = FloatVector.fromArray(F, q, q0 + c);
                FloatVector y = FloatVector.fromArray(F, q, q0 + c + L);
                a0 = y.fma(koa, x.fma(kea, a0));
                b0 = y.fma(kob, x.fma(keb, b0));
                c0 = y.fma(koc, x.fma(kec, c0));
                d0 = y.fma(kod, x.fma(ked, d0));
                x = FloatVector.fromArray(F, q, q1 + c);
                y = FloatVector.fromArray(F, q, q1 + c + L);
                a1 = y.fma(koa, x.fma(kea, a1));
                b1 = y.fma(kob, x.fma(keb, b1));
                c1 = y.fma(koc, x.fma(kec, c1));
                d1 = y.fma(kod, x.fma(ked, d1));
                x = FloatVector.fromArray(F, q, q2 + c);
                y = FloatVector.fromArray(F, q, q2 + c + L);
                a2 = y.fma(koa, x.fma(kea, a2));
                b2 = y.fma(kob, x.fma(keb, b2));
                c2 = y.fma(koc, x.fma(kec, c2));
                d2 = y.fma(kod, x.fma(ked, d2));
                x = FloatVector.fromArray(F, q, q3 + c);
                y = FloatVector.fromArray(F, q, q3 + c + L);
                a3 = y.fma(koa, x.fma(kea, a3));
                b3 = y.fma(kob, x.fma(keb, b3));
                c3 = y.fma(koc, x.fma(kec, c3));
                d3 = y.fma(kod, x.fma(ked, d3));
            }
            FloatVector t1 = a0.blend(c0, m8).add(c0.blend(a0, m8).rearrange(w8));
            FloatVector t2 = b0.blend(d0, m8).add(d0.blend(b0, m8).rearrange(w8));
            FloatVector t3 = a2.blend(c2, m8).add(c2.blend(a2, m8).rearrange(w8));
            FloatVector t4 = b2.blend(d2, m8).add(d2.blend(b2, m8).rearrange(w8));
            FloatVector t5 = a1.blend(c1, m8).add(c1.blend(a1, m8).rearrange(w8));
            FloatVector t6 = b1.blend(d1, m8).add(d1.blend(b1, m8).rearrange(w8));
            FloatVector t7 = a3.blend(c3, m8).add(c3.blend(a3, m8).rearrange(w8));
            FloatVector t8 = b3.blend(d3, m8).add(d3.blend(b3, m8).rearrange(w8));
            FloatVector t9 = t1.blend(t2, m4).add(t2.blend(t1, m4).rearrange(w4));
            FloatVector t10 = t3.blend(t4, m4).add(t4.blend(t3, m4).rearrange(w4));
            FloatVector t11 = t5.blend(t6, m4).add(t6.blend(t5, m4).rearrange(w4));
            FloatVector t12 = t7.blend(t8, m4).add(t8.blend(t7, m4).rearrange(w4));
            FloatVector t13 = t9.blend(t10, m2).add(t10.blend(t9, m2).rearrange(w2));
            FloatVector t14 = t11.blend(t12, m2).add(t12.blend(t11, m2).rearrange(w2));
            FloatVector t15 = t13.blend(t14, m1).add(t14.blend(t13, m1).rearrange(w1));
            t15.intoArray(s, sOff + 4 * j);
        }
    }

    // D5: 4 keys, blend+rearrange tree, head-major 16 lane() stores
    static void logitsD5(float[] q, int d, MemorySegment seg, long base, long rowBytes, int first, int nb, float[] s, int sOff, int stride) {
        int q0 = QOFF, q1 = q0 + d, q2 = q1 + d, q3 = q2 + d;
        VectorMask<Float> m8 = M8, m4 = M4, m2 = M2, m1 = M1;
        VectorShuffle<Float> w8 = W8, w4 = W4, w2 = W2, w1 = W1, ev = EV, od = OD;
        for (int j = 0; j + 4 <= nb; j += 4) {
            long rA = base + (first + j) * rowBytes, rB = rA + rowBytes, rC = rB + rowBytes, rD = rC + rowBytes;
            FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
            FloatVector b0 = a0, b1 = a0, b2 = a0, b3 = a0;
            FloatVector c0 = a0, c1 = a0, c2 = a0, c3 = a0;
            FloatVector d0 = a0, d1 = a0, d2 = a0, d3 = a0;
            for (int c = 0; c < d; c += CHUNK) {
                IntVector wa = IntVector.fromMemorySegment(I, seg, rA + 2L * c, LE);
                IntVector wb = IntVector.fromMemorySegment(I, seg, rB + 2L * c, LE);
                IntVector wc = IntVector.fromMemorySegment(I, seg, rC + 2L * c, LE);
                IntVector wd = IntVector.fromMemorySegment(I, seg, rD + 2L * c, LE);
                FloatVector kea = wa.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
                FloatVector koa = wa.and(0xFFFF0000).reinterpretAsFloats();
                FloatVector keb = wb.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
                FloatVector kob = wb.and(0xFFFF0000).reinterpretAsFloats();
                FloatVector kec = wc.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
                FloatVector koc = wc.and(0xFFFF0000).reinterpretAsFloats();
                FloatVector ked = wd.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
                FloatVector kod = wd.and(0xFFFF0000).reinterpretAsFloats();
                FloatVector x = FloatVector.fromArray(F, q, q0 + c);
                FloatVector y = FloatVector.fromArray(F, q, q0 + c + L);
                a0 = y.fma(koa, x.fma(kea, a0));
                b0 = y.fma(kob, x.fma(keb, b0));
                c0 = y.fma(koc, x.fma(kec, c0));
                d0 = y.fma(kod, x.fma(ked, d0));
                x = FloatVector.fromArray(F, q, q1 + c);
                y = FloatVector.fromArray(F, q, q1 + c + L);
                a1 = y.fma(koa, x.fma(kea, a1));
                b1 = y.fma(kob, x.fma(keb, b1));
                c1 = y.fma(koc, x.fma(kec, c1));
                d1 = y.fma(kod, x.fma(ked, d1));
                x = FloatVector.fromArray(F, q, q2 + c);
                y = FloatVector.fromArray(F, q, q2 + c + L);
                a2 = y.fma(koa, x.fma(kea, a2));
                b2 = y.fma(kob, x.fma(keb, b2));
                c2 = y.fma(koc, x.fma(kec, c2));
                d2 = y.fma(kod, x.fma(ked, d2));
                x = FloatVector.fromArray(F, q, q3 + c);
                y = FloatVector.fromArray(F, q, q3 + c + L);
                a3 = y.fma(koa, x.fma(kea, a3));
                b3 = y.fma(kob, x.fma(keb, b3));
                c3 = y.fma(koc, x.fma(kec, c3));
                d3 = y.fma(kod, x.fma(ked, d3));
            }
            FloatVector t1 = a0.blend(a2, m8).add(a2.blend(a0, m8).rearrange(w8));
            FloatVector t2 = a1.blend(a3, m8).add(a3.blend(a1, m8).rearrange(w8));
            FloatVector t3 = c0.blend(c2, m8).add(c2.blend(c0, m8).rearrange(w8));
            FloatVector t4 = c1.blend(c3, m8).add(c3.blend(c1, m8).rearrange(w8));
            FloatVector t5 = b0.blend(b2, m8).add(b2.blend(b0, m8).rearrange(w8));
            FloatVector t6 = b1.blend(b3, m8).add(b3.blend(b1, m8).rearrange(w8));
            FloatVector t7 = d0.blend(d2, m8).add(d2.blend(d0, m8).rearrange(w8));
            FloatVector t8 = d1.blend(d3, m8).add(d3.blend(d1, m8).rearrange(w8));
            FloatVector t9 = t1.blend(t2, m4).add(t2.blend(t1, m4).rearrange(w4));
            FloatVector t10 = t3.blend(t4, m4).add(t4.blend(t3, m4).rearrange(w4));
            FloatVector t11 = t5.blend(t6, m4).add(t6.blend(t5, m4).rearrange(w4));
            FloatVector t12 = t7.blend(t8, m4).add(t8.blend(t7, m4).rearrange(w4));
            FloatVector t13 = t9.blend(t10, m2).add(t10.blend(t9, m2).rearrange(w2));
            FloatVector t14 = t11.blend(t12, m2).add(t12.blend(t11, m2).rearrange(w2));
            FloatVector t15 = t13.blend(t14, m1).add(t14.blend(t13, m1).rearrange(w1));
            int o = sOff + j;
            s[o] = t15.lane(0);
            s[o + 1] = t15.lane(1);
            s[o + 2] = t15.lane(2);
            s[o + 3] = t15.lane(3);
            s[o + 1 * stride] = t15.lane(4);
            s[o + 1 * stride + 1] = t15.lane(5);
            s[o + 1 * stride + 2] = t15.lane(6);
            s[o + 1 * stride + 3] = t15.lane(7);
            s[o + 2 * stride] = t15.lane(8);
            s[o + 2 * stride + 1] = t15.lane(9);
            s[o + 2 * stride + 2] = t15.lane(10);
            s[o + 2 * stride + 3] = t15.lane(11);
            s[o + 3 * stride] = t15.lane(12);
            s[o + 3 * stride + 1] = t15.lane(13);
            s[o + 3 * stride + 2] = t15.lane(14);
            s[o + 3 * stride + 3] = t15.lane(15);
        }
    }

    // D6: 4 keys, blend+rearrange tree, head-major 4 x 128-bit stores via reinterpretShape
    static void logitsD6(float[] q, int d, MemorySegment seg, long base, long rowBytes, int first, int nb, float[] s, int sOff, int stride) {
        int q0 = QOFF, q1 = q0 + d, q2 = q1 + d, q3 = q2 + d;
        VectorMask<Float> m8 = M8, m4 = M4, m2 = M2, m1 = M1;
        VectorShuffle<Float> w8 = W8, w4 = W4, w2 = W2, w1 = W1, ev = EV, od = OD;
        for (int j = 0; j + 4 <= nb; j += 4) {
            long rA = base + (first + j) * rowBytes, rB = rA + rowBytes, rC = rB + rowBytes, rD = rC + rowBytes;
            FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
            FloatVector b0 = a0, b1 = a0, b2 = a0, b3 = a0;
            FloatVector c0 = a0, c1 = a0, c2 = a0, c3 = a0;
            FloatVector d0 = a0, d1 = a0, d2 = a0, d3 = a0;
            for (int c = 0; c < d; c += CHUNK) {
                IntVector wa = IntVector.fromMemorySegment(I, seg, rA + 2L * c, LE);
                IntVector wb = IntVector.fromMemorySegment(I, seg, rB + 2L * c, LE);
                IntVector wc = IntVector.fromMemorySegment(I, seg, rC + 2L * c, LE);
                IntVector wd = IntVector.fromMemorySegment(I, seg, rD + 2L * c, LE);
                FloatVector kea = wa.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
                FloatVector koa = wa.and(0xFFFF0000).reinterpretAsFloats();
                FloatVector keb = wb.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
                FloatVector kob = wb.and(0xFFFF0000).reinterpretAsFloats();
                FloatVector kec = wc.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
                FloatVector koc = wc.and(0xFFFF0000).reinterpretAsFloats();
                FloatVector ked = wd.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
                FloatVector kod = wd.and(0xFFFF0000).reinterpretAsFloats();
                FloatVector x = FloatVector.fromArray(F, q, q0 + c);
                FloatVector y = FloatVector.fromArray(F, q, q0 + c + L);
                a0 = y.fma(koa, x.fma(kea, a0));
                b0 = y.fma(kob, x.fma(keb, b0));
                c0 = y.fma(koc, x.fma(kec, c0));
                d0 = y.fma(kod, x.fma(ked, d0));
                x = FloatVector.fromArray(F, q, q1 + c);
                y = FloatVector.fromArray(F, q, q1 + c + L);
                a1 = y.fma(koa, x.fma(kea, a1));
                b1 = y.fma(kob, x.fma(keb, b1));
                c1 = y.fma(koc, x.fma(kec, c1));
                d1 = y.fma(kod, x.fma(ked, d1));
                x = FloatVector.fromArray(F, q, q2 + c);
                y = FloatVector.fromArray(F, q, q2 + c + L);
                a2 = y.fma(koa, x.fma(kea, a2));
                b2 = y.fma(kob, x.fma(keb, b2));
                c2 = y.fma(koc, x.fma(kec, c2));
                d2 = y.fma(kod, x.fma(ked, d2));
                x = FloatVector.fromArray(F, q, q3 + c);
                y = FloatVector.fromArray(F, q, q3 + c + L);
                a3 = y.fma(koa, x.fma(kea, a3));
                b3 = y.fma(kob, x.fma(keb, b3));
                c3 = y.fma(koc, x.fma(kec, c3));
                d3 = y.fma(kod, x.fma(ked, d3));
            }
            FloatVector t1 = a0.blend(a2, m8).add(a2.blend(a0, m8).rearrange(w8));
            FloatVector t2 = a1.blend(a3, m8).add(a3.blend(a1, m8).rearrange(w8));
            FloatVector t3 = c0.blend(c2, m8).add(c2.blend(c0, m8).rearrange(w8));
            FloatVector t4 = c1.blend(c3, m8).add(c3.blend(c1, m8).rearrange(w8));
            FloatVector t5 = b0.blend(b2, m8).add(b2.blend(b0, m8).rearrange(w8));
            FloatVector t6 = b1.blend(b3, m8).add(b3.blend(b1, m8).rearrange(w8));
            FloatVector t7 = d0.blend(d2, m8).add(d2.blend(d0, m8).rearrange(w8));
            FloatVector t8 = d1.blend(d3, m8).add(d3.blend(d1, m8).rearrange(w8));
            FloatVector t9 = t1.blend(t2, m4).add(t2.blend(t1, m4).rearrange(w4));
            FloatVector t10 = t3.blend(t4, m4).add(t4.blend(t3, m4).rearrange(w4));
            FloatVector t11 = t5.blend(t6, m4).add(t6.blend(t5, m4).rearrange(w4));
            FloatVector t12 = t7.blend(t8, m4).add(t8.blend(t7, m4).rearrange(w4));
            FloatVector t13 = t9.blend(t10, m2).add(t10.blend(t9, m2).rearrange(w2));
            FloatVector t14 = t11.blend(t12, m2).add(t12.blend(t11, m2).rearrange(w2));
            FloatVector t15 = t13.blend(t14, m1).add(t14.blend(t13, m1).rearrange(w1));
            int o = sOff + j;
            ((FloatVector) t15.reinterpretShape(FloatVector.SPECIES_128, 0)).intoArray(s, o);
            ((FloatVector) t15.reinterpretShape(FloatVector.SPECIES_128, 1)).intoArray(s, o + 1 * stride);
            ((FloatVector) t15.reinterpretShape(FloatVector.SPECIES_128, 2)).intoArray(s, o + 2 * stride);
            ((FloatVector) t15.reinterpretShape(FloatVector.SPECIES_128, 3)).intoArray(s, o + 3 * stride);
        }
    }

    // D7: 4 keys, blend+rearrange tree, head-major 4 masked stores
    static void logitsD7(float[] q, int d, MemorySegment seg, long base, long rowBytes, int first, int nb, float[] s, int sOff, int stride) {
        int q0 = QOFF, q1 = q0 + d, q2 = q1 + d, q3 = q2 + d;
        VectorMask<Float> m8 = M8, m4 = M4, m2 = M2, m1 = M1;
        VectorShuffle<Float> w8 = W8, w4 = W4, w2 = W2, w1 = W1, ev = EV, od = OD;
        VectorMask<Float> h0 = VectorMask.fromLong(F, 0xFL), h1 = VectorMask.fromLong(F, 0xF0L),
                h2 = VectorMask.fromLong(F, 0xF00L), h3 = VectorMask.fromLong(F, 0xF000L);
        VectorMask<Float> p0 = VectorMask.fromLong(F, 0x3L), p1 = VectorMask.fromLong(F, 0xCL),
                p2 = VectorMask.fromLong(F, 0x30L), p3 = VectorMask.fromLong(F, 0xC0L);
        for (int j = 0; j + 4 <= nb; j += 4) {
            long rA = base + (first + j) * rowBytes, rB = rA + rowBytes, rC = rB + rowBytes, rD = rC + rowBytes;
            FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
            FloatVector b0 = a0, b1 = a0, b2 = a0, b3 = a0;
            FloatVector c0 = a0, c1 = a0, c2 = a0, c3 = a0;
            FloatVector d0 = a0, d1 = a0, d2 = a0, d3 = a0;
            for (int c = 0; c < d; c += CHUNK) {
                IntVector wa = IntVector.fromMemorySegment(I, seg, rA + 2L * c, LE);
                IntVector wb = IntVector.fromMemorySegment(I, seg, rB + 2L * c, LE);
                IntVector wc = IntVector.fromMemorySegment(I, seg, rC + 2L * c, LE);
                IntVector wd = IntVector.fromMemorySegment(I, seg, rD + 2L * c, LE);
                FloatVector kea = wa.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
                FloatVector koa = wa.and(0xFFFF0000).reinterpretAsFloats();
                FloatVector keb = wb.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
                FloatVector kob = wb.and(0xFFFF0000).reinterpretAsFloats();
                FloatVector kec = wc.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
                FloatVector koc = wc.and(0xFFFF0000).reinterpretAsFloats();
                FloatVector ked = wd.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
                FloatVector kod = wd.and(0xFFFF0000).reinterpretAsFloats();
                FloatVector x = FloatVector.fromArray(F, q, q0 + c);
                FloatVector y = FloatVector.fromArray(F, q, q0 + c + L);
                a0 = y.fma(koa, x.fma(kea, a0));
                b0 = y.fma(kob, x.fma(keb, b0));
                c0 = y.fma(koc, x.fma(kec, c0));
                d0 = y.fma(kod, x.fma(ked, d0));
                x = FloatVector.fromArray(F, q, q1 + c);
                y = FloatVector.fromArray(F, q, q1 + c + L);
                a1 = y.fma(koa, x.fma(kea, a1));
                b1 = y.fma(kob, x.fma(keb, b1));
                c1 = y.fma(koc, x.fma(kec, c1));
                d1 = y.fma(kod, x.fma(ked, d1));
                x = FloatVector.fromArray(F, q, q2 + c);
                y = FloatVector.fromArray(F, q, q2 + c + L);
                a2 = y.fma(koa, x.fma(kea, a2));
                b2 = y.fma(kob, x.fma(keb, b2));
                c2 = y.fma(koc, x.fma(kec, c2));
                d2 = y.fma(kod, x.fma(ked, d2));
                x = FloatVector.fromArray(F, q, q3 + c);
                y = FloatVector.fromArray(F, q, q3 + c + L);
                a3 = y.fma(koa, x.fma(kea, a3));
                b3 = y.fma(kob, x.fma(keb, b3));
                c3 = y.fma(koc, x.fma(kec, c3));
                d3 = y.fma(kod, x.fma(ked, d3));
            }
            FloatVector t1 = a0.blend(a2, m8).add(a2.blend(a0, m8).rearrange(w8));
            FloatVector t2 = a1.blend(a3, m8).add(a3.blend(a1, m8).rearrange(w8));
            FloatVector t3 = c0.blend(c2, m8).add(c2.blend(c0, m8).rearrange(w8));
            FloatVector t4 = c1.blend(c3, m8).add(c3.blend(c1, m8).rearrange(w8));
            FloatVector t5 = b0.blend(b2, m8).add(b2.blend(b0, m8).rearrange(w8));
            FloatVector t6 = b1.blend(b3, m8).add(b3.blend(b1, m8).rearrange(w8));
            FloatVector t7 = d0.blend(d2, m8).add(d2.blend(d0, m8).rearrange(w8));
            FloatVector t8 = d1.blend(d3, m8).add(d3.blend(d1, m8).rearrange(w8));
            FloatVector t9 = t1.blend(t2, m4).add(t2.blend(t1, m4).rearrange(w4));
            FloatVector t10 = t3.blend(t4, m4).add(t4.blend(t3, m4).rearrange(w4));
            FloatVector t11 = t5.blend(t6, m4).add(t6.blend(t5, m4).rearrange(w4));
            FloatVector t12 = t7.blend(t8, m4).add(t8.blend(t7, m4).rearrange(w4));
            FloatVector t13 = t9.blend(t10, m2).add(t10.blend(t9, m2).rearrange(w2));
            FloatVector t14 = t11.blend(t12, m2).add(t12.blend(t11, m2).rearrange(w2));
            FloatVector t15 = t13.blend(t14, m1).add(t14.blend(t13, m1).rearrange(w1));
            int o = sOff + j;
            t15.intoArray(s, o, h0);
            t15.intoArray(s, o + stride - 4, h1);
            t15.intoArray(s, o + 2 * stride - 8, h2);
            t15.intoArray(s, o + 3 * stride - 12, h3);
        }
    }

    // Z2: 2 keys, plain add tree, NO lane movement (lower bound, output not logits)
    static void logitsZ2(float[] q, int d, MemorySegment seg, long base, long rowBytes, int first, int nb, float[] s, int sOff, int stride) {
        int q0 = QOFF, q1 = q0 + d, q2 = q1 + d, q3 = q2 + d;
        for (int j = 0; j + 2 <= nb; j += 2) {
            long rowA = base + (first + j) * rowBytes;
            long rowB = base + (first + j + 1) * rowBytes;
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
            FloatVector t1 = a0.add(a1);
            FloatVector t2 = a2.add(a3);
            FloatVector t3 = b0.add(b1);
            FloatVector t4 = b2.add(b3);
            FloatVector t5 = t1.add(t2);
            FloatVector t6 = t3.add(t4);
            FloatVector t7 = t5.add(t6);
            t7.intoArray(s, sOff + 4 * j);
        }
    }

    // Z4: 4 keys, plain add tree, NO lane movement (lower bound, output not logits)
    static void logitsZ4(float[] q, int d, MemorySegment seg, long base, long rowBytes, int first, int nb, float[] s, int sOff, int stride) {
        int q0 = QOFF, q1 = q0 + d, q2 = q1 + d, q3 = q2 + d;
        for (int j = 0; j + 4 <= nb; j += 4) {
            long rA = base + (first + j) * rowBytes, rB = rA + rowBytes, rC = rB + rowBytes, rD = rC + rowBytes;
            FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
            FloatVector b0 = a0, b1 = a0, b2 = a0, b3 = a0;
            FloatVector c0 = a0, c1 = a0, c2 = a0, c3 = a0;
            FloatVector d0 = a0, d1 = a0, d2 = a0, d3 = a0;
            for (int c = 0; c < d; c += CHUNK) {
                IntVector wa = IntVector.fromMemorySegment(I, seg, rA + 2L * c, LE);
                IntVector wb = IntVector.fromMemorySegment(I, seg, rB + 2L * c, LE);
                IntVector wc = IntVector.fromMemorySegment(I, seg, rC + 2L * c, LE);
                IntVector wd = IntVector.fromMemorySegment(I, seg, rD + 2L * c, LE);
                FloatVector kea = wa.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
                FloatVector koa = wa.and(0xFFFF0000).reinterpretAsFloats();
                FloatVector keb = wb.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
                FloatVector kob = wb.and(0xFFFF0000).reinterpretAsFloats();
                FloatVector kec = wc.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
                FloatVector koc = wc.and(0xFFFF0000).reinterpretAsFloats();
                FloatVector ked = wd.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
                FloatVector kod = wd.and(0xFFFF0000).reinterpretAsFloats();
                FloatVector x = FloatVector.fromArray(F, q, q0 + c);
                FloatVector y = FloatVector.fromArray(F, q, q0 + c + L);
                a0 = y.fma(koa, x.fma(kea, a0));
                b0 = y.fma(kob, x.fma(keb, b0));
                c0 = y.fma(koc, x.fma(kec, c0));
                d0 = y.fma(kod, x.fma(ked, d0));
                x = FloatVector.fromArray(F, q, q1 + c);
                y = FloatVector.fromArray(F, q, q1 + c + L);
                a1 = y.fma(koa, x.fma(kea, a1));
                b1 = y.fma(kob, x.fma(keb, b1));
                c1 = y.fma(koc, x.fma(kec, c1));
                d1 = y.fma(kod, x.fma(ked, d1));
                x = FloatVector.fromArray(F, q, q2 + c);
                y = FloatVector.fromArray(F, q, q2 + c + L);
                a2 = y.fma(koa, x.fma(kea, a2));
                b2 = y.fma(kob, x.fma(keb, b2));
                c2 = y.fma(koc, x.fma(kec, c2));
                d2 = y.fma(kod, x.fma(ked, d2));
                x = FloatVector.fromArray(F, q, q3 + c);
                y = FloatVector.fromArray(F, q, q3 + c + L);
                a3 = y.fma(koa, x.fma(kea, a3));
                b3 = y.fma(kob, x.fma(keb, b3));
                c3 = y.fma(koc, x.fma(kec, c3));
                d3 = y.fma(kod, x.fma(ked, d3));
            }
            FloatVector t1 = a0.add(a1);
            FloatVector t2 = a2.add(a3);
            FloatVector t3 = b0.add(b1);
            FloatVector t4 = b2.add(b3);
            FloatVector t5 = c0.add(c1);
            FloatVector t6 = c2.add(c3);
            FloatVector t7 = d0.add(d1);
            FloatVector t8 = d2.add(d3);
            FloatVector t9 = t1.add(t2);
            FloatVector t10 = t3.add(t4);
            FloatVector t11 = t5.add(t6);
            FloatVector t12 = t7.add(t8);
            FloatVector t13 = t9.add(t10);
            FloatVector t14 = t11.add(t12);
            FloatVector t15 = t13.add(t14);
            t15.intoArray(s, sOff + 4 * j);
        }
    }

    // ================= harness =================
    static final String[] NAMES = {"A", "B1", "B2", "B3", "B4", "C1", "C2", "D0", "D1", "D2", "D3", "D4", "D5", "D6", "D7", "Z2", "Z4"};
    static final String[] DESC = {
        "baseline 2 keys, 8 reduceLanes, head-major scalar stores",
        "2 keys, selectFrom(v1,v2) tree, 8 lane() extracts head-major",
        "2 keys, selectFrom(v1,v2) tree, 1 vector store key-major t[j*4+h]",
        "2 keys, selectFrom(v1,v2) tree, 4 masked 2-lane stores head-major",
        "2 keys, selectFrom(v1,v2) tree (last step 1-src selectFrom), 8 lane() extracts",
        "2 keys, blend+rearrange tree, 8 lane() extracts head-major",
        "2 keys, blend+rearrange tree, 1 vector store key-major",
        "4 keys, 16 reduceLanes (control), head-major",
        "4 keys, selectFrom tree, 1 vector store key-major",
        "4 keys, selectFrom tree, 4 masked stores head-major",
        "4 keys, blend+rearrange tree, 1 vector store key-major",
        "4 keys, selectFrom tree, 16 lane() extracts head-major",
        "4 keys, blend+rearrange tree, 16 lane() extracts head-major",
        "4 keys, blend+rearrange tree, 4 x 128-bit stores (reinterpretShape) head-major",
        "4 keys, blend+rearrange tree, 4 masked stores head-major",
        "2 keys, plain vaddps tree, no lane movement (lower bound; output not logits)",
        "4 keys, plain vaddps tree, no lane movement (lower bound; output not logits)"};
    static final boolean[] KEYMAJOR = {false, false, true, false, false, false, true, false, true, false, true, false, false, false, false, true, true};

    static float[] q;
    static float[] qBase;
    static int QOFF = 0; // offset of the query rows inside q (alignment sweep)
    static MemorySegment seg;

    static void run(int v, float[] s) {
        switch (v) {
            case 0 -> logitsA(q, D, seg, 0, ROWB, 0, NB, s, PAD, STRIDE);
            case 1 -> logitsB1(q, D, seg, 0, ROWB, 0, NB, s, PAD, STRIDE);
            case 2 -> logitsB2(q, D, seg, 0, ROWB, 0, NB, s, PAD, STRIDE);
            case 3 -> logitsB3(q, D, seg, 0, ROWB, 0, NB, s, PAD, STRIDE);
            case 4 -> logitsB4(q, D, seg, 0, ROWB, 0, NB, s, PAD, STRIDE);
            case 5 -> logitsC1(q, D, seg, 0, ROWB, 0, NB, s, PAD, STRIDE);
            case 6 -> logitsC2(q, D, seg, 0, ROWB, 0, NB, s, PAD, STRIDE);
            case 7 -> logitsD0(q, D, seg, 0, ROWB, 0, NB, s, PAD, STRIDE);
            case 8 -> logitsD1(q, D, seg, 0, ROWB, 0, NB, s, PAD, STRIDE);
            case 9 -> logitsD2(q, D, seg, 0, ROWB, 0, NB, s, PAD, STRIDE);
            case 10 -> logitsD3(q, D, seg, 0, ROWB, 0, NB, s, PAD, STRIDE);
            case 11 -> logitsD4(q, D, seg, 0, ROWB, 0, NB, s, PAD, STRIDE);
            case 12 -> logitsD5(q, D, seg, 0, ROWB, 0, NB, s, PAD, STRIDE);
            case 13 -> logitsD6(q, D, seg, 0, ROWB, 0, NB, s, PAD, STRIDE);
            case 14 -> logitsD7(q, D, seg, 0, ROWB, 0, NB, s, PAD, STRIDE);
            case 15 -> logitsZ2(q, D, seg, 0, ROWB, 0, NB, s, PAD, STRIDE);
            case 16 -> logitsZ4(q, D, seg, 0, ROWB, 0, NB, s, PAD, STRIDE);
            default -> throw new IllegalArgumentException();
        }
    }

    static float get(int v, float[] s, int h, int j) {
        return KEYMAJOR[v] ? s[PAD + j * 4 + h] : s[PAD + h * STRIDE + j];
    }

    public static void main(String[] args) {
        System.out.println("java.version=" + System.getProperty("java.version") + " vm=" + System.getProperty("java.vm.version")
                + " species=" + F + " L=" + L);
        String which = args.length > 0 ? args[0] : "all";
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 30;
        int calls = args.length > 2 ? Integer.parseInt(args[2]) : 400;
        double warmSec = args.length > 3 ? Double.parseDouble(args[3]) : 6;

        Random rnd = new Random(42);
        seg = Arena.global().allocate((long) NB * ROWB, 64);
        for (long i = 0; i < (long) NB * D; i++) {
            float f = (float) (rnd.nextGaussian() * 0.5);
            if (f == 0f) f = 0.01f;
            short bf = (short) (Float.floatToRawIntBits(f) >>> 16);
            if ((bf & 0x7FFF) == 0) bf = 0x3C00;
            seg.set(ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(LE), 2 * i, bf);
        }
        q = new float[H * D + 16];
        for (int i = 0; i < H * D; i++) q[i] = (float) rnd.nextGaussian();
        qBase = q.clone();

        int[] vs;
        if (which.equals("all")) {
            vs = new int[NAMES.length];
            for (int i = 0; i < vs.length; i++) vs[i] = i;
        } else {
            String[] parts = which.split(",");
            vs = new int[parts.length];
            for (int i = 0; i < parts.length; i++) vs[i] = Arrays.asList(NAMES).indexOf(parts[i]);
        }
        int sLen = PAD + H * STRIDE + PAD;
        float[][] out = new float[NAMES.length][sLen];

        // double-precision reference and per-logit scale sum_e |q_e k_e|
        double[] dref = new double[H * NB], scale = new double[H * NB];
        for (int h = 0; h < H; h++) for (int j = 0; j < NB; j++) {
            double acc = 0, sc = 0;
            for (int e = 0; e < D; e++) {
                int c0 = (e / CHUNK) * CHUNK, w = e - c0; // natural element e -> pair-split pos
                int ps = c0 + ((w & 1) == 0 ? w / 2 : L + w / 2);
                float k = Float.intBitsToFloat((seg.get(ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(LE), 2L * (j * D + e)) & 0xFFFF) << 16);
                acc += (double) q[h * D + ps] * k;
                sc += Math.abs((double) q[h * D + ps] * k);
            }
            dref[h * NB + j] = acc;
            scale[h * NB + j] = sc;
        }

        // warmup (all selected variants + A, interleaved)
        long wEnd = System.nanoTime() + (long) (warmSec * 1e9);
        float[] ref = new float[sLen];
        while (System.nanoTime() < wEnd) {
            for (int k = 0; k < 20; k++) run(0, ref);
            for (int v : vs) for (int k = 0; k < 50; k++) run(v, out[v]);
        }
        run(0, ref); // compiled A
        for (int v : vs) {
            Arrays.fill(out[v], Float.NaN);
            run(v, out[v]);
            double maxRel = 0, maxRelBig = 0, maxNorm = 0, maxNormD = 0;
            int big = 0;
            for (int h = 0; h < H; h++) for (int j = 0; j < NB; j++) {
                float a = ref[PAD + h * STRIDE + j], b = get(v, out[v], h, j);
                double rel = Math.abs(a - b) / Math.abs(a);
                if (!(rel <= maxRel)) maxRel = Double.isNaN(rel) ? Double.POSITIVE_INFINITY : rel;
                if (Math.abs(a) > 0.05 * scale[h * NB + j]) { // logits not dominated by cancellation
                    big++;
                    if (!(rel <= maxRelBig)) maxRelBig = Double.isNaN(rel) ? Double.POSITIVE_INFINITY : rel;
                }
                double nrm = Math.abs(a - b) / scale[h * NB + j];
                if (!(nrm <= maxNorm)) maxNorm = Double.isNaN(nrm) ? Double.POSITIVE_INFINITY : nrm;
                double nd = Math.abs(b - dref[h * NB + j]) / scale[h * NB + j];
                if (!(nd <= maxNormD)) maxNormD = Double.isNaN(nd) ? Double.POSITIVE_INFINITY : nd;
            }
            System.out.printf("check %-3s vs A: max |a-b|/sum|qk| = %.2e, max rel (|A|>0.05 sum|qk|, %d logits) = %.2e, max rel all = %.2e %s; vs double: max err/sum|qk| = %.2e%n",
                    NAMES[v], maxNorm, big, maxRelBig, maxRel, (maxNorm < 1e-5 && maxRelBig < 1e-5) ? "OK" : "FAIL", maxNormD);
        }

        double[][] t = new double[NAMES.length][rounds];
        for (int r = 0; r < rounds; r++) {
            for (int vi = 0; vi < vs.length; vi++) {
                int v = vs[(vi + r) % vs.length]; // rotate order per round
                long t0 = System.nanoTime();
                for (int k = 0; k < calls; k++) run(v, out[v]);
                long t1 = System.nanoTime();
                t[v][r] = (t1 - t0) / (double) calls / NB;
            }
        }
        System.out.printf("rounds=%d calls/round=%d keys/call=%d warmup=%.1fs%n", rounds, calls, NB, warmSec);
        System.out.printf("%-3s %9s %9s  %s%n", "var", "min ns/key", "med ns/key", "description");
        for (int v : vs) {
            double[] x = t[v].clone();
            Arrays.sort(x);
            System.out.printf("%-3s %9.3f %9.3f   %s%n", NAMES[v], x[0], x[x.length / 2], DESC[v]);
        }
        if (System.getProperty("sweep") != null) {
            for (int off = 0; off < 16; off += 2) {
                QOFF = off;
                Arrays.fill(q, 0f);
                System.arraycopy(qBase, 0, q, off, H * D);
                double[][] tt = new double[NAMES.length][rounds];
                for (int r = 0; r < rounds; r++) for (int v : vs) {
                    long t0 = System.nanoTime();
                    for (int k = 0; k < calls; k++) run(v, out[v]);
                    tt[v][r] = (System.nanoTime() - t0) / (double) calls / NB;
                }
                StringBuilder sb = new StringBuilder(String.format("qOff=%2d floats:", off));
                for (int v : vs) {
                    double[] x = tt[v].clone();
                    Arrays.sort(x);
                    sb.append(String.format("  %s min %.2f med %.2f", NAMES[v], x[0], x[x.length / 2]));
                }
                System.out.println(sb);
            }
        }
    }
}

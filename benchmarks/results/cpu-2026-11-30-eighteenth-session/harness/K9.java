package dev.kascade.cpu;

import java.lang.foreign.*;
import java.nio.ByteOrder;
import java.util.*;
import jdk.incubator.vector.*;
import static dev.kascade.cpu.Rows.F;
import static dev.kascade.cpu.Rows.L;

/** Throwaway: 8-lane logits variants with one FMA per accumulator per iteration. */
public class K9 {
    static final VectorSpecies<Integer> I = VectorSpecies.of(int.class, F.vectorShape());
    static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;

    /** One key x four rows, even and odd halves into separate accumulators; query laid out chunk by chunk, rows, (even, odd): 8 vectors a chunk. */
    static void logits1e(float[] qs, int d, MemorySegment seg, long base, long rowBytes, int[] pos, int nb, float[] s, int stride) {
        int end = 4 * d;
        for (int j = 0; j < nb; j++) {
            long row = base + pos[j] * rowBytes;
            FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0, c0 = a0, c1 = a0, c2 = a0, c3 = a0;
            long kc = 0;
            for (int o = 0; o < end; o += 8 * L, kc += 4L * L) {
                IntVector w = IntVector.fromMemorySegment(I, seg, row + kc, LE);
                FloatVector ke = w.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
                FloatVector ko = w.and(0xFFFF0000).reinterpretAsFloats();
                a0 = ke.fma(FloatVector.fromArray(F, qs, o), a0);
                c0 = ko.fma(FloatVector.fromArray(F, qs, o + L), c0);
                a1 = ke.fma(FloatVector.fromArray(F, qs, o + 2 * L), a1);
                c1 = ko.fma(FloatVector.fromArray(F, qs, o + 3 * L), c1);
                a2 = ke.fma(FloatVector.fromArray(F, qs, o + 4 * L), a2);
                c2 = ko.fma(FloatVector.fromArray(F, qs, o + 5 * L), c2);
                a3 = ke.fma(FloatVector.fromArray(F, qs, o + 6 * L), a3);
                c3 = ko.fma(FloatVector.fromArray(F, qs, o + 7 * L), c3);
            }
            s[j] = a0.add(c0).reduceLanes(VectorOperators.ADD);
            s[j + stride] = a1.add(c1).reduceLanes(VectorOperators.ADD);
            s[j + 2 * stride] = a2.add(c2).reduceLanes(VectorOperators.ADD);
            s[j + 3 * stride] = a3.add(c3).reduceLanes(VectorOperators.ADD);
        }
    }

    /** Two keys x four rows as Bf16TwoKeys, but two chunks an iteration with the keys' second chunk FMAs interleaved (same 8 accumulators). */
    static void logits2q2(float[] qd, int d, MemorySegment seg, long base, long rowBytes, int[] pos, int nb, float[] s, int stride) {
        int end = 8 * d;
        int STEP = 16 * L;
        for (int j = 0; j + 2 <= nb; j += 2) {
            long rowA = base + pos[j] * rowBytes, rowB = base + pos[j + 1] * rowBytes;
            FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0, b0 = a0, b1 = a0, b2 = a0, b3 = a0;
            long kc = 0;
            for (int o = 0; o < end; o += STEP, kc += 4L * L) {
                IntVector wa = IntVector.fromMemorySegment(I, seg, rowA + kc, LE);
                IntVector wb = IntVector.fromMemorySegment(I, seg, rowB + kc, LE);
                FloatVector kea = wa.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
                FloatVector keb = wb.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
                FloatVector koa = wa.and(0xFFFF0000).reinterpretAsFloats();
                FloatVector kob = wb.and(0xFFFF0000).reinterpretAsFloats();
                // even halves of all eight sums first, then odd halves: each accumulator's two FMAs 8 apart
                a0 = kea.fma(FloatVector.fromArray(F, qd, o), a0);
                b0 = keb.fma(FloatVector.fromArray(F, qd, o + 2 * L), b0);
                a1 = kea.fma(FloatVector.fromArray(F, qd, o + 4 * L), a1);
                b1 = keb.fma(FloatVector.fromArray(F, qd, o + 6 * L), b1);
                a2 = kea.fma(FloatVector.fromArray(F, qd, o + 8 * L), a2);
                b2 = keb.fma(FloatVector.fromArray(F, qd, o + 10 * L), b2);
                a3 = kea.fma(FloatVector.fromArray(F, qd, o + 12 * L), a3);
                b3 = keb.fma(FloatVector.fromArray(F, qd, o + 14 * L), b3);
                a0 = koa.fma(FloatVector.fromArray(F, qd, o + L), a0);
                b0 = kob.fma(FloatVector.fromArray(F, qd, o + 3 * L), b0);
                a1 = koa.fma(FloatVector.fromArray(F, qd, o + 5 * L), a1);
                b1 = kob.fma(FloatVector.fromArray(F, qd, o + 7 * L), b1);
                a2 = koa.fma(FloatVector.fromArray(F, qd, o + 9 * L), a2);
                b2 = kob.fma(FloatVector.fromArray(F, qd, o + 11 * L), b2);
                a3 = koa.fma(FloatVector.fromArray(F, qd, o + 13 * L), a3);
                b3 = kob.fma(FloatVector.fromArray(F, qd, o + 15 * L), b3);
            }
            s[j] = a0.reduceLanes(VectorOperators.ADD);
            s[j + 1] = b0.reduceLanes(VectorOperators.ADD);
            s[j + stride] = a1.reduceLanes(VectorOperators.ADD);
            s[j + stride + 1] = b1.reduceLanes(VectorOperators.ADD);
            s[j + 2 * stride] = a2.reduceLanes(VectorOperators.ADD);
            s[j + 2 * stride + 1] = b2.reduceLanes(VectorOperators.ADD);
            s[j + 3 * stride] = a3.reduceLanes(VectorOperators.ADD);
            s[j + 3 * stride + 1] = b3.reduceLanes(VectorOperators.ADD);
        }
    }


    static void logits2qh(float[] qd, int d, int[] kw, int[] pos, int nb, float[] s, int stride) {
        int end = 8 * d;
        int STEP = 16 * L;
        for (int j = 0; j + 2 <= nb; j += 2) {
            int rowA = pos[j] * 64, rowB = pos[j + 1] * 64;
            FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0, b0 = a0, b1 = a0, b2 = a0, b3 = a0;
            int kc = 0;
            for (int o = 0; o < end; o += STEP, kc += L) {
                IntVector wa = IntVector.fromArray(I, kw, rowA + kc);
                IntVector wb = IntVector.fromArray(I, kw, rowB + kc);
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
            s[j] = a0.reduceLanes(VectorOperators.ADD);
            s[j + 1] = b0.reduceLanes(VectorOperators.ADD);
            s[j + stride] = a1.reduceLanes(VectorOperators.ADD);
            s[j + stride + 1] = b1.reduceLanes(VectorOperators.ADD);
            s[j + 2 * stride] = a2.reduceLanes(VectorOperators.ADD);
            s[j + 2 * stride + 1] = b2.reduceLanes(VectorOperators.ADD);
            s[j + 3 * stride] = a3.reduceLanes(VectorOperators.ADD);
            s[j + 3 * stride + 1] = b3.reduceLanes(VectorOperators.ADD);
        }
    }

    public static void main(String[] a) {
        int region = Integer.parseInt(a[0]); int reps = Integer.parseInt(a[1]);
        int D = 128, G = 4, NB = 256;
        Arena arena = Arena.ofShared();
        MemorySegment ks = arena.allocate((long) region * D * 2, 64);
        Random r = new Random(3);
        for (long i = 0; i < (long) region * D; i++) ks.set(ValueLayout.JAVA_SHORT_UNALIGNED, 2 * i, (short) (Float.floatToIntBits((float) r.nextGaussian()) >>> 16));
        int[] all = new int[region]; for (int i = 0; i < region; i++) all[i] = i;
        for (int i = 0; i < NB; i++) { int j = i + r.nextInt(region - i); int t = all[i]; all[i] = all[j]; all[j] = t; }
        int[] pos = Arrays.copyOf(all, NB); Arrays.sort(pos);
        float[] q = new float[G * D]; for (int i = 0; i < q.length; i++) q[i] = (float) r.nextGaussian() * 0.088f;
        float[] qp = new float[G * D]; for (int h = 0; h < G; h++) Bf16Pairs.split(q, h * D, D, qp, h * D);
        float[] qd = new float[8 * D]; Bf16TwoKeys.copy(qp, 0, D, qd, 0);
        int CH = 2 * L;
        float[] qs = new float[4 * D]; // chunk by chunk, rows: CH floats each (even L, odd L) as split lays them
        for (int c = 0, o = 0; c < D; c += CH) for (int h = 0; h < 4; h++, o += CH) System.arraycopy(qp, h * D + c, qs, o, CH);
        float[] ref = new float[G * NB], s = new float[G * NB];
        Bf16TwoKeys.logits(qd, 0, D, ks, 0, 256, 0, pos, 0, NB, ref, 0, NB);
        String[] names = {"2q lib", "1e", "2q2", "2q global seg", "2q heap"};
        MemorySegment gs = MemorySegment.ofAddress(ks.address()).reinterpret(ks.byteSize());
        int[] kw = new int[region * 64]; MemorySegment.copy(ks, ValueLayout.JAVA_INT_UNALIGNED, 0, kw, 0, kw.length);
        for (int round = 0; round < 8; round++) {
            StringBuilder sb = new StringBuilder();
            for (int var = 0; var < names.length; var++) {
                long best = Long.MAX_VALUE;
                for (int it = 0; it < reps; it++) {
                    long t0 = System.nanoTime();
                    switch (var) {
                        case 0 -> Bf16TwoKeys.logits(qd, 0, D, ks, 0, 256, 0, pos, 0, NB, s, 0, NB);
                        case 1 -> logits1e(qs, D, ks, 0, 256, pos, NB, s, NB);
                        case 2 -> logits2q2(qd, D, ks, 0, 256, pos, NB, s, NB);
                        case 3 -> Bf16TwoKeys.logits(qd, 0, D, gs, 0, 256, 0, pos, 0, NB, s, 0, NB);
                        case 4 -> logits2qh(qd, D, kw, pos, NB, s, NB);
                    }
                    best = Math.min(best, System.nanoTime() - t0);
                }
                double err = 0; for (int i = 0; i < s.length; i++) err = Math.max(err, Math.abs(s[i] - ref[i]) / (1e-3 + Math.abs(ref[i])));
                if (round >= 4) sb.append(String.format("%s %.2f ns/key (rel %.1e) | ", names[var], best / (double) NB, err));
            }
            if (round >= 4) System.out.println(sb);
        }
    }
}

package dev.kascade.cpu;

import static dev.kascade.cpu.Rows.F;
import static dev.kascade.cpu.Rows.L;

import dev.kascade.tensor.*;
import java.lang.foreign.*;
import java.nio.ByteOrder;
import java.util.*;
import java.util.concurrent.*;
import jdk.incubator.vector.*;

/** Throwaway: reuse loop with the touches of rows D ahead interleaved into the logits loop vs touched in blocks. */
public class Inter {
    static final int D = 128, KV = 8, G = 4, CH = 2 * L;
    static final VectorSpecies<Integer> I = VectorSpecies.of(int.class, F.vectorShape());
    static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;
    static final ValueLayout.OfLong W = ValueLayout.JAVA_LONG_UNALIGNED;
    static int n, sel; static int[] pos; static MemorySegment[] ks, vs; static long sink;
    public static void main(String[] a) throws Exception {
        n = Integer.parseInt(a[0]); int reps = Integer.parseInt(a[1]);
        int[] variants = new int[a.length - 2];
        for (int i = 2; i < a.length; i++) variants[i - 2] = Integer.parseInt(a[i]);
        Arena arena = Arena.ofShared(); int C = 3; ks = new MemorySegment[C]; vs = new MemorySegment[C];
        Random r = new Random(1);
        for (int c = 0; c < C; c++) { ks[c] = Tensor.allocate(arena, DType.BF16, 1, KV, n, D).segment(); vs[c] = Tensor.allocate(arena, DType.BF16, 1, KV, n, D).segment(); }
        for (long o = 0; o < ks[0].byteSize(); o += 2) { ks[0].set(ValueLayout.JAVA_SHORT_UNALIGNED, o, (short) (Float.floatToIntBits((float) r.nextGaussian()) >>> 16)); vs[0].set(ValueLayout.JAVA_SHORT_UNALIGNED, o, (short) (Float.floatToIntBits((float) r.nextGaussian()) >>> 16)); }
        for (int c = 1; c < C; c++) { MemorySegment.copy(ks[0], 0, ks[c], 0, ks[0].byteSize()); MemorySegment.copy(vs[0], 0, vs[c], 0, vs[0].byteSize()); }
        sel = (n + 9) / 10; pos = new int[KV * sel];
        for (int g = 0; g < KV; g++) {
            int[] all = new int[n]; for (int i = 0; i < n; i++) all[i] = i;
            for (int i = 0; i < sel; i++) { int j = i + r.nextInt(n - i); int t = all[i]; all[i] = all[j]; all[j] = t; }
            int[] s = Arrays.copyOf(all, sel); Arrays.sort(s); System.arraycopy(s, 0, pos, g * sel, sel);
        }
        float[] q = new float[KV * G * D]; for (int i = 0; i < q.length; i++) q[i] = (float) r.nextGaussian() * 0.088f;
        ExecutorService ex = Executors.newFixedThreadPool(2);
        double[][] t = new double[variants.length][reps]; float[][] outs = new float[variants.length][];
        int next = 0;
        for (int it = -20; it < reps; it++) {
            for (int vi = 0; vi < variants.length; vi++) {
                int var = variants[vi]; int c = next; next = (next + 1) % C;
                float[] out = new float[KV * G * D];
                long t0 = System.nanoTime();
                Future<?> f1 = ex.submit(() -> run(0, var, q, ks[c], vs[c], out)); Future<?> f2 = ex.submit(() -> run(1, var, q, ks[c], vs[c], out));
                f1.get(); f2.get();
                if (it >= 0) t[vi][it] = (System.nanoTime() - t0) / 1e6;
                outs[vi] = out;
            }
        }
        for (int vi = 0; vi < variants.length; vi++) {
            double[] x = t[vi].clone(); Arrays.sort(x); double md = 0;
            for (int i = 0; i < outs[0].length; i++) md = Math.max(md, Math.abs(outs[vi][i] - outs[0][i]));
            System.out.printf("variant %5d: min %.3f med %.3f ms  (max |out - variant %d| %.2e)%n", variants[vi], x[0], x[reps / 2], variants[0], md);
        }
        System.out.println("sink " + sink); ex.shutdown();
    }

    /** variant: 1000 + nb = touch each nb-row block first, then compute; 2000 + dist = touch the row dist ahead inside the logits loop (blocks of 32). */
    static void run(int t, int var, float[] q, MemorySegment k, MemorySegment v, float[] out) {
        int nbMax = var < 2000 ? var - 1000 : 32; int dist = var >= 2000 ? var - 2000 : 0;
        float[] s = new float[G * 256]; float[] m = new float[G], l = new float[G]; float[] acc = new float[G * D];
        long x = 0;
        for (int g = t * KV / 2; g < (t + 1) * KV / 2; g++) {
            long rowBase = (long) g * n; int po = g * sel;
            Arrays.fill(m, Float.NEGATIVE_INFINITY); Arrays.fill(l, 0); Arrays.fill(acc, 0);
            if (dist > 0) x += touchRows(k, v, rowBase, po, 0, Math.min(dist, sel));
            for (int j0 = 0; j0 < sel; j0 += nbMax) {
                int nb = Math.min(nbMax, sel - j0);
                if (dist == 0) x += touchRows(k, v, rowBase, po, j0, nb);
                x += logits(q, g * G * D, k, v, rowBase, po, j0, nb, s, nbMax, dist);
                for (int h = 0; h < G; h++) BlockMath.softmaxStep(s, h, m, l, 0, acc, h * D, D, nbMax);
                Bf16Pairs.accumulate(s, G, v, rowBase * 256, 256, 0, pos, po + j0, nb, D, acc, 0, nbMax);
            }
            for (int h = 0; h < G; h++) for (int c = 0; c < D; c++) out[(g * G + h) * D + c] = acc[h * D + c] / l[h];
        }
        synchronized (Inter.class) { sink += x; }
    }

    static long touchRows(MemorySegment k, MemorySegment v, long rowBase, int po, int from, int nb) {
        long x = 0;
        for (int i = from; i < from + nb; i++) {
            long p = (rowBase + pos[po + i]) * 256L;
            x += k.get(W, p) + k.get(W, p + 64) + k.get(W, p + 128) + k.get(W, p + 192) + v.get(W, p) + v.get(W, p + 64) + v.get(W, p + 128) + v.get(W, p + 192);
        }
        return x;
    }

    /** Two keys a pass (as Bf16Pairs.logits' two-key pass); with dist > 0, the two rows dist ahead are touched in the pass. */
    static long logits(float[] q, int q0, MemorySegment k, MemorySegment v, long rowBase, int po, int j0, int nb, float[] s, int stride, int dist) {
        int q1 = q0 + D, q2 = q1 + D, q3 = q2 + D; long x = 0; int end = sel;
        int j = 0;
        for (; j + 2 <= nb; j += 2) {
            long rowA = (rowBase + pos[po + j0 + j]) * 256L, rowB = (rowBase + pos[po + j0 + j + 1]) * 256L;
            if (dist > 0) {
                int ta = j0 + j + dist, tb = ta + 1;
                if (tb < end) {
                    long pa = (rowBase + pos[po + ta]) * 256L, pb = (rowBase + pos[po + tb]) * 256L;
                    x += k.get(W, pa) + k.get(W, pa + 64) + k.get(W, pa + 128) + k.get(W, pa + 192) + k.get(W, pb) + k.get(W, pb + 64) + k.get(W, pb + 128) + k.get(W, pb + 192);
                    x += v.get(W, pa) + v.get(W, pa + 64) + v.get(W, pa + 128) + v.get(W, pa + 192) + v.get(W, pb) + v.get(W, pb + 64) + v.get(W, pb + 128) + v.get(W, pb + 192);
                }
            }
            FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0, b0 = a0, b1 = a0, b2 = a0, b3 = a0;
            for (int c = 0; c < D; c += CH) {
                IntVector wa = IntVector.fromMemorySegment(I, k, rowA + 2L * c, LE), wb = IntVector.fromMemorySegment(I, k, rowB + 2L * c, LE);
                FloatVector kea = wa.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats(), koa = wa.and(0xFFFF0000).reinterpretAsFloats();
                FloatVector keb = wb.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats(), kob = wb.and(0xFFFF0000).reinterpretAsFloats();
                FloatVector xx = FloatVector.fromArray(F, q, q0 + c), y = FloatVector.fromArray(F, q, q0 + c + L);
                a0 = y.fma(koa, xx.fma(kea, a0)); b0 = y.fma(kob, xx.fma(keb, b0));
                xx = FloatVector.fromArray(F, q, q1 + c); y = FloatVector.fromArray(F, q, q1 + c + L);
                a1 = y.fma(koa, xx.fma(kea, a1)); b1 = y.fma(kob, xx.fma(keb, b1));
                xx = FloatVector.fromArray(F, q, q2 + c); y = FloatVector.fromArray(F, q, q2 + c + L);
                a2 = y.fma(koa, xx.fma(kea, a2)); b2 = y.fma(kob, xx.fma(keb, b2));
                xx = FloatVector.fromArray(F, q, q3 + c); y = FloatVector.fromArray(F, q, q3 + c + L);
                a3 = y.fma(koa, xx.fma(kea, a3)); b3 = y.fma(kob, xx.fma(keb, b3));
            }
            s[j] = a0.reduceLanes(VectorOperators.ADD); s[j + 1] = b0.reduceLanes(VectorOperators.ADD);
            s[stride + j] = a1.reduceLanes(VectorOperators.ADD); s[stride + j + 1] = b1.reduceLanes(VectorOperators.ADD);
            s[2 * stride + j] = a2.reduceLanes(VectorOperators.ADD); s[2 * stride + j + 1] = b2.reduceLanes(VectorOperators.ADD);
            s[3 * stride + j] = a3.reduceLanes(VectorOperators.ADD); s[3 * stride + j + 1] = b3.reduceLanes(VectorOperators.ADD);
        }
        for (; j < nb; j++) { // odd tail: scalar-ish, rare
            long row = (rowBase + pos[po + j0 + j]) * 256L;
            for (int h = 0; h < G; h++) { float acc = 0; for (int e = 0; e < D; e += 2) { int w = k.get(ValueLayout.JAVA_INT_UNALIGNED, row + 2L * e); acc += q[q0 + h * D + (e / CH) * CH + (e % CH) / 2] * Float.intBitsToFloat(w << 16) + q[q0 + h * D + (e / CH) * CH + L + (e % CH) / 2] * Float.intBitsToFloat(w & 0xFFFF0000); } s[h * stride + j] = acc; }
        }
        for (int h = 0; h < G; h++) Arrays.fill(s, h * stride + nb, (h + 1) * stride, Float.NEGATIVE_INFINITY);
        return x;
    }
}

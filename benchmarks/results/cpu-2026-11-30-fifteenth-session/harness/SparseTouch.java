package dev.kascade.cpu;

import dev.kascade.tensor.*;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.*;
import java.util.concurrent.*;

/** Throwaway: reuse-layer sparse decode block loop (10% sorted positions per KV head, 256-row blocks), touch variants. */
public class SparseTouch {
    static final int D = 128, KV = 8, HQ = 32, G = 4, NB = 256;
    static MemorySegment ks, vs; static int n, sel;
    static long sink;
    static int[] pos;
    static final ValueLayout.OfLong W = ValueLayout.JAVA_LONG_UNALIGNED;
    public static void main(String[] a) throws Exception {
        n = Integer.parseInt(a[0]);
        int reps = Integer.parseInt(a[1]);
        int[] variants = new int[a.length - 2];
        for (int i = 2; i < a.length; i++) variants[i - 2] = Integer.parseInt(a[i]);
        Arena arena = Arena.ofShared();
        Tensor k = Tensor.allocate(arena, DType.BF16, 1, KV, n, D);
        Tensor v = Tensor.allocate(arena, DType.BF16, 1, KV, n, D);
        Random r = new Random(1);
        ks = k.segment(); vs = v.segment();
        for (long i = 0; i < k.size(); i++) { ks.set(ValueLayout.JAVA_SHORT_UNALIGNED, 2*i, (short)(Float.floatToIntBits((float) r.nextGaussian()) >>> 16)); vs.set(ValueLayout.JAVA_SHORT_UNALIGNED, 2*i, (short)(Float.floatToIntBits((float) r.nextGaussian()) >>> 16)); }
        sel = (n + 9) / 10;
        pos = new int[KV * sel];
        for (int g = 0; g < KV; g++) {
            int[] all = new int[n]; for (int i = 0; i < n; i++) all[i] = i;
            for (int i = 0; i < sel; i++) { int j = i + r.nextInt(n - i); int t = all[i]; all[i] = all[j]; all[j] = t; }
            int[] s = Arrays.copyOf(all, sel); Arrays.sort(s); System.arraycopy(s, 0, pos, g * sel, sel);
        }
        MemorySegment flush = arena.allocate(96L << 20, 64);
        float[] qp = new float[HQ * D];
        for (int i = 0; i < qp.length; i++) qp[i] = (float) r.nextGaussian() * 0.088f;
        ExecutorService ex = Executors.newFixedThreadPool(2);
        double[][] t = new double[variants.length][reps];
        for (int it = -3; it < reps; it++) {
            for (int vi = 0; vi < variants.length; vi++) {
                int idx = (vi + Math.max(it, 0)) % variants.length;
                int var = variants[idx];
                flush(flush); long t0 = System.nanoTime();
                Future<?> f1 = ex.submit(() -> run(0, var, qp)); Future<?> f2 = ex.submit(() -> run(1, var, qp));
                f1.get(); f2.get();
                if (it >= 0) t[idx][it] = (System.nanoTime() - t0) / 1e6;
            }
        }
        for (int vi = 0; vi < variants.length; vi++) {
            double[] x = t[vi].clone(); Arrays.sort(x);
            System.out.printf("variant %3d: min %.3f med %.3f ms%n", variants[vi], x[0], x[reps/2]);
        }
        System.out.println("sink " + sink);
        ex.shutdown();
    }
    /** variant: 0 no touch; 1 all four lines (RowTouch.rows); 2 lines 0 and 2; 3 line 0; 4 lines 0, 1; 1xx touch only */
    static void run(int t, int variant, float[] qp) {
        float[] s = new float[G * NB]; float[] m = new float[G], l = new float[G]; float[] acc = new float[G * D];
        long rowBytes = 2L * D; long x = 0;
        boolean touchOnly = variant >= 100 && variant < 1000; int var = variant % 100;
        if (variant >= 1000) { piped(t, variant / 1000, variant % 1000, qp); return; }
        if (variant == 7 || variant == 8) { inLogits(t, variant == 7 ? 32 : 64, qp); return; }
        for (int g = t * KV / 2; g < (t + 1) * KV / 2; g++) {
            long rowBase = (long) g * n;
            Arrays.fill(m, Float.NEGATIVE_INFINITY); Arrays.fill(l, 0); Arrays.fill(acc, 0);
            for (int j0 = 0; j0 < sel; j0 += NB) {
                int nb = Math.min(NB, sel - j0);
                int po = g * sel + j0;
                if (var == 1) x += RowTouch.rows(ks, vs, rowBase, rowBytes, pos, po, nb);
                else if (var == 2) for (int i = 0; i < nb; i++) { long p = (rowBase + pos[po + i]) * 256L; x += ks.get(W, p) + ks.get(W, p + 128) + vs.get(W, p) + vs.get(W, p + 128); }
                else if (var == 3) for (int i = 0; i < nb; i++) { long p = (rowBase + pos[po + i]) * 256L; x += ks.get(W, p) + vs.get(W, p); }
                else if (var == 4) for (int i = 0; i < nb; i++) { long p = (rowBase + pos[po + i]) * 256L; x += ks.get(W, p) + ks.get(W, p + 64) + vs.get(W, p) + vs.get(W, p + 64); }
                else if (var == 6) { for (int i = 0; i < nb; i++) { long p = (rowBase + pos[po + i]) * 256L; x += ks.get(W, p) + ks.get(W, p + 64) + ks.get(W, p + 128) + ks.get(W, p + 192); }
                    for (int i = 0; i < nb; i++) { long p = (rowBase + pos[po + i]) * 256L; x += vs.get(W, p) + vs.get(W, p + 64) + vs.get(W, p + 128) + vs.get(W, p + 192); } }
                else if (var == 5) for (int i = 0; i < nb; i++) { long p = (rowBase + pos[po + i]) * 256L; x += ks.get(W, p) + ks.get(W, p + 192) + vs.get(W, p) + vs.get(W, p + 192); }
                if (touchOnly) continue;
                Bf16Pairs.logits(qp, g * G * D, G, D, ks, rowBase * rowBytes, rowBytes, 0, pos, po, nb, s, NB, true);
                for (int h = 0; h < G; h++) BlockMath.softmaxStep(s, h, m, l, 0, acc, h * D, D, NB);
                Bf16Pairs.accumulate(s, G, vs, rowBase * rowBytes, rowBytes, 0, pos, po, nb, D, acc, 0, NB);
            }
        }
        synchronized (SparseTouch.class) { sink += x + (long) acc[3]; }
    }
    /** Sub-blocks of `sub` keys; before each, touch the next `sub` rows `ahead` rows further on (K and V). */
    static void piped(int t, int sub, int ahead, float[] qp) {
        float[] s = new float[G * 256]; float[] m = new float[G], l = new float[G]; float[] acc = new float[G * D];
        long rowBytes = 2L * D; long x = 0;
        for (int g = t * KV / 2; g < (t + 1) * KV / 2; g++) {
            long rowBase = (long) g * n;
            Arrays.fill(m, Float.NEGATIVE_INFINITY); Arrays.fill(l, 0); Arrays.fill(acc, 0);
            int base = g * sel;
            x += RowTouch.rows(ks, vs, rowBase, rowBytes, pos, base, Math.min(ahead, sel));
            for (int j0 = 0; j0 < sel; j0 += sub) {
                int nb = Math.min(sub, sel - j0);
                int tf = j0 + ahead, tn = Math.min(sub, sel - tf);
                if (tn > 0) x += RowTouch.rows(ks, vs, rowBase, rowBytes, pos, base + tf, tn);
                Bf16Pairs.logits(qp, g * G * D, G, D, ks, rowBase * rowBytes, rowBytes, 0, pos, base + j0, nb, s, sub, true);
                for (int h = 0; h < G; h++) BlockMath.softmaxStep(s, h, m, l, 0, acc, h * D, D, sub);
                Bf16Pairs.accumulate(s, G, vs, rowBase * rowBytes, rowBytes, 0, pos, base + j0, nb, D, acc, 0, sub);
            }
        }
        synchronized (SparseTouch.class) { sink += x + (long) acc[3]; }
    }
    /** Touch block i+1's rows in chunks of c, each before the logits of the same-size chunk of block i; P.V per block. */
    static void inLogits(int t, int c, float[] qp) {
        float[] s = new float[G * NB]; float[] sc = new float[G * c]; float[] m = new float[G], l = new float[G]; float[] acc = new float[G * D];
        long rowBytes = 2L * D; long x = 0;
        for (int g = t * KV / 2; g < (t + 1) * KV / 2; g++) {
            long rowBase = (long) g * n;
            Arrays.fill(m, Float.NEGATIVE_INFINITY); Arrays.fill(l, 0); Arrays.fill(acc, 0);
            int base = g * sel;
            x += RowTouch.rows(ks, vs, rowBase, rowBytes, pos, base, Math.min(NB, sel));
            for (int j0 = 0; j0 < sel; j0 += NB) {
                int nb = Math.min(NB, sel - j0);
                int nn = Math.min(NB, sel - j0 - NB);
                for (int cc = 0; cc < NB; cc += c) {
                    if (cc < nn) x += RowTouch.rows(ks, vs, rowBase, rowBytes, pos, base + j0 + NB + cc, Math.min(c, nn - cc));
                    if (cc < nb) {
                        int k = Math.min(c, nb - cc);
                        Bf16Pairs.logits(qp, g * G * D, G, D, ks, rowBase * rowBytes, rowBytes, 0, pos, base + j0 + cc, k, sc, c, true);
                        for (int h = 0; h < G; h++) System.arraycopy(sc, h * c, s, h * NB + cc, c);
                    }
                }
                for (int h = 0; h < G; h++) BlockMath.softmaxStep(s, h, m, l, 0, acc, h * D, D, NB);
                Bf16Pairs.accumulate(s, G, vs, rowBase * rowBytes, rowBytes, 0, pos, base + j0, nb, D, acc, 0, NB);
            }
        }
        synchronized (SparseTouch.class) { sink += x + (long) acc[3]; }
    }
    static void flush(MemorySegment seg) { long x = 0; for (long o = 0; o < seg.byteSize(); o += 64) x += seg.get(ValueLayout.JAVA_LONG, o); sink += x; }
}

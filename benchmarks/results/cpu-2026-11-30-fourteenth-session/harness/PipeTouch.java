package dev.kascade.cpu;

import dev.kascade.tensor.*;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.*;
import java.util.concurrent.*;

/** Throwaway: dense bf16 decode block loop with the touches of a later block interleaved between compute sub-blocks. */
public class PipeTouch {
    static final int D = 128, KV = 8, HQ = 32, G = 4;
    static MemorySegment ks, vs; static int n;
    static long sink;
    public static void main(String[] a) throws Exception {
        n = Integer.parseInt(a[0]);
        int reps = Integer.parseInt(a[1]);
        int[][] variants = new int[a.length - 2][];
        for (int i = 2; i < a.length; i++) { String[] p = a[i].split(","); variants[i-2] = new int[]{Integer.parseInt(p[0]), Integer.parseInt(p[1])}; }
        Arena arena = Arena.ofShared();
        Tensor k = Tensor.allocate(arena, DType.BF16, 1, KV, n, D);
        Tensor v = Tensor.allocate(arena, DType.BF16, 1, KV, n, D);
        Random r = new Random(1);
        ks = k.segment(); vs = v.segment();
        for (long i = 0; i < k.size(); i++) { ks.set(ValueLayout.JAVA_SHORT_UNALIGNED, 2*i, (short)(Float.floatToIntBits((float) r.nextGaussian()) >>> 16)); vs.set(ValueLayout.JAVA_SHORT_UNALIGNED, 2*i, (short)(Float.floatToIntBits((float) r.nextGaussian()) >>> 16)); }
        MemorySegment flush = arena.allocate(96L << 20, 64);
        float[] qp = new float[HQ * D];
        for (int i = 0; i < qp.length; i++) qp[i] = (float) r.nextGaussian() * 0.088f;
        ExecutorService ex = Executors.newFixedThreadPool(2);
        double[][] t = new double[variants.length][reps];
        for (int it = -3; it < reps; it++) {
            for (int vi = 0; vi < variants.length; vi++) {
                int idx = (vi + Math.max(it, 0)) % variants.length;
                int sub = variants[idx][0], ahead = variants[idx][1];
                flush(flush); long t0 = System.nanoTime();
                Future<?> f1 = ex.submit(() -> pipeline(0, sub, ahead, qp)); Future<?> f2 = ex.submit(() -> pipeline(1, sub, ahead, qp));
                f1.get(); f2.get();
                if (it >= 0) t[idx][it] = (System.nanoTime() - t0) / 1e6;
            }
        }
        for (int vi = 0; vi < variants.length; vi++) {
            double[] x = t[vi].clone(); Arrays.sort(x);
            System.out.printf("sub %4d ahead %5d: min %.3f med %.3f ms%n", variants[vi][0], variants[vi][1], x[0], x[reps/2]);
        }
        System.out.println("sink " + sink);
        ex.shutdown();
    }
    static void multi(int t, int sub, int u, float[] qp, boolean touchOnly) {
        float[][] s = new float[u][G * sub]; float[][] m = new float[u][G], l = new float[u][G]; float[][] acc = new float[u][G * D];
        long rowBytes = 2L * D; long x = 0;
        int g0 = t * KV / 2, g1 = (t + 1) * KV / 2;
        for (int ga = g0; ga < g1; ga += u) {
            int cnt = Math.min(u, g1 - ga);
            for (int i = 0; i < cnt; i++) Arrays.fill(m[i], Float.NEGATIVE_INFINITY);
            for (int j0 = 0; j0 < n; j0 += sub) {
                int nb = Math.min(sub, n - j0);
                long pa = ((long) ga * n + j0) * rowBytes;
                long hs = (long) n * rowBytes;
                long end = pa + nb * rowBytes;
                if (cnt == 2) {
                    for (long p = pa; p < end; p += 256) {
                        long q = p + hs;
                        x += ks.get(W, p) + ks.get(W, p + 64) + ks.get(W, p + 128) + ks.get(W, p + 192)
                           + vs.get(W, p) + vs.get(W, p + 64) + vs.get(W, p + 128) + vs.get(W, p + 192)
                           + ks.get(W, q) + ks.get(W, q + 64) + ks.get(W, q + 128) + ks.get(W, q + 192)
                           + vs.get(W, q) + vs.get(W, q + 64) + vs.get(W, q + 128) + vs.get(W, q + 192);
                    }
                } else if (cnt == 3) {
                    for (long p = pa; p < end; p += 256) {
                        long q = p + hs, r = q + hs;
                        x += ks.get(W, p) + ks.get(W, p + 64) + ks.get(W, p + 128) + ks.get(W, p + 192)
                           + vs.get(W, p) + vs.get(W, p + 64) + vs.get(W, p + 128) + vs.get(W, p + 192)
                           + ks.get(W, q) + ks.get(W, q + 64) + ks.get(W, q + 128) + ks.get(W, q + 192)
                           + vs.get(W, q) + vs.get(W, q + 64) + vs.get(W, q + 128) + vs.get(W, q + 192)
                           + ks.get(W, r) + ks.get(W, r + 64) + ks.get(W, r + 128) + ks.get(W, r + 192)
                           + vs.get(W, r) + vs.get(W, r + 64) + vs.get(W, r + 128) + vs.get(W, r + 192);
                    }
                } else {
                    for (int i = 0; i < cnt; i++) x += RowTouch.range(ks, vs, (long) (ga + i) * n, rowBytes, j0, nb);
                }
                if (touchOnly) continue;
                for (int i = 0; i < cnt; i++) {
                    int g = ga + i; long rowBase = (long) g * n;
                    Bf16Pairs.logits(qp, g * G * D, G, D, ks, rowBase * rowBytes, rowBytes, j0, null, 0, nb, s[i], sub, true);
                    for (int h = 0; h < G; h++) BlockMath.softmaxStep(s[i], h, m[i], l[i], 0, acc[i], h * D, D, sub);
                    Bf16Pairs.accumulate(s[i], G, vs, rowBase * rowBytes, rowBytes, j0, null, 0, nb, D, acc[i], 0, sub);
                }
            }
        }
        synchronized (PipeTouch.class) { sink += x + (long) acc[0][5]; }
    }
    static void pipeline(int t, int sub, int ahead, float[] qp) {
        if (ahead <= -200) { int u = -200 - ahead; boolean to = u > 10; multi(t, sub, to ? u - 10 : u, qp, to); return; }
        float[] s = new float[G * 2048]; float[] m = new float[G], l = new float[G]; float[] acc = new float[G * D];
        long rowBytes = 2L * D; long x = 0;
        for (int g = t * KV / 2; g < (t + 1) * KV / 2; g++) {
            long rowBase = (long) g * n;
            Arrays.fill(m, Float.NEGATIVE_INFINITY);
            if (ahead > 0) x += RowTouch.range(ks, vs, rowBase, rowBytes, 0, Math.min(ahead, n));
            for (int j0 = 0; j0 < n; j0 += sub) {
                int nb = Math.min(sub, n - j0);
                if (ahead <= -100) {
                    x += rangeParts(rowBase, rowBytes, j0, nb, -100 - ahead);
                    continue;
                }
                if (ahead <= -40 && ahead > -60) {
                    int lines = -40 - ahead;
                    x += RowTouch.range(ks, vs, rowBase, rowBytes, j0, nb);
                    int nf = j0 + sub, nn = Math.min(sub, n - nf);
                    if (nn > 0) x += sparse(rowBase, rowBytes, nf, nn, lines);
                    Bf16Pairs.logits(qp, g * G * D, G, D, ks, rowBase * rowBytes, rowBytes, j0, null, 0, nb, s, sub, true);
                    for (int h = 0; h < G; h++) BlockMath.softmaxStep(s, h, m, l, 0, acc, h * D, D, sub);
                    Bf16Pairs.accumulate(s, G, vs, rowBase * rowBytes, rowBytes, j0, null, 0, nb, D, acc, 0, sub);
                    continue;
                }
                if (ahead <= -2) {
                    x += rangeParts(rowBase, rowBytes, j0, nb, -ahead);
                    Bf16Pairs.logits(qp, g * G * D, G, D, ks, rowBase * rowBytes, rowBytes, j0, null, 0, nb, s, sub, true);
                    for (int h = 0; h < G; h++) BlockMath.softmaxStep(s, h, m, l, 0, acc, h * D, D, sub);
                    Bf16Pairs.accumulate(s, G, vs, rowBase * rowBytes, rowBytes, j0, null, 0, nb, D, acc, 0, sub);
                    continue;
                }
                if (ahead < 0) {
                    int jj = j0 % 512;
                    Bf16Pairs.logits(qp, g * G * D, G, D, ks, rowBase * rowBytes, rowBytes, jj, null, 0, nb, s, sub, true);
                    for (int h = 0; h < G; h++) BlockMath.softmaxStep(s, h, m, l, 0, acc, h * D, D, sub);
                    Bf16Pairs.accumulate(s, G, vs, rowBase * rowBytes, rowBytes, jj, null, 0, nb, D, acc, 0, sub);
                    continue;
                } else if (ahead == 0) {
                    x += RowTouch.range(ks, vs, rowBase, rowBytes, j0, nb);
                } else {
                    int tf = j0 + ahead, tn = Math.min(sub, n - tf);
                    if (tn > 0) x += RowTouch.range(ks, vs, rowBase, rowBytes, tf, tn);
                }
                Bf16Pairs.logits(qp, g * G * D, G, D, ks, rowBase * rowBytes, rowBytes, j0, null, 0, nb, s, sub, true);
                for (int h = 0; h < G; h++) BlockMath.softmaxStep(s, h, m, l, 0, acc, h * D, D, sub);
                Bf16Pairs.accumulate(s, G, vs, rowBase * rowBytes, rowBytes, j0, null, 0, nb, D, acc, 0, sub);
            }
        }
        synchronized (PipeTouch.class) { sink += x + (long) acc[5]; }
    }
    /** Rows first..first+nb of K and V (256-byte rows), touched as `parts` interleaved runs: 2*parts streams. */
    static long rangeParts(long rowBase, long rowBytes, int first, int nb, int parts) {
        long x = 0;
        int len = nb / parts;
        long p0 = (rowBase + first) * rowBytes;
        long stride = (long) len * rowBytes;
        if (parts == 2) {
            for (long p = p0; p < p0 + stride; p += 256) {
                long q = p + stride;
                x += ks.get(W, p) + ks.get(W, p + 64) + ks.get(W, p + 128) + ks.get(W, p + 192)
                   + vs.get(W, p) + vs.get(W, p + 64) + vs.get(W, p + 128) + vs.get(W, p + 192)
                   + ks.get(W, q) + ks.get(W, q + 64) + ks.get(W, q + 128) + ks.get(W, q + 192)
                   + vs.get(W, q) + vs.get(W, q + 64) + vs.get(W, q + 128) + vs.get(W, q + 192);
            }
        } else if (parts == 4) {
            for (long p = p0; p < p0 + stride; p += 256) {
                long q = p + stride, r = q + stride, t = r + stride;
                x += ks.get(W, p) + ks.get(W, p + 64) + ks.get(W, p + 128) + ks.get(W, p + 192)
                   + vs.get(W, p) + vs.get(W, p + 64) + vs.get(W, p + 128) + vs.get(W, p + 192)
                   + ks.get(W, q) + ks.get(W, q + 64) + ks.get(W, q + 128) + ks.get(W, q + 192)
                   + vs.get(W, q) + vs.get(W, q + 64) + vs.get(W, q + 128) + vs.get(W, q + 192)
                   + ks.get(W, r) + ks.get(W, r + 64) + ks.get(W, r + 128) + ks.get(W, r + 192)
                   + vs.get(W, r) + vs.get(W, r + 64) + vs.get(W, r + 128) + vs.get(W, r + 192)
                   + ks.get(W, t) + ks.get(W, t + 64) + ks.get(W, t + 128) + ks.get(W, t + 192)
                   + vs.get(W, t) + vs.get(W, t + 64) + vs.get(W, t + 128) + vs.get(W, t + 192);
            }
        } else {
            for (long p = p0; p < p0 + stride; p += 256) {
                for (int j = 0; j < parts; j++) {
                    long q = p + j * stride;
                    x += ks.get(W, q) + ks.get(W, q + 64) + ks.get(W, q + 128) + ks.get(W, q + 192)
                       + vs.get(W, q) + vs.get(W, q + 64) + vs.get(W, q + 128) + vs.get(W, q + 192);
                }
            }
        }
        return x;
    }
    static long sparse(long rowBase, long rowBytes, int first, int nb, int lines) {
        long x = 0;
        long p0 = (rowBase + first) * rowBytes, end = p0 + nb * rowBytes;
        for (long p = p0; p < end; p += 4096) {
            for (int i = 0; i < lines; i++) x += ks.get(W, p + 64 * i) + vs.get(W, p + 64 * i);
        }
        return x;
    }
    static final ValueLayout.OfLong W = ValueLayout.JAVA_LONG_UNALIGNED;
    static void flush(MemorySegment seg) { long x = 0; for (long o = 0; o < seg.byteSize(); o += 64) x += seg.get(ValueLayout.JAVA_LONG, o); sink += x; }
}

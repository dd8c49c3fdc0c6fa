package dev.kascade.cpu;

import dev.kascade.tensor.*;
import java.lang.foreign.*;
import java.util.*;
import java.util.concurrent.*;

/** Throwaway: dense decode from memory vs the same per-block arithmetic in L2 (1 and 2 threads) vs touch alone. */
public class ComputeFloor {
    static final int D = 128, KV = 8, HQ = 32, G = 4, BK = 512;
    static MemorySegment ks, vs; static int n;
    static long sink;
    public static void main(String[] a) throws Exception {
        n = Integer.parseInt(a.length > 0 ? a[0] : "32768");
        int reps = Integer.parseInt(a.length > 1 ? a[1] : "15");
        Arena arena = Arena.ofShared();
        Tensor q = Tensor.allocate(arena, DType.BF16, 1, HQ, D);
        Tensor k = Tensor.allocate(arena, DType.BF16, 1, KV, n, D);
        Tensor v = Tensor.allocate(arena, DType.BF16, 1, KV, n, D);
        Random r = new Random(1);
        for (long i = 0; i < q.size(); i++) q.setFlat(i, (float) r.nextGaussian());
        ks = k.segment(); vs = v.segment();
        for (long i = 0; i < k.size(); i++) { ks.set(ValueLayout.JAVA_SHORT_UNALIGNED, 2*i, (short)(Float.floatToIntBits((float) r.nextGaussian()) >>> 16)); vs.set(ValueLayout.JAVA_SHORT_UNALIGNED, 2*i, (short)(Float.floatToIntBits((float) r.nextGaussian()) >>> 16)); }
        CpuPool pool = CpuPool.shared();
        DecodeAttention da = new DecodeAttention(pool, 1, HQ, KV, D);
        float[] out = new float[HQ * D];
        int[] len = {n};
        MemorySegment flush = arena.allocate(96L << 20, 64);
        float[] qp = new float[HQ * D];
        for (int i = 0; i < qp.length; i++) qp[i] = (float) r.nextGaussian() * 0.088f;
        if (Boolean.getBoolean("kx.realq")) {
            float[] qs = new float[HQ * D];
            for (int i = 0; i < qs.length; i++) qs[i] = q.getFlat(i) * (float) (1.0 / Math.sqrt(D));
            for (int row = 0; row < HQ; row++) Bf16Pairs.split(qs, row * D, D, qp, row * D);
        }
        ExecutorService ex = Executors.newFixedThreadPool(2);
        if (a.length > 2 && a[2].equals("wake")) {
            long[] st = new long[2];
            long gapUs = Long.getLong("kx.gap", -1);
            double[][] res = new double[30][3];
            for (int it = 0; it < 30; it++) {
                if (gapUs < 0) flush(flush); else { long e = System.nanoTime() + gapUs * 1000; while (System.nanoTime() < e) {} }
                st[0] = st[1] = 0;
                long t0 = System.nanoTime();
                pool.run(16, (t, w) -> { if (st[w] == 0) st[w] = System.nanoTime(); long e = System.nanoTime() + 20000; while (System.nanoTime() < e) {} });
                long t1 = System.nanoTime();
                res[it][0] = (st[0]-t0)/1e3; res[it][1] = st[1] == 0 ? -1 : (st[1]-t0)/1e3; res[it][2] = (t1-t0)/1e3;
            }
            for (int it = 20; it < 30; it++) System.out.printf("worker0 start %.1f us, worker1 start %.1f us, total %.1f us%n", res[it][0], res[it][1], res[it][2]);
            return;
        }
        if (a.length > 2 && a[2].equals("d16")) {
            double[] bd = new double[reps], b16 = new double[reps];
            for (int it = 0; it < reps; it++) {
                boolean swap = (it & 1) == 1;
                for (int o = 0; o < 2; o++) {
                    flush(flush); long t0 = System.nanoTime();
                    if ((o == 0) != swap) { da.dense(q, k, v, len, out, null, 0, null); long t1 = System.nanoTime(); bd[it] = (t1-t0)/1e6; }
                        
                    else { pool.run(16, (t, w) -> task16(t, qp)); b16[it] = (System.nanoTime()-t0)/1e6; }
                }
            }
            Arrays.sort(bd); Arrays.sort(b16);
            System.out.printf("dense min %.3f med %.3f | task16 min %.3f med %.3f%n", bd[0], bd[reps/2], b16[0], b16[reps/2]);
            return;
        }
        if (a.length > 2 && a[2].equals("dp")) {
            double bd = 1e9, bp = 1e9;
            for (int it = 0; it < reps; it++) {
                flush(flush); long t0 = System.nanoTime(); da.dense(q, k, v, len, out, null, 0, null); bd = Math.min(bd, (System.nanoTime()-t0)/1e6);
                flush(flush); t0 = System.nanoTime();
                Future<?> f1 = ex.submit(() -> pipeline(0, 0, qp)); Future<?> f2 = ex.submit(() -> pipeline(1, 0, qp));
                f1.get(); f2.get(); bp = Math.min(bp, (System.nanoTime()-t0)/1e6);
            }
            double b2 = 1e9, b16 = 1e9, b16e = 1e9;
            for (int it = 0; it < reps; it++) {
                flush(flush); long t0 = System.nanoTime(); pool.run(2, (t, w) -> pipeline(t, 0, qp)); b2 = Math.min(b2, (System.nanoTime()-t0)/1e6);
                flush(flush); t0 = System.nanoTime(); pool.run(16, (t, w) -> task16(t, qp)); b16 = Math.min(b16, (System.nanoTime()-t0)/1e6);
                flush(flush); t0 = System.nanoTime();
                java.util.concurrent.atomic.AtomicInteger nx = new java.util.concurrent.atomic.AtomicInteger();
                Runnable rr = () -> { for (int t; (t = nx.getAndIncrement()) < 16; ) task16(t, qp); };
                Future<?> f1 = ex.submit(rr); Future<?> f2 = ex.submit(rr); f1.get(); f2.get(); b16e = Math.min(b16e, (System.nanoTime()-t0)/1e6);
            }
            System.out.printf("tasks/worker %s: dense %.3f pipeline %.3f | pool 2 tasks %.3f | pool 16 tasks %.3f | executor 16 tasks %.3f%n", System.getProperty("kx.tasks", "8"), bd, bp, b2, b16, b16e);
            ex.shutdown(); return;
        }
        double[] best = new double[5]; Arrays.fill(best, 1e9);
        String[] names = {"dense(mem)", "compute-L2 2thr", "compute-L2 1thr(half work)", "touch-only 2thr(mem)", "touch-only 1thr(mem, half)"};
        int blocksPerThread = n * KV / 2 / BK;
        for (int it = 0; it < reps; it++) {
            flush(flush); long t0 = System.nanoTime(); da.dense(q, k, v, len, out, null, 0, null); best[0] = Math.min(best[0], (System.nanoTime()-t0)/1e6);
            t0 = System.nanoTime();
            Future<?> f1 = ex.submit(() -> compute(0, blocksPerThread, qp)); Future<?> f2 = ex.submit(() -> compute(1, blocksPerThread, qp));
            f1.get(); f2.get(); best[1] = Math.min(best[1], (System.nanoTime()-t0)/1e6);
            t0 = System.nanoTime(); ex.submit(() -> compute(0, blocksPerThread, qp)).get(); best[2] = Math.min(best[2], (System.nanoTime()-t0)/1e6);
            flush(flush); t0 = System.nanoTime();
            f1 = ex.submit(() -> touch(0)); f2 = ex.submit(() -> touch(1)); f1.get(); f2.get(); best[3] = Math.min(best[3], (System.nanoTime()-t0)/1e6);
            flush(flush); t0 = System.nanoTime(); ex.submit(() -> touch(0)).get(); best[4] = Math.min(best[4], (System.nanoTime()-t0)/1e6);
        }
        for (int i = 0; i < 5; i++) System.out.printf("%-28s %.3f ms%n", names[i], best[i]);
        double[] pb = new double[3]; Arrays.fill(pb, 1e9);
        for (int it = 0; it < reps; it++) {
            for (int off = 0; off < 3; off++) {
                final int o = off;
                flush(flush); long t0 = System.nanoTime();
                Future<?> f1 = ex.submit(() -> pipeline(0, 0, qp)); Future<?> f2 = ex.submit(() -> pipeline(1, o == 0 ? 0 : o == 1 ? BK / 2 : BK / 4, qp));
                f1.get(); f2.get(); pb[off] = Math.min(pb[off], (System.nanoTime()-t0)/1e6);
            }
        }
        System.out.printf("pipeline lockstep %.3f, thread1 offset half block %.3f, quarter %.3f ms%n", pb[0], pb[1], pb[2]);
        double[] parts = new double[3]; Arrays.fill(parts, 1e9);
        for (int it = 0; it < reps; it++) { double[] p3 = parts(qp); for (int i = 0; i < 3; i++) parts[i] = Math.min(parts[i], p3[i]); }
        System.out.printf("one thread in L2, per key-head: logits %.2f ns, softmax %.2f ns, accumulate %.2f ns%n", parts[0], parts[1], parts[2]);
        double bytes = 2.0 * KV * n * D * 2;
        System.out.printf("dense %.1f GB/s; touch 2thr %.1f GB/s; touch 1thr %.1f GB/s; sink %d%n", bytes/best[0]/1e6, bytes/best[3]/1e6, bytes/2/best[4]/1e6, sink);
        ex.shutdown();
    }
    static void touch(int half) {
        long rowBytes = 2L * D; long x = 0;
        for (int g = half * KV / 2; g < (half + 1) * KV / 2; g++)
            for (int j0 = 0; j0 < n; j0 += BK) x += RowTouch.range(ks, vs, (long) g * n, rowBytes, j0, BK);
        synchronized (ComputeFloor.class) { sink += x; }
    }
    static void compute(int t, int blocks, float[] qp) {
        float[] s = new float[G * BK]; float[] m = new float[G], l = new float[G]; float[] acc = new float[G * D];
        long rowBytes = 2L * D; long rowBase = (long) (t * 4) * n; long x = 0;
        Arrays.fill(m, Float.NEGATIVE_INFINITY);
        for (int b = 0; b < blocks; b++) {
            x += RowTouch.range(ks, vs, rowBase, rowBytes, 0, BK);
            Bf16Pairs.logits(qp, (t * 4) * D * 4 % (HQ * D), G, D, ks, rowBase * rowBytes, rowBytes, 0, null, 0, BK, s, BK, true);
            for (int h = 0; h < G; h++) BlockMath.softmaxStep(s, h, m, l, 0, acc, h * D, D, BK);
            Bf16Pairs.accumulate(s, G, vs, rowBase * rowBytes, rowBytes, 0, null, 0, BK, D, acc, 0, BK);
        }
        synchronized (ComputeFloor.class) { sink += x + (long) acc[5]; }
    }
    static void pipeline(int t, int first, float[] qp) {
        float[] s = new float[G * BK]; float[] m = new float[G], l = new float[G]; float[] acc = new float[G * D];
        long rowBytes = 2L * D; long x = 0;
        for (int g = t * KV / 2; g < (t + 1) * KV / 2; g++) {
            long rowBase = (long) g * n;
            Arrays.fill(m, Float.NEGATIVE_INFINITY);
            int j0 = 0;
            while (j0 < n) {
                int nb = j0 == 0 && first > 0 ? first : Math.min(BK, n - j0);
                x += RowTouch.range(ks, vs, rowBase, rowBytes, j0, nb);
                Bf16Pairs.logits(qp, g * G * D, G, D, ks, rowBase * rowBytes, rowBytes, j0, null, 0, nb, s, BK, true);
                for (int h = 0; h < G; h++) BlockMath.softmaxStep(s, h, m, l, 0, acc, h * D, D, BK);
                Bf16Pairs.accumulate(s, G, vs, rowBase * rowBytes, rowBytes, j0, null, 0, nb, D, acc, 0, BK);
                j0 += nb;
            }
        }
        synchronized (ComputeFloor.class) { sink += x + (long) acc[5]; }
    }
    static void task16(int t, float[] qp) {
        float[] s = new float[G * BK]; float[] m = new float[G], l = new float[G]; float[] acc = new float[G * D];
        long rowBytes = 2L * D; long x = 0;
        int g = t / 2; long rowBase = (long) g * n;
        Arrays.fill(m, Float.NEGATIVE_INFINITY);
        for (int j0 = (t % 2) * n / 2; j0 < (t % 2 + 1) * n / 2; j0 += BK) {
            int nb = BK;
            x += RowTouch.range(ks, vs, rowBase, rowBytes, j0, nb);
            Bf16Pairs.logits(qp, g * G * D, G, D, ks, rowBase * rowBytes, rowBytes, j0, null, 0, nb, s, BK, true);
            for (int h = 0; h < G; h++) BlockMath.softmaxStep(s, h, m, l, 0, acc, h * D, D, BK);
            Bf16Pairs.accumulate(s, G, vs, rowBase * rowBytes, rowBytes, j0, null, 0, nb, D, acc, 0, BK);
        }
        synchronized (ComputeFloor.class) { sink += x + (long) acc[5]; }
    }
    static double[] parts(float[] qp) {
        float[] s = new float[G * BK]; float[] m = new float[G], l = new float[G]; float[] acc = new float[G * D];
        long rowBytes = 2L * D; long rowBase = 0; int blocks = 64; double[] r = new double[3];
        RowTouch.range(ks, vs, rowBase, rowBytes, 0, BK);
        Arrays.fill(m, Float.NEGATIVE_INFINITY);
        long t0 = System.nanoTime();
        for (int b = 0; b < blocks; b++) Bf16Pairs.logits(qp, 0, G, D, ks, 0, rowBytes, 0, null, 0, BK, s, BK, true);
        long t1 = System.nanoTime();
        float[] s2 = s.clone();
        for (int b = 0; b < blocks; b++) { System.arraycopy(s2, 0, s, 0, s.length); for (int h = 0; h < G; h++) BlockMath.softmaxStep(s, h, m, l, 0, acc, h * D, D, BK); }
        long t2 = System.nanoTime();
        for (int b = 0; b < blocks; b++) Bf16Pairs.accumulate(s, G, vs, 0, rowBytes, 0, null, 0, BK, D, acc, 0, BK);
        long t3 = System.nanoTime();
        double per = blocks * (double) BK;
        r[0] = (t1 - t0) / per; r[1] = (t2 - t1) / per; r[2] = (t3 - t2) / per;
        sink += (long) acc[3];
        return r;
    }
    static void flush(MemorySegment seg) { long x = 0; for (long o = 0; o < seg.byteSize(); o += 64) x += seg.get(ValueLayout.JAVA_LONG, o); sink += x; }
}

package dev.kascade.cpu;

import dev.kascade.tensor.*;
import java.lang.foreign.*;
import java.util.*;
import java.util.concurrent.*;

/** Throwaway: reuse-layer touches over separate K/V buffers vs one buffer with a key's K and V rows adjacent. */
public class KvTouch {
    static final int D = 128, KV = 8;
    static MemorySegment ks, vs, kv; static int n, sel;
    static long sink; static int[][] PERM; static final MemorySegment ALL = MemorySegment.NULL.reinterpret(Long.MAX_VALUE); static int[] pos;
    static final ValueLayout.OfLong W = ValueLayout.JAVA_LONG_UNALIGNED;
    public static void main(String[] a) throws Exception {
        n = Integer.parseInt(a[0]); int reps = Integer.parseInt(a[1]);
        int[] variants = new int[a.length - 2];
        for (int i = 2; i < a.length; i++) variants[i - 2] = Integer.parseInt(a[i]);
        Arena arena = Arena.ofShared();
        ks = Tensor.allocate(arena, DType.BF16, 1, KV, n, D).segment();
        vs = Tensor.allocate(arena, DType.BF16, 1, KV, n, D).segment();
        kv = Tensor.allocate(arena, DType.BF16, 1, KV, n, 2 * D).segment();
        Random r = new Random(1);
        for (long o = 0; o < ks.byteSize(); o += 8) { ks.set(W, o, r.nextLong()); vs.set(W, o, r.nextLong()); }
        for (long o = 0; o < kv.byteSize(); o += 8) kv.set(W, o, r.nextLong());
        sel = (n + 9) / 10; pos = new int[KV * sel];
        for (int g = 0; g < KV; g++) {
            int[] all = new int[n]; for (int i = 0; i < n; i++) all[i] = i;
            for (int i = 0; i < sel; i++) { int j = i + r.nextInt(n - i); int t = all[i]; all[i] = all[j]; all[j] = t; }
            int[] s = Arrays.copyOf(all, sel); Arrays.sort(s); System.arraycopy(s, 0, pos, g * sel, sel);
        }
        System.out.println(HugePages.status());
        PERM = new int[KV][sel]; for (int g = 0; g < KV; g++) { for (int i = 0; i < sel; i++) PERM[g][i] = i; for (int i = sel - 1; i > 0; i--) { int j = r.nextInt(i + 1); int tt = PERM[g][i]; PERM[g][i] = PERM[g][j]; PERM[g][j] = tt; } }
        MemorySegment flush = arena.allocate(96L << 20, 64);
        ExecutorService ex = Executors.newFixedThreadPool(2);
        double[][] t = new double[variants.length][reps];
        for (int it = -5; it < reps; it++) {
            for (int vi = 0; vi < variants.length; vi++) {
                int idx = (vi + Math.max(it, 0)) % variants.length; int var = variants[idx];
                flush(flush); long t0 = System.nanoTime();
                Future<?> f1 = ex.submit(() -> run(0, var)); Future<?> f2 = ex.submit(() -> run(1, var));
                f1.get(); f2.get();
                if (it >= 0) t[idx][it] = (System.nanoTime() - t0) / 1e6;
            }
        }
        for (int vi = 0; vi < variants.length; vi++) {
            double[] x = t[vi].clone(); Arrays.sort(x);
            System.out.printf("variant %3d: min %.3f med %.3f ms%n", variants[vi], x[0], x[reps / 2]);
        }
        System.out.println("sink " + sink); ex.shutdown();
    }
    /** 1: separate, all 8 lines (RowTouch.rows); 3: separate, line 0 of K and of V; 4: separate K only, all 4 lines;
     *  11: interleaved, 8 lines of the 512-B run; 13: interleaved, line 0 only; 14: interleaved lines 0 and 4 */
    static void run(int t, int var) {
        long x = 0;
        if (var == 31 || var == 32) { // interleave the thread's 4 heads (31) or 2 heads at a time (32), row i of each in turn
            int g0 = t * KV / 2, hs = var == 31 ? 4 : 2;
            for (int gb = g0; gb < g0 + 4; gb += hs) {
                for (int i = 0; i < sel; i++) {
                    for (int gg = gb; gg < gb + hs; gg++) {
                        long p = ((long) gg * n + pos[gg * sel + i]) * 256L;
                        x += ks.get(W, p) + ks.get(W, p + 64) + ks.get(W, p + 128) + ks.get(W, p + 192)
                           + vs.get(W, p) + vs.get(W, p + 64) + vs.get(W, p + 128) + vs.get(W, p + 192);
                    }
                }
            }
            synchronized (KvTouch.class) { sink += x; }
            return;
        }
        if (var == 33) { // the rows of each head in a random order instead of ascending
            for (int g = t * KV / 2; g < (t + 1) * KV / 2; g++) {
                int[] perm = PERM[g];
                for (int i = 0; i < sel; i++) { long p = ((long) g * n + pos[g * sel + perm[i]]) * 256L;
                    x += ks.get(W, p) + ks.get(W, p + 64) + ks.get(W, p + 128) + ks.get(W, p + 192)
                       + vs.get(W, p) + vs.get(W, p + 64) + vs.get(W, p + 128) + vs.get(W, p + 192); }
            }
            synchronized (KvTouch.class) { sink += x; }
            return;
        }
        for (int g = t * KV / 2; g < (t + 1) * KV / 2; g++) {
            long rowBase = (long) g * n; int po = g * sel;
            switch (var) {
                case 1 -> x += RowTouch.rows(ks, vs, rowBase, 256, pos, po, sel);
                case 4 -> x += RowTouch.rows(ks, null, rowBase, 256, pos, po, sel);
                case 3 -> { for (int i = 0; i < sel; i++) { long p = (rowBase + pos[po + i]) * 256L; x += ks.get(W, p) + vs.get(W, p); } }
                case 11 -> { for (int i = 0; i < sel; i++) { long p = (rowBase + pos[po + i]) * 512L;
                    x += kv.get(W, p) + kv.get(W, p + 64) + kv.get(W, p + 128) + kv.get(W, p + 192)
                       + kv.get(W, p + 256) + kv.get(W, p + 320) + kv.get(W, p + 384) + kv.get(W, p + 448); } }
                case 13 -> { for (int i = 0; i < sel; i++) { long p = (rowBase + pos[po + i]) * 512L; x += kv.get(W, p); } }
                case 14 -> { for (int i = 0; i < sel; i++) { long p = (rowBase + pos[po + i]) * 512L; x += kv.get(W, p) + kv.get(W, p + 256); } }
                case 21 -> { long kb = ks.address(), vb = vs.address(); MemorySegment all = ALL;
                    for (int i = 0; i < sel; i++) { long p = (rowBase + pos[po + i]) * 256L; long a1 = kb + p, b1 = vb + p;
                    x += all.get(W, a1) + all.get(W, a1 + 64) + all.get(W, a1 + 128) + all.get(W, a1 + 192)
                       + all.get(W, b1) + all.get(W, b1 + 64) + all.get(W, b1 + 128) + all.get(W, b1 + 192); } }
                case 22 -> { for (int i = 0; i + 1 < sel; i += 2) { long p = (rowBase + pos[po + i]) * 256L, q = (rowBase + pos[po + i + 1]) * 256L;
                    x += ks.get(W, p) + ks.get(W, p + 64) + ks.get(W, p + 128) + ks.get(W, p + 192)
                       + ks.get(W, q) + ks.get(W, q + 64) + ks.get(W, q + 128) + ks.get(W, q + 192)
                       + vs.get(W, p) + vs.get(W, p + 64) + vs.get(W, p + 128) + vs.get(W, p + 192)
                       + vs.get(W, q) + vs.get(W, q + 64) + vs.get(W, q + 128) + vs.get(W, q + 192); } }
                case 23 -> { long y0 = 0, y1 = 0, y2 = 0, y3 = 0; for (int i = 0; i < sel; i++) { long p = (rowBase + pos[po + i]) * 256L;
                    y0 += ks.get(W, p) + vs.get(W, p); y1 += ks.get(W, p + 64) + vs.get(W, p + 64); y2 += ks.get(W, p + 128) + vs.get(W, p + 128); y3 += ks.get(W, p + 192) + vs.get(W, p + 192); } x += y0 ^ y1 ^ y2 ^ y3; }
                default -> throw new IllegalArgumentException("variant " + var);
            }
        }
        synchronized (KvTouch.class) { sink += x; }
    }
    static void flush(MemorySegment seg) { long x = 0; for (long o = 0; o < seg.byteSize(); o += 64) x += seg.get(ValueLayout.JAVA_LONG, o); sink += x; }
}

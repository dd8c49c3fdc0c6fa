package dev.kascade.cpu;
import java.lang.foreign.*;
import java.util.*;
/** Throwaway: RowTouch.range on rows in L2 vs the same loads summed as a tree. */
public class TouchBench {
    static final ValueLayout.OfLong W = ValueLayout.JAVA_LONG_UNALIGNED;
    static long tree(MemorySegment k, MemorySegment v, long rowBase, long rowBytes, int first, int nb) {
        long x = 0, y = 0;
        long p = (rowBase + first) * rowBytes, end = p + nb * rowBytes;
        for (; p + 256 <= end; p += 256) {
            x += (k.get(W, p) + k.get(W, p + 64)) + (k.get(W, p + 128) + k.get(W, p + 192));
            y += (v.get(W, p) + v.get(W, p + 64)) + (v.get(W, p + 128) + v.get(W, p + 192));
        }
        for (; p < end; p += 64) x += k.get(W, p) + v.get(W, p);
        return x + y;
    }
    public static void main(String[] a) {
        Arena arena = Arena.ofShared();
        int BK = 512; long rb = 256;
        MemorySegment k = arena.allocate(BK * rb, 64), v = arena.allocate(BK * rb, 64);
        for (long o = 0; o < k.byteSize(); o += 8) { k.set(W, o, o); v.set(W, o, o ^ 5); }
        double b1 = 1e9, b2 = 1e9; long sink = 0;
        for (int round = 0; round < 200; round++) {
            long t0 = System.nanoTime();
            for (int i = 0; i < 50; i++) sink += RowTouch.range(k, v, 0, rb, 0, BK);
            long t1 = System.nanoTime();
            for (int i = 0; i < 50; i++) sink += tree(k, v, 0, rb, 0, BK);
            long t2 = System.nanoTime();
            b1 = Math.min(b1, (t1 - t0) / (50.0 * BK)); b2 = Math.min(b2, (t2 - t1) / (50.0 * BK));
        }
        System.out.printf("touch of K+V rows in L2, per key: chain %.2f ns, tree %.2f ns (sink %d)%n", b1, b2, sink);
    }
}

import java.lang.foreign.*;
public class L3Share {
    static volatile int phase; static long sink;
    public static void main(String[] a) throws Exception {
        Arena arena = Arena.ofShared();
        long region = Long.parseLong(a[0]) << 10; int n = Integer.parseInt(a[1]);
        MemorySegment buf = arena.allocate(region * (2 * n + 2), 4096);
        for (long o = 0; o < buf.byteSize(); o += 8) buf.set(ValueLayout.JAVA_LONG, o, o);
        MemorySegment flush = arena.allocate(96L << 20, 64);
        for (long o = 0; o < flush.byteSize(); o += 64) flush.set(ValueLayout.JAVA_LONG, o, o);
        flush(flush);
        Thread ta = new Thread(() -> {
            for (int i = 0; i < n; i++) {
                while (phase != 2 * i + 1) { }
                touch(buf.asSlice(region * i, region)); // A brings region i in
                phase = 2 * i + 2;
            }
        });
        ta.start();
        double[] other = new double[n], own = new double[n], cold = new double[n], own2 = new double[n];
        for (int i = 0; i < n; i++) {
            phase = 2 * i + 1;
            while (phase != 2 * i + 2) { }
            long t0 = System.nanoTime(); touch(buf.asSlice(region * i, region)); long t1 = System.nanoTime();
            other[i] = (t1 - t0) / 1e3;
            MemorySegment c = buf.asSlice(region * (n + 1 + i), region);
            t0 = System.nanoTime(); touch(c); t1 = System.nanoTime(); cold[i] = (t1 - t0) / 1e3;
            t0 = System.nanoTime(); touch(c); t1 = System.nanoTime(); own[i] = (t1 - t0) / 1e3;
        }
        ta.join();
        java.util.Arrays.sort(other); java.util.Arrays.sort(own); java.util.Arrays.sort(cold);
        System.out.printf("B reads region: after A read it median %.1f us (min %.1f); cold median %.1f; after B read it median %.1f us%n", other[n/2], other[0], cold[n/2], own[n/2]);
    }
    static void touch(MemorySegment r) { long x = 0; for (long o = 0; o < r.byteSize(); o += 256) x += r.get(ValueLayout.JAVA_LONG, o) + r.get(ValueLayout.JAVA_LONG, o + 64) + r.get(ValueLayout.JAVA_LONG, o + 128) + r.get(ValueLayout.JAVA_LONG, o + 192); sink += x; }
    static void flush(MemorySegment s) { long x = 0; for (long o = 0; o < s.byteSize(); o += 64) x += s.get(ValueLayout.JAVA_LONG, o); sink += x; }
}

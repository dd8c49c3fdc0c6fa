import java.lang.foreign.*;
import java.nio.ByteOrder;
import java.util.*;
import java.util.concurrent.*;
import jdk.incubator.vector.*;

/** Throwaway: the bandwidth probe's one sequential stream per thread vs 2 and 4 interleaved streams per thread. */
public class ProbeStreams {
    static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    public static void main(String[] a) throws Exception {
        long total = 512L << 20; int threads = 2; int reps = Integer.parseInt(a[0]);
        Arena arena = Arena.ofShared();
        MemorySegment buf = a.length > 1 ? dev.kascade.tensor.HugePages.allocate(arena, total) : arena.allocate(total, 2 << 20);
        for (long o = 0; o < total; o += 4096) buf.set(ValueLayout.JAVA_FLOAT, o, 1f);
        ExecutorService ex = Executors.newFixedThreadPool(threads);
        int[] ks = {1, 2, 3, 4, 6, 8, 16};
        double[][] gbs = new double[ks.length][reps];
        double sink = 0;
        for (int r = -2; r < reps; r++) {
            for (int i = 0; i < ks.length; i++) {
                int k = ks[i]; long slice = total / threads;
                long t0 = System.nanoTime();
                List<Future<Double>> f = new ArrayList<>();
                for (int t = 0; t < threads; t++) { MemorySegment part = buf.asSlice(t * slice, slice); f.add(ex.submit(() -> sum(part, k))); }
                for (Future<Double> x : f) sink += x.get();
                if (r >= 0) gbs[i][r] = total / ((System.nanoTime() - t0) / 1e9) / 1e9;
            }
        }
        for (int i = 0; i < ks.length; i++) { double[] x = gbs[i].clone(); Arrays.sort(x); System.out.printf("%d stream(s)/thread: best %.1f median %.1f GB/s%n", ks[i], x[reps-1], x[reps/2]); }
        System.out.println(sink > 0);
        ex.shutdown();
    }
    /** k interleaved sequential streams over k equal parts of s. */
    static double sum(MemorySegment s, int k) {
        FloatVector a0 = FloatVector.zero(S), a1 = a0, a2 = a0, a3 = a0;
        long step = S.vectorByteSize(); ByteOrder o = ByteOrder.nativeOrder();
        long part = s.byteSize() / k / (4 * step) * (4 * step);
        for (long off = 0; off < part; off += 4 * step) {
            for (int j = 0; j < k; j++) {
                long b = j * part + off;
                a0 = a0.add(FloatVector.fromMemorySegment(S, s, b, o));
                a1 = a1.add(FloatVector.fromMemorySegment(S, s, b + step, o));
                a2 = a2.add(FloatVector.fromMemorySegment(S, s, b + 2 * step, o));
                a3 = a3.add(FloatVector.fromMemorySegment(S, s, b + 3 * step, o));
            }
        }
        return a0.add(a1).add(a2).add(a3).reduceLanes(VectorOperators.ADD);
    }
}

import dev.kascade.algorithm.*;
import dev.kascade.cpu.CpuPool;
import dev.kascade.tensor.*;
import java.lang.foreign.*;
import java.util.*;
import jdk.incubator.vector.*;

/**
 * Throwaway decode timing harness for issue #2's CPU bars (not a test, not the bench command): interleaves a
 * read-bandwidth probe, dense, layer 0, anchor and reuse decode in one process and prints the minima.
 * Every call starts with the last-level cache flushed (a 96 MB read), as a real layer finds it: each
 * layer's K/V is a different 134 MB. Run from the repository root after {@code mvn -o compile}:
 * <pre>java --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED -cp target/classes \
 *     benchmarks/cpu/DecodeHarness.java [context=32768] [repetitions=15]</pre>
 */
public class DecodeHarness {
    public static void main(String[] a) throws Exception {
        int n = Integer.parseInt(a.length > 0 ? a[0] : "32768");
        int reps = Integer.parseInt(a.length > 1 ? a[1] : "15");
        int hq = 32, kv = 8, d = 128;
        KascadeConfig cfg = KascadeConfig.of(32, hq, kv, d, DType.BF16);
        CpuPool pool = CpuPool.shared();
        Arena arena = Arena.ofShared();
        Tensor q = Tensor.allocate(arena, DType.BF16, 1, hq, d);
        Tensor k = Tensor.allocate(arena, DType.BF16, 1, kv, n, d);
        Tensor v = Tensor.allocate(arena, DType.BF16, 1, kv, n, d);
        Random r = new Random(1);
        for (long i = 0; i < q.size(); i++) q.setFlat(i, (float) r.nextGaussian());
        MemorySegment ks = k.segment(), vs = v.segment();
        // random N(0,1) K and V (bf16 by truncation); selected positions are then spread over the whole context
        for (long i = 0; i < k.size(); i++) { ks.set(ValueLayout.JAVA_SHORT_UNALIGNED, 2*i, (short)(Float.floatToIntBits((float) r.nextGaussian()) >>> 16)); vs.set(ValueLayout.JAVA_SHORT_UNALIGNED, 2*i, (short)(Float.floatToIntBits((float) r.nextGaussian()) >>> 16)); }
        Tensor out = Tensor.allocate(arena, DType.F32, 1, hq, d);
        KascadeDecoder dec = new KascadeDecoder(cfg, Variant.KASCADE, 1, n, pool);
        IndexSets sets = dec.newIndexSets();
        int[] len = {n};
        int[] src = new int[kv]; for (int g = 0; g < kv; g++) src[g] = (g + 3) % kv; // a non-identity head mapping
        // probe: all-core read of a 512 MB buffer (2 MiB pages where the OS offers them, as Tensor.allocate uses)
        long pb = 512L << 20; MemorySegment probe = HugePages.allocate(arena, pb); // huge pages, like the K/V tensors
        double[] best = new double[5]; Arrays.fill(best, 1e9);
        String[] names = {"probe", "dense", "layer0", "anchor", "reuse"};
        MemorySegment flush = arena.allocate(96L << 20, 64);
        dec.layer0(q, k, v, len, sets, out);
        for (int it = 0; it < reps; it++) {
            System.err.print("\rrepetition " + (it + 1) + "/" + reps);
            flush(flush); long t0 = System.nanoTime(); probeRead(pool, probe); best[0] = Math.min(best[0], (System.nanoTime()-t0)/1e6);
            flush(flush); t0 = System.nanoTime(); dec.dense(q, k, v, len, out); best[1] = Math.min(best[1], (System.nanoTime()-t0)/1e6);
            flush(flush); t0 = System.nanoTime(); dec.layer0(q, k, v, len, sets, out); best[2] = Math.min(best[2], (System.nanoTime()-t0)/1e6);
            flush(flush); t0 = System.nanoTime(); dec.anchor(q, k, v, len, sets, out); best[3] = Math.min(best[3], (System.nanoTime()-t0)/1e6);
            for (int rr = 0; rr < 4; rr++) { flush(flush); t0 = System.nanoTime(); dec.reuse(q, k, v, len, sets, src, out); best[4] = Math.min(best[4], (System.nanoTime()-t0)/1e6); }
        }
        System.err.println();
        double probeGBs = pb / best[0] / 1e6;
        double kvBytes = 2.0 * kv * n * d * 2;
        double denseGBs = kvBytes / best[1] / 1e6;
        double kasc = (best[2] + 4 * best[3] + 27 * best[4]) / 32;
        System.out.printf("probe %.2f ms (%.1f GB/s) dense %.2f ms (%.1f GB/s = %.0f%%) layer0 %.2f anchor %.2f reuse %.3f kascade %.2f speedup %.2fx%n",
            best[0], probeGBs, best[1], denseGBs, 100*denseGBs/probeGBs, best[2], best[3], best[4], kasc, best[1]/kasc);
        try (var p = new java.io.BufferedReader(new java.io.FileReader("/proc/loadavg"))) { System.out.println("load " + p.readLine()); }
    }
    static void flush(MemorySegment seg) {
        long x = 0;
        for (long o = 0; o < seg.byteSize(); o += 64) x += seg.get(ValueLayout.JAVA_LONG, o);
        sink += x;
    }
    static final VectorSpecies<Integer> I = IntVector.SPECIES_PREFERRED;
    static volatile long sink;
    static void probeRead(CpuPool pool, MemorySegment seg) {
        int tasks = 64; long per = seg.byteSize() / tasks;
        long[] acc = new long[tasks];
        pool.run(tasks, (t, w) -> {
            IntVector s0 = IntVector.zero(I), s1 = s0, s2 = s0, s3 = s0; long b = t * per, e = b + per;
            for (long o = b; o < e; o += 256) {
                s0 = s0.add(IntVector.fromMemorySegment(I, seg, o, java.nio.ByteOrder.LITTLE_ENDIAN));
                s1 = s1.add(IntVector.fromMemorySegment(I, seg, o + 64, java.nio.ByteOrder.LITTLE_ENDIAN));
                s2 = s2.add(IntVector.fromMemorySegment(I, seg, o + 128, java.nio.ByteOrder.LITTLE_ENDIAN));
                s3 = s3.add(IntVector.fromMemorySegment(I, seg, o + 192, java.nio.ByteOrder.LITTLE_ENDIAN));
            }
            acc[t] = s0.add(s1).add(s2).add(s3).reduceLanes(VectorOperators.ADD);
        }, seg.byteSize());
        long x = 0; for (long v : acc) x += v; sink = x;
    }
}

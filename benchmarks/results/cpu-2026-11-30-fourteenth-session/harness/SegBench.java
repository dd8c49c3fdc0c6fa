package dev.kascade.cpu;

import dev.kascade.tensor.*;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.*;

/** Throwaway: the fused bf16 kernels reading a shared-arena segment vs the global (everything) segment, rows in L2. */
public class SegBench {
    static final int D = 128, G = 4, BK = 512;
    public static void main(String[] a) {
        Arena arena = Arena.ofShared();
        Tensor k = Tensor.allocate(arena, DType.BF16, 1, 1, BK, D);
        Tensor v = Tensor.allocate(arena, DType.BF16, 1, 1, BK, D);
        Random r = new Random(1);
        MemorySegment ks = k.segment(), vs = v.segment();
        for (long i = 0; i < k.size(); i++) { ks.set(ValueLayout.JAVA_SHORT_UNALIGNED, 2*i, (short)(Float.floatToIntBits((float) r.nextGaussian()) >>> 16)); vs.set(ValueLayout.JAVA_SHORT_UNALIGNED, 2*i, (short)(Float.floatToIntBits((float) r.nextGaussian()) >>> 16)); }
        MemorySegment all = MemorySegment.NULL.reinterpret(Long.MAX_VALUE);
        float[] qp = new float[G * D];
        for (int i = 0; i < qp.length; i++) qp[i] = (float) r.nextGaussian() * 0.088f;
        float[] s = new float[G * BK], acc = new float[G * D];
        for (int i = 0; i < s.length; i++) s[i] = (float) r.nextDouble();
        long rb = 2L * D;
        double[][] t = new double[4][40];
        for (int it = -20; it < 40; it++) {
            for (int m = 0; m < 4; m++) {
                int blocks = 64;
                long t0 = System.nanoTime();
                for (int b = 0; b < blocks; b++) {
                    switch (m) {
                        case 0 -> Bf16Pairs.logits(qp, 0, G, D, ks, 0, rb, 0, null, 0, BK, s, BK, true);
                        case 1 -> Bf16Pairs.logits(qp, 0, G, D, all, ks.address(), rb, 0, null, 0, BK, s, BK, true);
                        case 2 -> Bf16Pairs.accumulate(s, G, vs, 0, rb, 0, null, 0, BK, D, acc, 0, BK);
                        default -> Bf16Pairs.accumulate(s, G, all, vs.address(), rb, 0, null, 0, BK, D, acc, 0, BK);
                    }
                }
                if (it >= 0) t[m][it] = (System.nanoTime() - t0) / (double) (blocks * BK);
            }
        }
        String[] names = {"logits shared seg", "logits global seg", "P.V shared seg", "P.V global seg"};
        for (int m = 0; m < 4; m++) { double[] x = t[m].clone(); Arrays.sort(x); System.out.printf("%-20s min %.2f med %.2f ns per key-head%n", names[m], x[0], x[20]); }
        System.out.println(s[7] + acc[3]);
    }
}

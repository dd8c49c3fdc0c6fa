package dev.kascade.cpu;

import java.lang.foreign.*;
import java.util.*;

/** Throwaway: ns per key and KV head of Bf16Pairs.logits (four query rows, d 128, 512 rows in L2), one thread. */
public class LogitsBench {
    public static void main(String[] a) {
        int d = 128, nb = 512;
        Arena arena = Arena.ofShared();
        MemorySegment k = arena.allocate(2L * nb * d, 64);
        Random r = new Random(3);
        for (long i = 0; i < nb * d; i++) k.set(ValueLayout.JAVA_SHORT_UNALIGNED, 2 * i, (short) (Float.floatToIntBits((float) r.nextGaussian()) >>> 16));
        float[] q = new float[4 * d];
        for (int i = 0; i < q.length; i++) q[i] = (float) r.nextGaussian();
        float[] s = new float[4 * nb];
        double best = 1e9; double sum = 0;
        for (int round = 0; round < 60; round++) {
            long t0 = System.nanoTime();
            for (int rep = 0; rep < 400; rep++) {
                Bf16Pairs.logits(q, 0, 4, d, k, 0, 2L * d, 0, null, 0, nb, s, nb, true);
                sum += s[rep & 511];
            }
            double ns = (System.nanoTime() - t0) / 400.0 / nb;
            if (round >= 10) best = Math.min(best, ns);
        }
        System.out.printf("%s logits %.2f ns per key and KV head (sum %.1f)%n", a.length > 0 ? a[0] : "", best, sum);
    }
}

package dev.kascade.cpu;

import dev.kascade.tensor.*;
import java.lang.foreign.*;
import java.util.*;

/** Library kernels in L2: Bf16Pairs.logits with copies, accumulate (ONE_CHUNK on 8 lanes). ns per key, 4 rows, d 128. */
public class Bench9 {
    static final boolean DIRECT = Boolean.getBoolean("direct"), K8Q = Boolean.getBoolean("k8");
    public static void main(String[] a) {
        int region = Integer.parseInt(a[0]); int reps = Integer.parseInt(a[1]);
        int D = 128, G = 4, NB = 256;
        Arena arena = Arena.ofShared();
        Tensor k = Tensor.allocate(arena, DType.BF16, 1, 1, region, D), v = Tensor.allocate(arena, DType.BF16, 1, 1, region, D);
        MemorySegment ks = k.segment(), vs = v.segment(); Random r = new Random(3);
        for (long i = 0; i < k.size(); i++) { ks.set(ValueLayout.JAVA_SHORT_UNALIGNED, 2*i, (short)(Float.floatToIntBits((float) r.nextGaussian()) >>> 16)); vs.set(ValueLayout.JAVA_SHORT_UNALIGNED, 2*i, (short)(Float.floatToIntBits((float) r.nextGaussian()) >>> 16)); }
        int[] all = new int[region]; for (int i = 0; i < region; i++) all[i] = i;
        for (int i = 0; i < NB; i++) { int j = i + r.nextInt(region - i); int t = all[i]; all[i] = all[j]; all[j] = t; }
        int[] pos = Arrays.copyOf(all, NB); Arrays.sort(pos);
        float[] q = new float[G * D]; for (int i = 0; i < q.length; i++) q[i] = (float) r.nextGaussian() * 0.088f;
        float[] qp = new float[G * D]; for (int h = 0; h < G; h++) Bf16Pairs.split(q, h * D, D, qp, h * D);
        float[] qd8 = new float[8 * D]; K8.interleave2(qp, 0, D, qd8);
        float[] qc = new float[Bf16TwoKeys.copiedFloats(D)]; Bf16TwoKeys.copy(qp, 0, D, qc, 0);
        float[] s = new float[G * NB], m = new float[G], l = new float[G], acc = new float[G * D];
        for (int round = 0; round < 6; round++) {
            long[] best = {Long.MAX_VALUE, Long.MAX_VALUE, Long.MAX_VALUE};
            for (int it = 0; it < reps; it++) {
                Arrays.fill(m, Float.NEGATIVE_INFINITY); Arrays.fill(l, 0); Arrays.fill(acc, 0);
                long t0 = System.nanoTime();
                if (K8Q) K8.logits2q(qd8, D, ks, 0, 256, pos, NB, s, NB); else if (DIRECT) Bf16TwoKeys.logits(qc, 0, D, ks, 0, 256, 0, pos, 0, NB, s, 0, NB); else Bf16Pairs.logits(qp, 0, G, D, ks, 0, 256, 0, pos, 0, NB, s, NB, true, qc);
                long t1 = System.nanoTime();
                for (int h = 0; h < G; h++) BlockMath.softmaxStep(s, h, m, l, 0, acc, h * D, D, NB);
                long t2 = System.nanoTime();
                Bf16Pairs.accumulate(s, G, vs, 0, 256, 0, pos, 0, NB, D, acc, 0, NB);
                long t3 = System.nanoTime();
                best[0] = Math.min(best[0], t1 - t0); best[1] = Math.min(best[1], t2 - t1); best[2] = Math.min(best[2], t3 - t2);
            }
            if (round >= 3) System.out.printf("logits %.2f softmax %.2f pv %.2f ns per key%n", best[0] / (double) NB, best[1] / (double) NB, best[2] / (double) NB);
        }
    }
}

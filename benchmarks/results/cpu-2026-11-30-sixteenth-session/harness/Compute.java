package dev.kascade.cpu;

import dev.kascade.tensor.*;
import java.lang.foreign.*;
import java.util.*;

/** Throwaway: the reuse block compute (logits, softmax, P.V) on 256 rows resident in L2; ns per row, one thread. */
public class Compute { static final int VAR = Integer.getInteger("var", 0); static final boolean FOUR = !Boolean.getBoolean("two");
    public static void main(String[] a) {
        int region = Integer.parseInt(a[0]); int reps = Integer.parseInt(a[1]);
        int D = 128, G = 4, NB = 256;
        Arena arena = Arena.ofShared();
        Tensor k = Tensor.allocate(arena, DType.BF16, 1, 1, region, D), v = Tensor.allocate(arena, DType.BF16, 1, 1, region, D);
        MemorySegment ks = k.segment(), vs = v.segment(); Random r = new Random(3);
        for (long i = 0; i < k.size(); i++) { ks.set(ValueLayout.JAVA_SHORT_UNALIGNED, 2*i, (short)(Float.floatToIntBits((float) r.nextGaussian()) >>> 16)); vs.set(ValueLayout.JAVA_SHORT_UNALIGNED, 2*i, (short)(Float.floatToIntBits((float) r.nextGaussian()) >>> 16)); }
        int[] all = new int[region]; for (int i = 0; i < region; i++) all[i] = i;
        for (int i = 0; i < NB; i++) { int j = i + r.nextInt(region - i); int t = all[i]; all[i] = all[j]; all[j] = t; }
        int[] pos = Arrays.copyOf(all, NB); Arrays.sort(pos); if (Boolean.getBoolean("l1")) for (int i = 0; i < NB; i++) pos[i] = i % 16;
        float[] q = new float[G * D]; for (int i = 0; i < q.length; i++) q[i] = (float) r.nextGaussian() * 0.088f;
        int QO = Integer.getInteger("qoff", 0); float[] qp = new float[G * D + 16]; for (int h = 0; h < G; h++) Bf16Pairs.split(q, h * D, D, qp, QO + h * D);
        float[] s = new float[G * NB], m = new float[G], l = new float[G], acc = new float[G * D];
        { float[] s1 = new float[G * NB], s2 = new float[G * NB];
          Bf16Pairs.logits(qp, QO, G, D, ks, 0, 256, 0, pos, 0, NB, s1, NB, true);
          if (VAR >= 10) { switch (VAR) { case 17 -> LQ.v14(qp, QO, D, ks, 0, 256, 0, pos, 0, NB, s2, 0, NB); case 16 -> LQ.v6(qp, 0, D, ks, 0, 256, 0, pos, 0, NB, s2, 0, NB); case 10 -> LQ.logitQuads(qp, 0, D, ks, 0, 256, 0, pos, 0, NB, s2, 0, NB); default -> System.arraycopy(s1, 0, s2, 0, s1.length); }
            double md = 0; for (int i = 0; i < s1.length; i++) md = Math.max(md, Math.abs(s1[i] - s2[i])); System.out.println("max |diff| vs library " + md); } }
        for (int round = 0; round < 5; round++) {
            long[] t = new long[4];
            for (int it = 0; it < reps; it++) {
                Arrays.fill(m, Float.NEGATIVE_INFINITY); Arrays.fill(l, 0); Arrays.fill(acc, 0);
                long t0 = System.nanoTime();
                switch (VAR) {
                    case 0 -> Bf16Pairs.logits(qp, QO, G, D, ks, 0, 256, 0, pos, 0, NB, s, NB, FOUR);
                    case 10 -> LQ.logitQuads(qp, 0, D, ks, 0, 256, 0, pos, 0, NB, s, 0, NB);
                    case 11 -> LQ.v1(qp, 0, D, ks, 0, 256, 0, pos, 0, NB, s, 0, NB);
                    case 12 -> LQ.v2(qp, 0, D, ks, 0, 256, 0, pos, 0, NB, s, 0, NB);
                    case 13 -> LQ.v3(qp, 0, D, ks, 0, 256, 0, pos, 0, NB, s, 0, NB);
                    case 15 -> LQ.v5(qp, 0, D, ks, 0, 256, 0, pos, 0, NB, s, 0, NB);
                    case 16 -> LQ.v6(qp, 0, D, ks, 0, 256, 0, pos, 0, NB, s, 0, NB);
                    case 17 -> LQ.v14(qp, QO, D, ks, 0, 256, 0, pos, 0, NB, s, 0, NB);
                    case 14 -> LQ.v4(qp, 0, D, ks, 0, 256, 0, pos, 0, NB, s, 0, NB);
                }
                long t1 = System.nanoTime();
                for (int h = 0; h < G; h++) BlockMath.softmaxStep(s, h, m, l, 0, acc, h * D, D, NB);
                long t2 = System.nanoTime();
                Bf16Pairs.accumulate(s, G, vs, 0, 256, 0, pos, 0, NB, D, acc, 0, NB);
                long t3 = System.nanoTime();
                t[0] += t1 - t0; t[1] += t2 - t1; t[2] += t3 - t2;
            }
            System.out.printf("var " + VAR + " region %d: per row logits %.2f ns, softmax %.2f ns, P.V %.2f ns, total %.2f ns  (acc %.3f)%n", region,
                t[0] / (double) reps / NB, t[1] / (double) reps / NB, t[2] / (double) reps / NB, (t[0] + t[1] + t[2]) / (double) reps / NB, acc[5]);
        }
    }
}

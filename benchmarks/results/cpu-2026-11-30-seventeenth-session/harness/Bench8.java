package dev.kascade.cpu;

import dev.kascade.tensor.*;
import java.lang.foreign.*;
import java.util.*;

public class Bench8 {
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
        float[] qi = new float[4 * D]; K8.interleave(qp, 0, D, qi); MemorySegment qs = MemorySegment.ofArray(qi);
        float[] qd = new float[8 * D]; K8.interleave2(qp, 0, D, qd);
        long[] offs = new long[NB];
        float[] ref = new float[G * NB], s = new float[G * NB], tmp = new float[8];
        Bf16Pairs.logits(qp, 0, G, D, ks, 0, 256, 0, pos, 0, NB, ref, NB, true);
        float[] pr = new float[G * NB]; for (int i = 0; i < pr.length; i++) pr[i] = r.nextFloat();
        float[] accRef = new float[G * D], acc = new float[G * D];
        Bf16Pairs.accumulate(pr, G, vs, 0, 256, 0, pos, 0, NB, D, accRef, 0, NB);
        String[] names = {"logits lib", "logits1", "logits2t", "logits2r", "pv lib", "pv1", "pv22", "pv14", "logits2n", "logits2u", "logits1s", "logits2s", "logits1m", "logits1i", "logits2q", "logits2qn", "pv1u", "pv1o"};
        for (int round = 0; round < 6; round++) {
            StringBuilder sb = new StringBuilder();
            for (int var = 0; var < names.length; var++) {
                long best = Long.MAX_VALUE; double err = 0;
                for (int it = 0; it < reps; it++) {
                    if ((var >= 4 && var < 8) || var >= 16) Arrays.fill(acc, 0);
                    long t0 = System.nanoTime();
                    switch (var) {
                        case 0 -> Bf16Pairs.logits(qp, 0, G, D, ks, 0, 256, 0, pos, 0, NB, s, NB, true);
                        case 1 -> K8.logits1(qp, 0, D, ks, 0, 256, pos, NB, s, NB);
                        case 2 -> K8.logits2t(qp, 0, D, ks, 0, 256, pos, NB, s, NB, tmp);
                        case 3 -> K8.logits2r(qp, 0, D, ks, 0, 256, pos, NB, s, NB);
                        case 4 -> Bf16Pairs.accumulate(pr, G, vs, 0, 256, 0, pos, 0, NB, D, acc, 0, NB);
                        case 5 -> K8.pv1(pr, G, vs, 0, 256, pos, NB, D, acc, NB);
                        case 6 -> K8.pv22(pr, G, vs, 0, 256, pos, NB, D, acc, NB);
                        case 7 -> K8.pv14(pr, G, vs, 0, 256, pos, NB, D, acc, NB);
                        case 8 -> K8.logits2n(qp, 0, D, ks, 0, 256, pos, NB, s, NB);
                        case 10 -> K8.logits1s(qp, 0, D, ks, 0, 256, pos, NB, s, NB);
                        case 11 -> K8.logits2s(qp, 0, D, ks, 0, 256, pos, NB, s, NB);
                        case 12 -> K8.logits1m(qs, D, ks, 0, 256, pos, NB, s, NB);
                        case 13 -> K8.logits1i(qi, D, ks, 0, 256, pos, NB, s, NB);
                        case 14 -> K8.logits2q(qd, D, ks, 0, 256, pos, NB, s, NB);
                        case 15 -> K8.logits2qn(qd, D, ks, 0, 256, pos, NB, s, NB);
                        case 16 -> K8.pv1u(pr, G, vs, 0, 256, pos, NB, D, acc, NB, offs);
                        case 17 -> K8.pv1o(pr, G, vs, 0, 256, pos, NB, D, acc, NB, offs);
                        case 9 -> K8.logits2u(qp, 0, D, ks, 0, 256, pos, NB, s, NB, tmp);
                    }
                    long t1 = System.nanoTime();
                    best = Math.min(best, t1 - t0);
                }
                float[] x = (var >= 4 && var < 8) || var >= 16 ? acc : s, y = (var >= 4 && var < 8) || var >= 16 ? accRef : ref;
                for (int i = 0; i < x.length; i++) err = Math.max(err, Math.abs(x[i] - y[i]));
                if (round >= 3) sb.append(String.format("%s %.2f ns/row (err %.1e) | ", names[var], best / (double) NB, err));
            }
            if (round >= 3) System.out.println(sb);
        }
    }
}

import dev.kascade.algorithm.*;
import dev.kascade.cpu.*;
import dev.kascade.tensor.*;
import java.lang.foreign.*;
import java.util.*;

public class AnchorParts {
    public static void main(String[] a) throws Exception {
        int n = 32768, reps = Integer.parseInt(a.length > 0 ? a[0] : "15");
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
        for (long i = 0; i < k.size(); i++) { ks.set(ValueLayout.JAVA_SHORT_UNALIGNED, 2*i, (short)(Float.floatToIntBits((float) r.nextGaussian()) >>> 16)); vs.set(ValueLayout.JAVA_SHORT_UNALIGNED, 2*i, (short)(Float.floatToIntBits((float) r.nextGaussian()) >>> 16)); }
        Tensor out = Tensor.allocate(arena, DType.F32, 1, hq, d);
        KascadeDecoder dec = new KascadeDecoder(cfg, Variant.KASCADE, 1, n, pool);
        DecodeAttention att = new DecodeAttention(pool, 1, hq, kv, d);
        IndexSets sets = dec.newIndexSets();
        int[] len = {n};
        float[] logits = new float[hq * n], lse = new float[hq], o = new float[hq * d];
        long fb = 96L << 20; MemorySegment flush = arena.allocate(fb, 64);
        String[] names = {"dense", "scores2key", "scoresTree", "scoresRed", "denseRed"};
        dec.anchor(q, k, v, len, sets, out);
        int[] ident = {0,1,2,3,4,5,6,7}; int[] src = {3,4,5,6,7,0,1,2};
        float[] kept = new float[hq * n];
        att.scores(q, k, len, kept, n, lse);
        double[][] t = new double[names.length][reps];
        long sink = 0;
        for (int rep = -3; rep < reps; rep++) {
            for (int c = 0; c < names.length; c++) {
                for (long i = 0; i < fb; i += 64) sink += flush.get(ValueLayout.JAVA_BYTE, i);
                long t0 = System.nanoTime();
                switch (c) {
                    case 0 -> { Bf16Pairs.EXP_RED = false; att.dense(q, k, v, len, o, null, 0, null); }
                    case 1 -> { DecodeAttention.EXP_Q = false; att.scores(q, k, len, logits, n, lse); }
                    case 2 -> { DecodeAttention.EXP_Q = true; Bf16Pairs.EXP_RED = false; att.scores(q, k, len, logits, n, lse); }
                    case 3 -> { DecodeAttention.EXP_Q = true; Bf16Pairs.EXP_RED = true; att.scores(q, k, len, logits, n, lse); }
                    case 4 -> { DecodeAttention.EXP_Q = false; Bf16Pairs.EXP_RED = true; att.dense(q, k, v, len, o, null, 0, null); }
                }
                long t1 = System.nanoTime();
                if (rep >= 0) t[c][rep] = (t1 - t0) / 1e6;
            }
        }
        for (int c = 0; c < names.length; c++) {
            double[] x = t[c].clone(); Arrays.sort(x);
            System.out.printf("%-10s min %.3f med %.3f ms%n", names[c], x[0], x[x.length / 2]);
        }
        System.out.println(sink == 42 ? "" : " ");
    }
}

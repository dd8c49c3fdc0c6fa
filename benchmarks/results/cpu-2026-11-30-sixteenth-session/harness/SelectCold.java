package dev.kascade.bench;

import dev.kascade.algorithm.*;
import dev.kascade.cpu.*;
import dev.kascade.tensor.*;
import java.lang.foreign.*;
import java.lang.reflect.*;

/** Throwaway: KascadeDecoder's select right after the scores pass (logits as the pass left them) vs again (warm). */
public class SelectCold {
    public static void main(String[] a) throws Exception {
        int rounds = Integer.parseInt(a[0]);
        BenchSpec spec = BenchSpec.defaults(BenchMode.DECODE);
        SyntheticWorkload w = new SyntheticWorkload(spec.workload());
        int n = spec.context(), G = spec.kvHeads(), Hq = spec.qHeads(), d = spec.headDim();
        Arena arena = Arena.ofShared();
        int C = 3;
        Tensor[] ks = new Tensor[C];
        for (int c = 0; c < C; c++) ks[c] = Tensor.allocate(arena, DType.BF16, 1, G, n, d);
        Tensor q = Tensor.allocate(arena, DType.BF16, 1, Hq, d);
        Tensor v = Tensor.allocate(arena, DType.BF16, 1, G, n, d);
        SyntheticLayer layer = w.layer(2);
        layer.fillKeys(ks[0]); layer.fillValues(v); layer.fillDecodeQueries(q);
        for (int c = 1; c < C; c++) MemorySegment.copy(ks[0].segment(), 0, ks[c].segment(), 0, ks[0].segment().byteSize());
        Tensor out = Tensor.allocate(arena, DType.F32, 1, Hq, d);
        int[] len = {n};
        KascadeDecoder dec = new KascadeDecoder(spec.config(), Variant.KASCADE, 1, n, CpuPool.shared());
        IndexSets sets = dec.newIndexSets();
        dec.anchor(q, ks[0], v, len, sets, out);
        Field fa = KascadeDecoder.class.getDeclaredField("attention"); fa.setAccessible(true);
        Field fl = KascadeDecoder.class.getDeclaredField("logits"); fl.setAccessible(true);
        Field fs = KascadeDecoder.class.getDeclaredField("lse"); fs.setAccessible(true);
        Method sel = KascadeDecoder.class.getDeclaredMethod("select", int[].class, IndexSets.class, boolean.class); sel.setAccessible(true);
        DecodeAttention att = (DecodeAttention) fa.get(dec);
        float[] logits = (float[]) fl.get(dec), lse = (float[]) fs.get(dec);
        double[][] s = new double[3][rounds];
        int next = 0;
        for (int it = -20; it < rounds; it++) {
            int c = next; next = (next + 1) % C;
            long t0 = System.nanoTime();
            att.scores(q, ks[c], len, logits, n, lse);
            long t1 = System.nanoTime();
            sel.invoke(dec, len, sets, false);
            long t2 = System.nanoTime();
            sel.invoke(dec, len, sets, false);
            long t3 = System.nanoTime();
            if (it >= 0) { s[0][it] = (t1 - t0) / 1e6; s[1][it] = (t2 - t1) / 1e6; s[2][it] = (t3 - t2) / 1e6; }
        }
        System.out.printf("scores %.3f / %.3f | select after the pass %.3f / %.3f | select again %.3f / %.3f%n",
            BenchRunner.best(s[0]), BenchRunner.median(s[0]), BenchRunner.best(s[1]), BenchRunner.median(s[1]), BenchRunner.best(s[2]), BenchRunner.median(s[2]));
    }
}

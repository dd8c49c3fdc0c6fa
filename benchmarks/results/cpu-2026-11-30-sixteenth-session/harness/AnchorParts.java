package dev.kascade.bench;

import dev.kascade.algorithm.*;
import dev.kascade.cpu.*;
import dev.kascade.tensor.*;
import java.lang.foreign.*;
import java.util.*;

/** Throwaway: anchor call vs its scores pass and its pass 4 alone, cold (rotating over 3 layer copies). */
public class AnchorParts {
    public static void main(String[] a) {
        int rounds = Integer.parseInt(a[0]);
        BenchSpec spec = BenchSpec.defaults(BenchMode.DECODE);
        SyntheticWorkload w = new SyntheticWorkload(spec.workload());
        int n = spec.context(), G = spec.kvHeads(), Hq = spec.qHeads(), d = spec.headDim();
        Arena arena = Arena.ofShared();
        int C = 3;
        Tensor[] ks = new Tensor[C], vs = new Tensor[C];
        for (int c = 0; c < C; c++) { ks[c] = Tensor.allocate(arena, DType.BF16, 1, G, n, d); vs[c] = Tensor.allocate(arena, DType.BF16, 1, G, n, d); }
        Tensor q = Tensor.allocate(arena, DType.BF16, 1, Hq, d);
        SyntheticLayer layer = w.layer(2);
        layer.fillKeys(ks[0]); layer.fillValues(vs[0]); layer.fillDecodeQueries(q);
        for (int c = 1; c < C; c++) { MemorySegment.copy(ks[0].segment(), 0, ks[c].segment(), 0, ks[0].segment().byteSize()); MemorySegment.copy(vs[0].segment(), 0, vs[c].segment(), 0, vs[0].segment().byteSize()); }
        Tensor out = Tensor.allocate(arena, DType.F32, 1, Hq, d);
        int[] len = {n};
        KascadeDecoder dec = new KascadeDecoder(spec.config(), Variant.KASCADE, 1, n, CpuPool.shared());
        DecodeAttention att = new DecodeAttention(CpuPool.shared(), 1, Hq, G, d);
        IndexSets sets = dec.newIndexSets();
        dec.anchor(q, ks[0], vs[0], len, sets, out);
        float[] logits = new float[Hq * n]; float[] lse = new float[Hq]; float[] o = new float[Hq * d];
        int[] id = new int[G]; for (int g = 0; g < G; g++) id[g] = g;
        // logits kept in set order for pass 4: emulate by a scores pass then compaction like KascadeDecoder
        att.scores(q, ks[0], len, logits, n, lse);
        int[] pos = sets.positionsArray();
        for (int h = 0; h < Hq; h++) { int g = h / (Hq / G); int off = sets.offset(0, g); int k = sets.count(0, g); for (int i = 0; i < k; i++) logits[h * n + i] = logits[h * n + pos[off + i]]; }
        float[] kept = logits.clone();
        float[] scratch = new float[Hq * n];
        String[] names = {"anchor", "scores", "pass4", "dense", "dense+logits", "layer0"};
        double[][] s = new double[6][rounds];
        int next = 0;
        for (int it = -20; it < rounds; it++) {
            for (int m = 0; m < 6; m++) {
                int c = next; next = (next + 1) % C;
                long t0 = System.nanoTime();
                switch (m) {
                    case 0 -> dec.anchor(q, ks[c], vs[c], len, sets, out);
                    case 1 -> att.scores(q, ks[c], len, scratch, n, lse);
                    case 2 -> att.sparse(q, ks[c], vs[c], len, pos, sets.offsetsArray(), sets.countsArray(), id, o, kept, n);
                    case 3 -> att.dense(q, ks[c], vs[c], len, o, null, 0, null);
                    case 4 -> att.dense(q, ks[c], vs[c], len, o, scratch, n, lse);
                    case 5 -> dec.layer0(q, ks[c], vs[c], len, sets, out);
                }
                if (it >= 0) s[m][it] = (System.nanoTime() - t0) / 1e6;
            }
        }
        StringBuilder b = new StringBuilder();
        for (int m = 0; m < 6; m++) b.append(String.format("%s %.3f / %.3f | ", names[m], BenchRunner.best(s[m]), BenchRunner.median(s[m])));
        System.out.println(b);
    }
}

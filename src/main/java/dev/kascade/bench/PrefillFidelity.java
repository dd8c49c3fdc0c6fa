package dev.kascade.bench;

import dev.kascade.algorithm.AnchorPlan;
import dev.kascade.algorithm.KascadePrefiller;
import dev.kascade.algorithm.LayerRole;
import dev.kascade.algorithm.TileIndexSets;
import dev.kascade.algorithm.Variant;
import dev.kascade.cpu.CpuPool;
import dev.kascade.tensor.DType;
import dev.kascade.tensor.Tensor;
import java.lang.foreign.Arena;
import java.util.Arrays;

/**
 * One causal prefill of the prompt through every layer of the plan on the CPU, Kascade against a float64 dense
 * reference on {@link #SAMPLED_POSITIONS} spread prompt positions per layer (all sequences and query heads).
 * Mass recall of a sampled row: dense mass on its tile's selected keys plus the tile's causal diagonal
 * (1 on layer 0 and on dense tiles).
 */
final class PrefillFidelity {
    /** Sampled query positions per layer; enough for averages, cheap next to the prefill itself. */
    static final int SAMPLED_POSITIONS = 24;

    private PrefillFidelity() {
    }

    static Fidelity measure(BenchSpec spec, SyntheticWorkload workload, AnchorPlan plan, Progress progress) {
        int t = spec.context();
        int batch = spec.batch();
        int hq = spec.qHeads();
        int r = hq / spec.kvHeads();
        int tile = spec.config().tile();
        double[] err = new double[spec.layers()];
        double[] recall = new double[spec.layers()];
        int[] sample = PrefillReference.spread(t, SAMPLED_POSITIONS);
        try (Arena arena = Arena.ofShared()) {
            DType dt = spec.dtype();
            Tensor k = Tensor.allocate(arena, dt, batch, spec.kvHeads(), t, spec.headDim());
            Tensor v = Tensor.allocate(arena, dt, batch, spec.kvHeads(), t, spec.headDim());
            Tensor q = Tensor.allocate(arena, dt, batch, hq, t, spec.headDim());
            Tensor out = Tensor.allocate(arena, DType.F32, batch, hq, t, spec.headDim());
            int[] lengths = new int[batch];
            Arrays.fill(lengths, t);
            int[] qLens = lengths.clone();
            KascadePrefiller prefiller = new KascadePrefiller(spec.config(), Variant.KASCADE, batch, t, CpuPool.shared());
            TileIndexSets sets = prefiller.newIndexSets();
            for (int l = 0; l < spec.layers(); l++) {
                progress.update(spec.label() + ": fidelity pass, layer " + (l + 1) + "/" + spec.layers());
                SyntheticLayer layer = workload.layer(l);
                layer.fillKeys(k);
                layer.fillValues(v);
                layer.fillPrefillQueries(q);
                LayerRole role = plan.role(l);
                int[] source = new int[spec.kvHeads()];
                for (int g = 0; g < source.length; g++) source[g] = plan.sourceHead(l, g);
                switch (role) {
                    case LAYER0 -> prefiller.layer0(q, k, v, lengths, qLens, sets, out);
                    case ANCHOR -> prefiller.anchor(q, k, v, lengths, qLens, sets, out);
                    case REUSE -> prefiller.reuse(q, k, v, lengths, qLens, sets, source, out);
                }
                PrefillReference ref = new PrefillReference(q, k, v, sample);
                err[l] = ref.relativeError(out);
                if (role == LayerRole.LAYER0) {
                    recall[l] = 1.0; // layer 0's own output is dense
                    continue;
                }
                double m = 0;
                for (int b = 0; b < batch; b++) {
                    for (int i = 0; i < sample.length; i++) {
                        int ti = sample[i] / tile;
                        int start = ti * tile;
                        for (int h = 0; h < hq; h++) {
                            m += sets.dense(b, ti) ? 1.0
                                    : ref.massOn(b, i, h, sets.positions(b, ti, source[h / r]), start);
                        }
                    }
                }
                recall[l] = m / (batch * sample.length * hq);
            }
        }
        return new Fidelity(err, recall);
    }
}

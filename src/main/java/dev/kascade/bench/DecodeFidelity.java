package dev.kascade.bench;

import dev.kascade.algorithm.AnchorPlan;
import dev.kascade.algorithm.IndexSets;
import dev.kascade.algorithm.KascadeDecoder;
import dev.kascade.algorithm.LayerRole;
import dev.kascade.algorithm.Variant;
import dev.kascade.cpu.CpuPool;
import dev.kascade.tensor.DType;
import dev.kascade.tensor.Tensor;
import java.lang.foreign.Arena;
import java.util.Arrays;

/**
 * One decode step through every layer of the workload's plan on the CPU, Kascade against a float64 dense
 * reference, layer by layer (one layer's K and V exist at a time): layer 0 and the anchors write the index
 * sets, the reuse layers read the most recent anchor's sets through the plan's head mapping.
 */
final class DecodeFidelity {
    private DecodeFidelity() {
    }

    /**
     * @param plan the anchors and head mapping to run (the workload's true plan, or an ablation such as
     *             {@link SyntheticWorkload#identityPlan()})
     */
    static Fidelity measure(BenchSpec spec, SyntheticWorkload workload, AnchorPlan plan, Progress progress) {
        int n = spec.context();
        int batch = spec.batch();
        int hq = spec.qHeads();
        int r = hq / spec.kvHeads();
        double[] err = new double[spec.layers()];
        double[] recall = new double[spec.layers()];
        try (Arena arena = Arena.ofShared()) {
            DType dt = spec.dtype();
            Tensor k = Tensor.allocate(arena, dt, batch, spec.kvHeads(), n, spec.headDim());
            Tensor v = Tensor.allocate(arena, dt, batch, spec.kvHeads(), n, spec.headDim());
            Tensor q = Tensor.allocate(arena, dt, batch, hq, spec.headDim());
            Tensor out = Tensor.allocate(arena, DType.F32, batch, hq, spec.headDim());
            int[] lengths = new int[batch];
            Arrays.fill(lengths, n);
            KascadeDecoder decoder = new KascadeDecoder(spec.config(), Variant.KASCADE, batch, n, CpuPool.shared());
            IndexSets sets = decoder.newIndexSets();
            for (int l = 0; l < spec.layers(); l++) {
                progress.update(spec.label() + ": fidelity pass, layer " + (l + 1) + "/" + spec.layers());
                SyntheticLayer layer = workload.layer(l);
                layer.fillKeys(k);
                layer.fillValues(v);
                layer.fillDecodeQueries(q);
                LayerRole role = plan.role(l);
                int[] source = new int[spec.kvHeads()];
                for (int g = 0; g < source.length; g++) source[g] = plan.sourceHead(l, g);
                switch (role) {
                    case LAYER0 -> decoder.layer0(q, k, v, lengths, sets, out);
                    case ANCHOR -> decoder.anchor(q, k, v, lengths, sets, out);
                    case REUSE -> decoder.reuse(q, k, v, lengths, sets, source, out);
                }
                DecodeReference ref = new DecodeReference(q, k, v);
                err[l] = ref.relativeError(out);
                if (role == LayerRole.LAYER0) {
                    recall[l] = 1.0; // layer 0's own output is dense
                    continue;
                }
                double m = 0;
                for (int b = 0; b < batch; b++) {
                    for (int h = 0; h < hq; h++) m += ref.massOn(b, h, sets.positions(b, source[h / r]));
                }
                recall[l] = m / (batch * hq);
            }
        }
        return new Fidelity(err, recall);
    }
}

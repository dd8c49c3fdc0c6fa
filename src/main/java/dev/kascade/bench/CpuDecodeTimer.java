package dev.kascade.bench;

import dev.kascade.algorithm.AnchorPlan;
import dev.kascade.algorithm.IndexSets;
import dev.kascade.algorithm.KascadeDecoder;
import dev.kascade.algorithm.Variant;
import dev.kascade.cpu.CpuPool;
import dev.kascade.tensor.DType;
import dev.kascade.tensor.Tensor;
import java.lang.foreign.Arena;
import java.util.Arrays;

/**
 * Times the CPU decode roles of {@link KascadeDecoder} on one synthetic layer: K and V
 * {@code [batch][G][n][d]} and the queries in the bench dtype, output f32, all in one shared arena.
 * The reuse role reads index sets written by an anchor call, through the head mapping of a real reuse layer
 * of the workload's plan.
 */
final class CpuDecodeTimer implements RoleTimer {
    private final Arena arena = Arena.ofShared();
    private final KascadeDecoder decoder;
    private final Tensor q;
    private final Tensor k;
    private final Tensor v;
    private final Tensor out;
    private final int[] lengths;
    private final IndexSets sets;
    private final IndexSets anchorSets;
    private final int[] sourceHead;

    CpuDecodeTimer(BenchSpec spec, SyntheticWorkload workload) {
        try {
            int n = spec.context();
            int b = spec.batch();
            DType dt = spec.dtype();
            AnchorPlan plan = workload.plan();
            int anchorLayer = spec.anchors().length > 1 ? spec.anchors()[1] : 0;
            SyntheticLayer layer = workload.layer(anchorLayer);
            k = Tensor.allocate(arena, dt, b, spec.kvHeads(), n, spec.headDim());
            v = Tensor.allocate(arena, dt, b, spec.kvHeads(), n, spec.headDim());
            q = Tensor.allocate(arena, dt, b, spec.qHeads(), spec.headDim());
            out = Tensor.allocate(arena, DType.F32, b, spec.qHeads(), spec.headDim());
            layer.fillKeys(k);
            layer.fillValues(v);
            layer.fillDecodeQueries(q);
            lengths = new int[b];
            Arrays.fill(lengths, n);
            decoder = new KascadeDecoder(spec.config(), Variant.KASCADE, b, n, CpuPool.shared());
            sets = decoder.newIndexSets();
            anchorSets = decoder.newIndexSets();
            decoder.anchor(q, k, v, lengths, anchorSets, out);
            int reuseLayer = firstReuseLayer(plan);
            sourceHead = new int[spec.kvHeads()];
            for (int g = 0; g < sourceHead.length; g++) {
                sourceHead[g] = reuseLayer < 0 ? g : plan.sourceHead(reuseLayer, g);
            }
        } catch (RuntimeException | Error e) {
            arena.close();
            throw e;
        }
    }

    private static int firstReuseLayer(AnchorPlan plan) {
        for (int l = 0; l < plan.layers(); l++) {
            if (!plan.isAnchor(l)) return l;
        }
        return -1;
    }

    @Override
    public String device() {
        return CpuBackend.describe();
    }

    @Override
    public double[] time(TimedRole role, int warmup, int iters) {
        Runnable call = switch (role) {
            case DENSE -> () -> decoder.dense(q, k, v, lengths, out);
            case LAYER0 -> () -> decoder.layer0(q, k, v, lengths, sets, out);
            case ANCHOR -> () -> decoder.anchor(q, k, v, lengths, sets, out);
            case REUSE -> () -> decoder.reuse(q, k, v, lengths, anchorSets, sourceHead, out);
        };
        return Timing.run(call, warmup, iters);
    }

    @Override
    public void close() {
        arena.close();
    }
}

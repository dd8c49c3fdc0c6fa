package dev.kascade.bench;

import dev.kascade.algorithm.AnchorPlan;
import dev.kascade.algorithm.KascadePrefiller;
import dev.kascade.algorithm.TileIndexSets;
import dev.kascade.algorithm.Variant;
import dev.kascade.cpu.CpuPool;
import dev.kascade.tensor.DType;
import dev.kascade.tensor.MemoryInfo;
import dev.kascade.tensor.Tensor;
import java.lang.foreign.Arena;
import java.util.Arrays;

/**
 * Times the CPU prefill roles of {@link KascadePrefiller} on one synthetic layer: a causal prompt of T tokens,
 * queries {@code [batch][Hq][T][d]}, K and V {@code [batch][G][T][d]} already holding the prompt, output f32.
 * The reuse role reads tile index sets written by an anchor call, through a real reuse layer's head mapping.
 */
final class CpuPrefillTimer implements RoleTimer {
    private final Arena arena = Arena.ofShared();
    private final KascadePrefiller prefiller;
    private final Tensor q;
    private final Tensor k;
    private final Tensor v;
    private final Tensor out;
    private final int[] lengths;
    private final int[] qLens;
    private final TileIndexSets sets;
    private final TileIndexSets anchorSets;
    private final int[] sourceHead;

    CpuPrefillTimer(BenchSpec spec, SyntheticWorkload workload) {
        try {
            int t = spec.context();
            int b = spec.batch();
            DType dt = spec.dtype();
            AnchorPlan plan = workload.plan();
            int anchorLayer = spec.anchors().length > 1 ? spec.anchors()[1] : 0;
            SyntheticLayer layer = workload.layer(anchorLayer);
            long rows = (long) b * t * spec.headDim();
            MemoryInfo.requireFits("--batch, --context", "one layer's K, V, queries and f32 output (batch " + b + " x "
                    + t + " tokens)", rows * (2L * spec.kvHeads() * dt.byteSize() + spec.qHeads() * (dt.byteSize() + 4L)),
                    MemoryInfo.availableBytes(), "lower --batch or --context");
            k = Tensor.allocate(arena, dt, b, spec.kvHeads(), t, spec.headDim());
            v = Tensor.allocate(arena, dt, b, spec.kvHeads(), t, spec.headDim());
            q = Tensor.allocate(arena, dt, b, spec.qHeads(), t, spec.headDim());
            out = Tensor.allocate(arena, DType.F32, b, spec.qHeads(), t, spec.headDim());
            layer.fillKeys(k);
            layer.fillValues(v);
            layer.fillPrefillQueries(q);
            lengths = new int[b];
            Arrays.fill(lengths, t);
            qLens = lengths.clone();
            prefiller = new KascadePrefiller(spec.config(), Variant.KASCADE, b, t, CpuPool.shared());
            sets = prefiller.newIndexSets();
            anchorSets = prefiller.newIndexSets();
            prefiller.anchor(q, k, v, lengths, qLens, anchorSets, out);
            sourceHead = new int[spec.kvHeads()];
            int reuseLayer = -1;
            for (int l = 0; l < plan.layers() && reuseLayer < 0; l++) if (!plan.isAnchor(l)) reuseLayer = l;
            for (int g = 0; g < sourceHead.length; g++) sourceHead[g] = reuseLayer < 0 ? g : plan.sourceHead(reuseLayer, g);
        } catch (RuntimeException | Error e) {
            arena.close();
            throw e;
        }
    }

    @Override
    public String device() {
        return CpuBackend.describe();
    }

    @Override
    public double[] time(TimedRole role, int warmup, int iters) {
        Runnable call = switch (role) {
            case DENSE -> () -> prefiller.dense(q, k, v, lengths, qLens, out);
            case LAYER0 -> () -> prefiller.layer0(q, k, v, lengths, qLens, sets, out);
            case ANCHOR -> () -> prefiller.anchor(q, k, v, lengths, qLens, sets, out);
            case REUSE -> () -> prefiller.reuse(q, k, v, lengths, qLens, anchorSets, sourceHead, out);
        };
        return Timing.run(call, warmup, iters);
    }

    @Override
    public void close() {
        arena.close();
    }
}

package dev.kascade.benchmarks;

import dev.kascade.algorithm.AnchorPlan;
import dev.kascade.algorithm.IndexSets;
import dev.kascade.algorithm.KascadeConfig;
import dev.kascade.algorithm.KascadeDecoder;
import dev.kascade.algorithm.Variant;
import dev.kascade.bench.SyntheticLayer;
import dev.kascade.bench.SyntheticWorkload;
import dev.kascade.bench.WorkloadSpec;
import dev.kascade.cpu.CpuPool;
import dev.kascade.tensor.DType;
import dev.kascade.tensor.Tensor;
import java.lang.foreign.Arena;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.TearDown;

/**
 * One decode step of one layer on the CPU: dense against each Kascade role (layer 0, anchor, reuse), on a layer
 * of the synthetic sparse workload (batch 1, top-k 10%, d 128).
 */
public class DecodeBench extends KascadeBench {
    @Param({"8192", "32768"})
    public int context;

    @Param({"bf16", "f16", "f32"})
    public String dtype;

    @Param({"32x8"})
    public String heads;

    private Arena arena;
    private KascadeDecoder decoder;
    private Tensor q;
    private Tensor k;
    private Tensor v;
    private Tensor out;
    private int[] lengths;
    private IndexSets sets;
    private IndexSets anchorSets;
    private int[] sourceHead;

    @Setup(Level.Trial)
    public void setUp() {
        int[] h = heads(heads);
        DType dt = DType.parse(dtype);
        WorkloadSpec spec = WorkloadSpec.of(32, h[0], h[1], 128, context, 1, WorkloadSpec.LLAMA_ANCHORS, 3);
        SyntheticWorkload w = new SyntheticWorkload(spec);
        SyntheticLayer layer = w.layer(2);
        arena = Arena.ofShared();
        k = Tensor.allocate(arena, dt, 1, h[1], context, 128);
        v = Tensor.allocate(arena, dt, 1, h[1], context, 128);
        q = Tensor.allocate(arena, dt, 1, h[0], 128);
        out = Tensor.allocate(arena, DType.F32, 1, h[0], 128);
        layer.fillKeys(k);
        layer.fillValues(v);
        layer.fillDecodeQueries(q);
        lengths = new int[] {context};
        decoder = new KascadeDecoder(KascadeConfig.of(32, h[0], h[1], 128, dt), Variant.KASCADE, 1, context,
                CpuPool.shared());
        sets = decoder.newIndexSets();
        anchorSets = decoder.newIndexSets();
        decoder.anchor(q, k, v, lengths, anchorSets, out);
        AnchorPlan plan = w.plan();
        sourceHead = new int[h[1]];
        for (int g = 0; g < h[1]; g++) sourceHead[g] = plan.sourceHead(3, g);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        arena.close();
    }

    @Benchmark
    public Tensor dense() {
        decoder.dense(q, k, v, lengths, out);
        return out;
    }

    @Benchmark
    public Tensor kascadeLayer0() {
        decoder.layer0(q, k, v, lengths, sets, out);
        return out;
    }

    @Benchmark
    public Tensor kascadeAnchor() {
        decoder.anchor(q, k, v, lengths, sets, out);
        return out;
    }

    @Benchmark
    public Tensor kascadeReuse() {
        decoder.reuse(q, k, v, lengths, anchorSets, sourceHead, out);
        return out;
    }
}

package dev.kascade.benchmarks;

import dev.kascade.algorithm.KascadeConfig;
import dev.kascade.algorithm.KascadePrefiller;
import dev.kascade.algorithm.TileIndexSets;
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
 * Causal prefill of one layer on the CPU: dense against each Kascade role, on a synthetic sparse prompt
 * (batch 1, top-k 10% with the rolling budget, tile 32, d 128).
 */
public class PrefillBench extends KascadeBench {
    @Param({"2048", "8192"})
    public int context;

    @Param({"bf16"})
    public String dtype;

    @Param({"32x8"})
    public String heads;

    private Arena arena;
    private KascadePrefiller prefiller;
    private Tensor q;
    private Tensor k;
    private Tensor v;
    private Tensor out;
    private int[] lengths;
    private TileIndexSets sets;
    private TileIndexSets anchorSets;
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
        q = Tensor.allocate(arena, dt, 1, h[0], context, 128);
        out = Tensor.allocate(arena, DType.F32, 1, h[0], context, 128);
        layer.fillKeys(k);
        layer.fillValues(v);
        layer.fillPrefillQueries(q);
        lengths = new int[] {context};
        prefiller = new KascadePrefiller(KascadeConfig.of(32, h[0], h[1], 128, dt), Variant.KASCADE, 1, context,
                CpuPool.shared());
        sets = prefiller.newIndexSets();
        anchorSets = prefiller.newIndexSets();
        prefiller.anchor(q, k, v, lengths, lengths, anchorSets, out);
        sourceHead = new int[h[1]];
        for (int g = 0; g < h[1]; g++) sourceHead[g] = w.plan().sourceHead(3, g);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        arena.close();
    }

    @Benchmark
    public Tensor dense() {
        prefiller.dense(q, k, v, lengths, lengths, out);
        return out;
    }

    @Benchmark
    public Tensor kascadeLayer0() {
        prefiller.layer0(q, k, v, lengths, lengths, sets, out);
        return out;
    }

    @Benchmark
    public Tensor kascadeAnchor() {
        prefiller.anchor(q, k, v, lengths, lengths, sets, out);
        return out;
    }

    @Benchmark
    public Tensor kascadeReuse() {
        prefiller.reuse(q, k, v, lengths, lengths, anchorSets, sourceHead, out);
        return out;
    }
}

package dev.kascade.benchmarks;

import dev.kascade.bench.SyntheticLayer;
import dev.kascade.bench.SyntheticWorkload;
import dev.kascade.bench.WorkloadSpec;
import dev.kascade.tensor.DType;
import dev.kascade.tensor.Tensor;
import java.lang.foreign.Arena;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.TearDown;

/** How fast the synthetic workload makes one layer's K and V (it bounds how large a bench can be). */
public class WorkloadBench extends KascadeBench {
    @Param({"32768"})
    public int context;

    @Param({"bf16"})
    public String dtype;

    private Arena arena;
    private Tensor k;
    private SyntheticLayer layer;

    @Setup(Level.Trial)
    public void setUp() {
        arena = Arena.ofShared();
        WorkloadSpec spec = WorkloadSpec.of(32, 32, 8, 128, context, 1, WorkloadSpec.LLAMA_ANCHORS, 1);
        layer = new SyntheticWorkload(spec).layer(5);
        k = Tensor.allocate(arena, DType.parse(dtype), 1, 8, context, 128);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        arena.close();
    }

    /** Keys of one layer: 8 KV heads x context x 128. */
    @Benchmark
    public Tensor fillKeys() {
        layer.fillKeys(k);
        return k;
    }
}

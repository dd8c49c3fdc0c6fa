package dev.kascade.kernels.attention;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kascade.algorithm.Budget;
import dev.kascade.ptx.interp.IrInterpreter;
import dev.kascade.tensor.DType;
import java.lang.foreign.Arena;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Plans of one split per row write their partial rows and LSEs straight into the output and LSE buffers and launch no
 * merge: every role (dense, layer 0, anchor, reuse) on both split kernels (FMA and tensor-core), against float64, with
 * NaN past every length ({@link DecodeCheck}), and the launch lists without their merges.
 */
class SingleSplitDecodeTest {
    /** Fewest keys per split far above any row: one split everywhere. */
    private static final int ONE_SPLIT = 1 << 20;

    @Test
    void everyRoleMatchesFloat64OnEitherKernel() {
        IrInterpreter compiled = new IrInterpreter();
        for (SplitTuning tuning : List.of(SplitTuning.DEFAULT, SplitTuning.DEFAULT.withTensorCores(false))) {
            for (DecodeCheck.Case c : DecodeCheck.emulatorCases()) {
                DecodeCheck.Result r = DecodeCheck.run(c, compiled, 71, 1, ONE_SPLIT, tuning);
                assertTrue(r.passed(), c.label() + " (" + tuning.label() + "): " + r.detail());
            }
        }
    }

    @Test
    void launchListsHaveNoMerge() {
        DecodeShape shape = new DecodeShape(2, 4, 1, 64, 260);
        try (Arena arena = Arena.ofShared();
             GpuDecode decode = new GpuDecode(new IrInterpreter(), shape, new Budget(0.5, 128, 1), 1, 16, ONE_SPLIT)) {
            DecodeFixture fx = new DecodeFixture(arena, shape, DType.BF16, new int[] {260, 100}, 72);
            IndexSets sets = decode.allocateIndexSets(arena);
            assertEquals(1, decode.plan(260).splits());
            assertEquals(List.of("split_dense"), names(decode.denseLaunches(fx.q, fx.kv, fx.lengths, fx.out)));
            assertEquals(List.of("split_layer0", "pool", "topk"),
                    names(decode.layer0Launches(fx.q, fx.kv, fx.lengths, fx.out, sets)));
            assertEquals(List.of("split_anchor_scores", "pool", "topk", "split_anchor_sparse"),
                    names(decode.anchorLaunches(fx.q, fx.kv, fx.lengths, fx.out, sets)));
        }
    }

    private static List<String> names(List<KernelLaunch> launches) {
        return launches.stream().map(KernelLaunch::name).toList();
    }
}

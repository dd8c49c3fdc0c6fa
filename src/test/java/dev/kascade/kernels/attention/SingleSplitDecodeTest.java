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
 * NaN past every length ({@link DecodeCheck}), and the launch lists without their merges; and where dense decode's
 * plan takes one split per row by itself ({@link GpuDecode#wholeRows}).
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

    private static final SplitTuning NO_STREAM_K = SplitTuning.DEFAULT.withStreamK(SplitTuning.StreamK.OFF);

    @Test
    void denseTakesWholeRowsWhereTheyFillOneWaveOrTwoOfShortRows() {
        // 132 SMs, d 128: a whole-row block has three stages, two per SM, so 264 slots; rows = batch x 8 KV heads. (The
        // stream-K grid, which takes some of these shapes by default, is StreamKDecodeKernelTest's.)
        assertEquals(1, wholeRowSplits(64, 128, NO_STREAM_K, 16384), "512 rows: 1.94 waves, 16K");
        assertEquals(1, wholeRowSplits(66, 128, NO_STREAM_K, 16384), "528 rows: 2 waves, 16K");
        assertTrue(wholeRowSplits(64, 128, NO_STREAM_K, 16385) > 1, "two waves beyond 16K: the split plan is faster");
        assertTrue(wholeRowSplits(64, 128, NO_STREAM_K, 32768) > 1, "two waves, 32K");
        assertTrue(wholeRowSplits(64, 128, NO_STREAM_K, 65536) > 1, "two waves, 64K");
        assertEquals(1, wholeRowSplits(32, 128, NO_STREAM_K, 16384), "256 rows: 0.97 waves, 16K");
        assertEquals(1, wholeRowSplits(32, 128, NO_STREAM_K, 32768), "one wave, 32K");
        assertEquals(1, wholeRowSplits(32, 128, NO_STREAM_K, 65536), "one wave, 64K");
        assertTrue(wholeRowSplits(32, 128, NO_STREAM_K, 65537) > 1, "beyond 64K");
        assertTrue(wholeRowSplits(64, 128, NO_STREAM_K, 131072) > 1, "128K: the split plan is faster");
        assertTrue(wholeRowSplits(64, 128, NO_STREAM_K, 8192) > 1, "8K: two stages, not measured");
        assertTrue(wholeRowSplits(60, 128, NO_STREAM_K, 16384) > 1, "480 rows: 91% of two waves");
        assertTrue(wholeRowSplits(30, 128, NO_STREAM_K, 32768) > 1, "240 rows: 91% of one wave");
        assertTrue(wholeRowSplits(128, 128, NO_STREAM_K, 32768) > 1, "1024 rows: four waves");
        assertTrue(wholeRowSplits(64, 64, NO_STREAM_K, 32768) > 1, "d 64: not measured");
        assertTrue(wholeRowSplits(64, 128, NO_STREAM_K.withTensorCores(false), 32768) > 1, "FMA kernel");
        assertTrue(wholeRowSplits(64, 128, NO_STREAM_K.withPersistent(true), 32768) > 1, "persistent");
    }

    /** Dense decode's splits for rows of {@code maxKeys} keys (32 query / 8 KV heads, 132 SMs, the default plan). */
    private static int wholeRowSplits(int batch, int headDim, SplitTuning tuning, int maxKeys) {
        try (GpuDecode decode = new GpuDecode((kernel, config, args) -> { }, new DecodeShape(batch, 32, 8, headDim, 64),
                Budget.PAPER, SplitPlan.H200_SM_COUNT, SplitPlan.DEFAULT_BLOCKS_PER_SM,
                SplitPlan.DEFAULT_MIN_KEYS_PER_SPLIT, tuning)) {
            return decode.plan(maxKeys).splits();
        }
    }

    private static List<String> names(List<KernelLaunch> launches) {
        return launches.stream().map(KernelLaunch::name).toList();
    }
}

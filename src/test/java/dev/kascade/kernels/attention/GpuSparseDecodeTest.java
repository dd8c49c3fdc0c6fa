package dev.kascade.kernels.attention;

import static dev.kascade.kernels.attention.EmulatorChecks.assertIndexSets;
import static dev.kascade.kernels.attention.EmulatorChecks.assertOutput;
import static dev.kascade.kernels.attention.EmulatorChecks.decoder;
import static dev.kascade.kernels.attention.EmulatorChecks.row;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kascade.algorithm.Budget;
import dev.kascade.tensor.DType;
import java.lang.foreign.Arena;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Layer-0, anchor and reuse decode in the CPU emulator: outputs against float64 attention over the same keys,
 * pooled scores against float64 pooling, index sets against a sort-based top-k.
 */
class GpuSparseDecodeTest {
    @Test
    void layer0GivesTheDenseOutputAndTopKOfPooledScores() {
        DecodeShape shape = new DecodeShape(2, 4, 1, 64, 270);
        Budget budget = new Budget(0.5, 128, 1); // 130 of 260 -> 256 keys; 100 keys -> dense
        try (Arena arena = Arena.ofShared(); GpuDecode decode = decoder(shape, budget)) {
            DecodeFixture fx = new DecodeFixture(arena, shape, DType.BF16, new int[] {260, 100}, 25);
            IndexSets sets = decode.allocateIndexSets(arena);
            decode.layer0(fx.q, fx.kv, fx.lengths, fx.out, sets);
            assertOutput(fx, fx.out, (b, h) -> null);
            assertEquals(256, sets.counts().get(0));
            assertIndexSets(fx, decode, sets);
        }
    }

    @Test
    void anchorAttendsToItsOwnTopKGqa4F16() {
        DecodeShape shape = new DecodeShape(1, 8, 2, 64, 320);
        try (Arena arena = Arena.ofShared(); GpuDecode decode = decoder(shape, Budget.PAPER)) {
            DecodeFixture fx = new DecodeFixture(arena, shape, DType.F16, new int[] {300}, 26);
            IndexSets sets = decode.allocateIndexSets(arena);
            decode.anchor(fx.q, fx.kv, fx.lengths, fx.out, sets);
            assertEquals(128, sets.counts().get(0));
            assertIndexSets(fx, decode, sets, true);
            assertOutput(fx, fx.out, (b, h) -> row(sets, shape, b, h / shape.groupSize()));

            // the next layer reuses the anchor's sets through a mapping: every KV head reads head 1's set
            int[] headMapRow = {1, 1};
            decode.reuse(fx.q, fx.kv, fx.lengths, sets, headMapRow, fx.out);
            assertOutput(fx, fx.out, (b, h) -> row(sets, shape, b, headMapRow[h / shape.groupSize()]));
        }
    }

    @Test
    void reuseReadsTheMappedAnchorHeadsSets() {
        DecodeShape shape = new DecodeShape(2, 8, 2, 128, 300);
        int[] headMapRow = {1, 1}; // many-to-one, as in Llama layer 1
        try (Arena arena = Arena.ofShared(); GpuDecode decode = decoder(shape, new Budget(0.3, 128, 1))) {
            DecodeFixture fx = new DecodeFixture(arena, shape, DType.BF16, new int[] {300, 129}, 27);
            IndexSets sets = decode.allocateIndexSets(arena);
            Random rnd = new Random(28);
            for (int b = 0; b < 2; b++) {
                int k = decode.budget().keys(fx.len[b]); // 128 of 300; 129 of 129
                sets.counts().set(b, k);
                for (int g = 0; g < 2; g++) {
                    int[] pick = rnd.ints(0, fx.len[b]).distinct().limit(k).sorted().toArray();
                    for (int j = 0; j < k; j++) sets.indices().set(((long) b * 2 + g) * sets.kMax() + j, pick[j]);
                }
            }
            decode.reuse(fx.q, fx.kv, fx.lengths, sets, headMapRow, fx.out);
            assertOutput(fx, fx.out, (b, h) -> row(sets, shape, b, headMapRow[h / shape.groupSize()]));
            assertTrue(Arrays.stream(row(sets, shape, 0, 1)).allMatch(i -> i < 300));
        }
    }
}

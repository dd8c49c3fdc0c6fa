package dev.kascade.kernels.attention;

import static dev.kascade.kernels.attention.EmulatorChecks.assertOutput;
import static dev.kascade.kernels.attention.EmulatorChecks.decoder;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kascade.algorithm.Budget;
import dev.kascade.tensor.DType;
import java.lang.foreign.Arena;
import org.junit.jupiter.api.Test;

/**
 * Dense decode in the CPU emulator against float64 attention, on random caches with lengths that are not
 * multiples of the kernel step: GQA ratios 1, 4 and 8, head dims 64, 128 and 256, bf16 and f16.
 */
class GpuDenseDecodeTest {
    @Test
    void denseGqa4HeadDim64Bf16TwoLengths() {
        DecodeShape shape = new DecodeShape(2, 4, 1, 64, 240);
        try (Arena arena = Arena.ofShared(); GpuDecode decode = decoder(shape, Budget.PAPER)) {
            DecodeFixture fx = new DecodeFixture(arena, shape, DType.BF16, new int[] {233, 77}, 21);
            assertTrue(decode.plan(233).splits() > 1, "the test must exercise the merge: " + decode.plan(233));
            decode.dense(fx.q, fx.kv, fx.lengths, fx.out);
            assertOutput(fx, fx.out, (b, h) -> null);
        }
    }

    @Test
    void denseMhaHeadDim128F16() {
        DecodeShape shape = new DecodeShape(1, 2, 2, 128, 320);
        try (Arena arena = Arena.ofShared(); GpuDecode decode = decoder(shape, Budget.PAPER)) {
            DecodeFixture fx = new DecodeFixture(arena, shape, DType.F16, new int[] {300}, 22);
            decode.dense(fx.q, fx.kv, fx.lengths, fx.out);
            assertOutput(fx, fx.out, (b, h) -> null);
        }
    }

    @Test
    void denseGqa8HeadDim128Bf16AndHeadDim256F16() {
        DecodeShape shape = new DecodeShape(1, 8, 1, 128, 160);
        try (Arena arena = Arena.ofShared(); GpuDecode decode = decoder(shape, Budget.PAPER)) {
            DecodeFixture fx = new DecodeFixture(arena, shape, DType.BF16, new int[] {150}, 23);
            decode.dense(fx.q, fx.kv, fx.lengths, fx.out);
            assertOutput(fx, fx.out, (b, h) -> null);
        }
        DecodeShape wide = new DecodeShape(1, 2, 1, 256, 140);
        try (Arena arena = Arena.ofShared(); GpuDecode decode = decoder(wide, Budget.PAPER)) {
            DecodeFixture fx = new DecodeFixture(arena, wide, DType.F16, new int[] {139}, 24);
            decode.dense(fx.q, fx.kv, fx.lengths, fx.out);
            assertOutput(fx, fx.out, (b, h) -> null);
        }
    }

    @Test
    void manySplitsAreMergedInRoundsOfEightAndATail() {
        // 22 and 9 splits of 64 keys: the merge kernel's 8-row rounds run twice / once, then a tail of 6 / 1
        DecodeShape shape = new DecodeShape(2, 4, 1, 64, 1400);
        try (Arena arena = Arena.ofShared();
             GpuDecode decode = new GpuDecode(EmulatorChecks.EMULATOR, shape, Budget.PAPER, SplitPlan.H200_SM_COUNT, 16, 32)) {
            DecodeFixture fx = new DecodeFixture(arena, shape, DType.BF16, new int[] {1391, 517}, 25);
            SplitPlan plan = decode.plan(1391);
            assertEquals(22, plan.splits(), plan.toString());
            decode.dense(fx.q, fx.kv, fx.lengths, fx.out);
            assertOutput(fx, fx.out, (b, h) -> null);
        }
    }

    @Test
    void gqa16IsServedByTwoBlocksPerKvHead() {
        DecodeShape shape = new DecodeShape(1, 16, 1, 64, 80);
        assertEquals(2, shape.groupParts());
        try (Arena arena = Arena.ofShared(); GpuDecode decode = decoder(shape, Budget.PAPER)) {
            DecodeFixture fx = new DecodeFixture(arena, shape, DType.BF16, new int[] {71}, 29);
            decode.dense(fx.q, fx.kv, fx.lengths, fx.out);
            assertOutput(fx, fx.out, (b, h) -> null);
        }
    }
}

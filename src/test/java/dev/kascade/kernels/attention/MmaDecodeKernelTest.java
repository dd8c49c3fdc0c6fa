package dev.kascade.kernels.attention;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kascade.algorithm.Budget;
import dev.kascade.emulator.Emulator;
import dev.kascade.ptx.interp.IrInterpreter;
import dev.kascade.tensor.DType;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * {@link MmaDecodeKernel} against float64 ({@link DecodeCheck}): as compiled (IR interpreted with PTX semantics: the
 * fragment layouts, the cross-lane ring reads behind {@code syncWarp}, the strided splits and their merge) and in the
 * emulator, on fresh random inputs with lengths off the 64-key step and unequal in one batch; GQA 1, 4, 8 and 16
 * (two head blocks per KV head); d 64 and 128; bf16 and f16 caches; the dense, layer-0 (logits and LSEs checked
 * through the pooled scores and index sets) and reuse roles. Also which roles and shapes take the kernel, and that
 * every specialisation assembles for sm_90 within 3 blocks per SM without spills.
 */
class MmaDecodeKernelTest {
    private static final SplitTuning MMA = SplitTuning.DEFAULT.withTensorCores(true);
    private static final Budget HALF = new Budget(0.5, 128, 1);

    private static List<DecodeCheck.Case> cases() {
        DecodeShape d128r4 = new DecodeShape(2, 8, 2, 128, 300);
        return List.of(
                new DecodeCheck.Case(DecodeCheck.Role.DENSE, d128r4, DType.BF16, new int[] {299, 133}, HALF),
                new DecodeCheck.Case(DecodeCheck.Role.LAYER0, d128r4, DType.F16, new int[] {299, 133}, HALF),
                new DecodeCheck.Case(DecodeCheck.Role.REUSE, d128r4, DType.BF16, new int[] {299, 133}, HALF),
                new DecodeCheck.Case(DecodeCheck.Role.DENSE, new DecodeShape(1, 8, 1, 64, 210), DType.F16,
                        new int[] {203}, HALF),
                new DecodeCheck.Case(DecodeCheck.Role.REUSE, new DecodeShape(1, 2, 2, 64, 170), DType.F16,
                        new int[] {167}, HALF),
                new DecodeCheck.Case(DecodeCheck.Role.DENSE, new DecodeShape(2, 2, 2, 128, 140), DType.BF16,
                        new int[] {65, 139}, HALF),
                new DecodeCheck.Case(DecodeCheck.Role.LAYER0, new DecodeShape(1, 16, 1, 128, 450), DType.BF16,
                        new int[] {449}, HALF));
    }

    @Test
    void matchesFloat64AsCompiled() {
        DecodeKernelChecks.assertMatchFloat64(cases(), new IrInterpreter(), 41, MMA);
    }

    @Test
    void matchesFloat64WithThreeRingStages() {
        // long blocks take a third stage (SplitTuning.mmaStages); asyncStages 3 forces it on these short rows
        SplitTuning threeStages = new SplitTuning(true, 3, SplitTuning.Gather.LAYER0, true);
        assertEquals(3, threeStages.mmaStages(1));
        DecodeKernelChecks.assertMatchFloat64(cases().subList(0, 4), new IrInterpreter(), 47, threeStages);
    }

    @Test
    void matchesFloat64InTheEmulator() {
        DecodeKernelChecks.assertMatchFloat64(cases().subList(0, 4), Emulator::launch, 43, MMA);
    }

    @Test
    void denseLayer0AndReuseTakeItWhereRowsFillTheSmsAndTheHeadDimIsServed() {
        try (GpuDecode wide = new GpuDecode(new IrInterpreter(), new DecodeShape(17, 32, 8, 128, 64), Budget.PAPER,
                132, 16, 256, MMA);
             GpuDecode narrow = new GpuDecode(new IrInterpreter(), new DecodeShape(16, 32, 8, 128, 64), Budget.PAPER,
                     132, 16, 256, MMA);
             GpuDecode d256 = new GpuDecode(new IrInterpreter(), new DecodeShape(64, 16, 8, 256, 64), Budget.PAPER,
                     132, 16, 256, MMA);
             GpuDecode off = new GpuDecode(new IrInterpreter(), new DecodeShape(64, 32, 8, 128, 64), Budget.PAPER,
                     132, 16, 256, MMA.withTensorCores(false))) {
            for (DecodeMode mode : DecodeMode.values()) {
                boolean served = mode == DecodeMode.DENSE || mode == DecodeMode.LAYER0 || mode == DecodeMode.SPARSE;
                assertEquals(served, wide.usesTensorCores(mode), "136 rows >= 132 SMs: " + mode);
                assertFalse(narrow.usesTensorCores(mode), "128 rows < 132 SMs: " + mode);
                assertFalse(d256.usesTensorCores(mode), "d 256: " + mode);
                assertFalse(off.usesTensorCores(mode), "switched off: " + mode);
            }
            // the kernel's grid target is 150% of the FMA kernel's: 132 x 24 blocks over 136 rows
            assertEquals((132 * 24 + 135) / 136, wide.plan(1 << 20).splits());
        }
    }

    @Test
    void everySpecialisationAssemblesWithin3BlocksPerSmWithoutSpills() throws Exception {
        DecodeKernelChecks.assertAssembleWithin3BlocksPerSm(MmaDecodeKernel.class, "decodeMma",
                List.of(DecodeMode.DENSE, DecodeMode.LAYER0, DecodeMode.SPARSE),
                (mode, headDim, heads, bf16) -> mode.mmaConstants(headDim, heads, bf16, MMA),
                "mma.sync.aligned.m16n8k16", "cp.async.cg.shared.global", "bar.warp.sync", ".maxntid 128, 1, 1",
                ".minnctapersm 3");
    }

    @Test
    void fragmentIndicesEqualTheSwizzledRingIndices() {
        // attendStep reads fragments through kFragmentIndex / vLdmatrixIndex, whose lane terms the loop can hoist; they
        // must name the same words as the ring layout's kRingIndex / vRingIndex that the copies write.
        int checked = 0;
        for (int headDim : new int[] {64, 128}) {
            for (int stages = 2; stages <= 3; stages++) {
                for (int warp = 0; warp < MmaDecodeKernel.WARPS; warp++) {
                    for (int stage = 0; stage < stages; stage++) {
                        int base = MmaRing.stageBase(headDim, stages, warp, stage);
                        for (int lane = 0; lane < 32; lane++) {
                            int g = lane >> 2, t = lane & 3;
                            for (int i = 0; i < headDim / 32; i++) {
                                for (int j = 0; j < 2; j++) {
                                    assertEquals(MmaRing.kRingIndex(headDim, stages, warp, stage, 8 * j + g, 4 * i + t),
                                            MmaRing.kFragmentIndex(headDim, base, g, t, i, j));
                                    checked++;
                                }
                            }
                            for (int i = 0; i < headDim / 16; i++) {
                                int m = lane >> 3; // the ldmatrix matrix this lane gives a row of
                                int row = (lane & 7) + 8 * (m & 1);
                                assertEquals(MmaRing.vRingIndex(headDim, stages, warp, stage, row, 2 * i + (m >> 1)),
                                        MmaRing.vLdmatrixIndex(headDim, base, lane, i));
                                checked++;
                            }
                        }
                    }
                }
            }
        }
        assertTrue(checked > 10_000, "checked " + checked);
    }

    @Test
    void sharedMemoryFitsThreeBlocksPerSm() {
        // H200: 228 KB of shared memory per SM, 1 KB of it reserved per block
        assertEquals(32 * 1024, MmaDecodeKernel.ringStageBytes(128));
        assertEquals(2 * 32 * 1024 + 4 * 1024, MmaDecodeKernel.dynamicSharedBytes(128, 2));
        assertTrue(3 * (MmaDecodeKernel.dynamicSharedBytes(128, 2) + 1024) <= 228 * 1024);
    }
}

package dev.kascade.kernels.attention;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kascade.algorithm.Budget;
import dev.kascade.emulator.Emulator;
import dev.kascade.kernels.KernelSpec;
import dev.kascade.ptx.PtxCompiler;
import dev.kascade.ptx.PtxModule;
import dev.kascade.ptx.PtxTarget;
import dev.kascade.ptx.Ptxas;
import dev.kascade.ptx.interp.IrInterpreter;
import dev.kascade.tensor.DType;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Assumptions;
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
        IrInterpreter compiled = new IrInterpreter();
        for (DecodeCheck.Case c : cases()) {
            DecodeCheck.Result r = DecodeCheck.run(c, compiled, 41, 1, 64, MMA);
            assertTrue(r.passed(), c.label() + ": " + r.detail());
        }
    }

    @Test
    void matchesFloat64WithThreeRingStages() {
        // long blocks take a third stage (SplitTuning.mmaStages); asyncStages 3 forces it on these short rows
        SplitTuning threeStages = new SplitTuning(true, 3, SplitTuning.Gather.LAYER0, true);
        assertEquals(3, threeStages.mmaStages(1));
        IrInterpreter compiled = new IrInterpreter();
        for (DecodeCheck.Case c : cases().subList(0, 4)) {
            DecodeCheck.Result r = DecodeCheck.run(c, compiled, 47, 1, 64, threeStages);
            assertTrue(r.passed(), c.label() + ", 3 stages: " + r.detail());
        }
    }

    @Test
    void matchesFloat64InTheEmulator() {
        for (DecodeCheck.Case c : cases().subList(0, 4)) {
            DecodeCheck.Result r = DecodeCheck.run(c, Emulator::launch, 43, 1, 64, MMA);
            assertTrue(r.passed(), c.label() + ": " + r.detail());
        }
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
        Optional<Ptxas> ptxas = Ptxas.find();
        Assumptions.assumeTrue(ptxas.isPresent(), "ptxas not installed: skipping the sm_90 assembly check");
        for (DecodeMode mode : List.of(DecodeMode.DENSE, DecodeMode.LAYER0, DecodeMode.SPARSE)) {
            for (int headDim : new int[] {64, 128}) {
                for (int heads : new int[] {1, 4, 8}) {
                    for (boolean bf16 : new boolean[] {true, false}) {
                        KernelSpec spec = KernelSpec.of("t", MmaDecodeKernel.class, "decodeMma",
                                mode.mmaConstants(headDim, heads, bf16, MMA), "");
                        PtxModule module = new PtxCompiler(PtxTarget.SM_90).compile(spec.method(), spec.constants());
                        String ptx = module.ptx();
                        for (String must : new String[] {"mma.sync.aligned.m16n8k16", "cp.async.cg.shared.global",
                                "bar.warp.sync", ".maxntid 128, 1, 1", ".minnctapersm 3"}) {
                            assertTrue(ptx.contains(must), mode + " d" + headDim + " r" + heads + ": no " + must);
                        }
                        Ptxas.Report r = ptxas.get().check(module);
                        String what = mode + " d" + headDim + " r" + heads + (bf16 ? " bf16" : " f16") + ":\n" + r.log();
                        assertEquals(0, r.spillStoreBytes() + r.spillLoadBytes(), "spills in " + what);
                        assertTrue(r.registers() <= 168, r.registers() + " registers in " + what);
                    }
                }
            }
        }
    }

    @Test
    void sharedMemoryFitsThreeBlocksPerSm() {
        // H200: 228 KB of shared memory per SM, 1 KB of it reserved per block
        assertEquals(32 * 1024, MmaDecodeKernel.ringStageBytes(128));
        assertEquals(2 * 32 * 1024 + 4 * 1024, MmaDecodeKernel.dynamicSharedBytes(128, 2));
        assertTrue(3 * (MmaDecodeKernel.dynamicSharedBytes(128, 2) + 1024) <= 228 * 1024);
    }
}

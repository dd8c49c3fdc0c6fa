package dev.kascade.kernels.attention;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kascade.ptx.PtxCompiler;
import dev.kascade.ptx.PtxModule;
import dev.kascade.ptx.PtxTarget;
import dev.kascade.ptx.Ptxas;
import dev.kascade.kernels.KernelSpec;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * Specialisations beyond the registered defaults (which the compiler's own ptxas test covers) compile and
 * assemble for sm_90 without spills: the extremes of head dim and GQA group, and f16. Skipped without ptxas.
 */
class AttentionPtxTest {
    private static void assembles(DecodeMode mode, int headDim, int blockHeads, boolean bf16, int maxRegisters)
            throws Exception {
        assembles(mode, headDim, blockHeads, bf16, maxRegisters, SplitTuning.DEFAULT);
    }

    private static void assembles(DecodeMode mode, int headDim, int blockHeads, boolean bf16, int maxRegisters,
                                  SplitTuning tuning) throws Exception {
        Optional<Ptxas> ptxas = Ptxas.find();
        Assumptions.assumeTrue(ptxas.isPresent(), "ptxas not installed: skipping the sm_90 assembly check");
        Map<String, Object> constants = mode.constants(headDim, blockHeads, bf16, tuning);
        KernelSpec spec = KernelSpec.of("t", SplitDecodeKernel.class, "decodeSplit", constants, "");
        PtxModule module = new PtxCompiler(PtxTarget.SM_90).compile(spec.method(), spec.constants());
        if (tuning.asyncStages(blockHeads) > 0) {
            assertTrue(module.ptx().contains("cp.async.cg.shared.global") && module.ptx().contains("ld.shared.v4.b32"),
                    "KV rows must be copied with cp.async and read back with 16-byte shared loads");
        } else {
            assertTrue(module.ptx().contains("ld.global.nc.v4"), "KV rows must be read with 16-byte non-coherent loads");
        }
        Ptxas.Report r = ptxas.get().check(module);
        String what = mode + " " + tuning.label() + " d=" + headDim + " heads=" + blockHeads + (bf16 ? " bf16" : " f16") + ":\n" + r.log();
        assertEquals(0, r.spillStoreBytes() + r.spillLoadBytes(), "spills in " + what);
        assertEquals(0, r.stackFrameBytes(), "stack frame in " + what);
        assertTrue(r.registers() <= maxRegisters, r.registers() + " registers in " + what);
    }

    @Test
    void gqa8Layer0HeadDim64F16() throws Exception {
        assembles(DecodeMode.LAYER0, 64, 8, false, 255);
    }

    @Test
    void gqa8SparseHeadDim256() throws Exception {
        assembles(DecodeMode.SPARSE, 256, 8, true, 255);
    }

    @Test
    void mhaAnchorScoresHeadDim128F16() throws Exception {
        assembles(DecodeMode.ANCHOR_SCORES, 128, 1, false, 72); // 64 unpipelined; 72 still fits 7 blocks per SM
    }

    @Test
    void everyTuningOfTheBarShapeAssemblesWithoutSpills() throws Exception {
        for (SplitTuning tuning : new SplitTuning[] {new SplitTuning(false, SplitTuning.Gather.NEVER),
                new SplitTuning(true, SplitTuning.Gather.NEVER), new SplitTuning(false, SplitTuning.Gather.ALWAYS),
                new SplitTuning(true, SplitTuning.Gather.ALWAYS), new SplitTuning(true, 3, SplitTuning.Gather.NEVER),
                new SplitTuning(true, 2, SplitTuning.Gather.ALWAYS)}) {
            for (DecodeMode mode : DecodeMode.values()) {
                assembles(mode, 128, 4, true, 255, tuning);
            }
        }
    }
}

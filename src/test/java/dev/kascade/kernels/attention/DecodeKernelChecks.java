package dev.kascade.kernels.attention;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kascade.kernel.KernelLauncher;
import dev.kascade.kernels.KernelSpec;
import dev.kascade.ptx.PtxCompiler;
import dev.kascade.ptx.PtxModule;
import dev.kascade.ptx.PtxTarget;
import dev.kascade.ptx.Ptxas;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Assumptions;

/** Checks shared by the tensor-core decode kernels' tests: float64 agreement and sm_90 assembly. */
final class DecodeKernelChecks {
    private DecodeKernelChecks() {
    }

    /** The {@code @Const} values of a kernel for a mode, head dim, query heads per block and cache type. */
    interface Constants {
        Map<String, Object> of(DecodeMode mode, int headDim, int heads, boolean bf16);
    }

    /** Every case through {@code launcher} on a one-SM plan (several splits per row) passes {@link DecodeCheck}. */
    static void assertMatchFloat64(List<DecodeCheck.Case> cases, KernelLauncher launcher, long seed, SplitTuning tuning) {
        for (DecodeCheck.Case c : cases) {
            DecodeCheck.Result r = DecodeCheck.run(c, launcher, seed, 1, 64, tuning);
            assertTrue(r.passed(), c.label() + " (" + tuning.label() + "): " + r.detail());
        }
    }

    /**
     * Every specialisation of {@code kernel.method} over {@code modes}, d 64 and 128, 1, 4 and 8 heads per block, bf16
     * and f16 compiles to PTX holding {@code must}, and ptxas assembles it for sm_90 without spills within 168
     * registers (3 blocks of 128 threads per SM). Skipped where ptxas is not installed.
     */
    static void assertAssembleWithin3BlocksPerSm(Class<?> kernel, String method, List<DecodeMode> modes,
                                                 Constants constants, String... must) throws Exception {
        assertAssemble(kernel, method, modes, constants, 168, must);
    }

    /** As {@link #assertAssembleWithin3BlocksPerSm}, within {@code maxRegisters} registers per thread. */
    static void assertAssemble(Class<?> kernel, String method, List<DecodeMode> modes, Constants constants,
                               int maxRegisters, String... must) throws Exception {
        Optional<Ptxas> ptxas = Ptxas.find();
        Assumptions.assumeTrue(ptxas.isPresent(), "ptxas not installed: skipping the sm_90 assembly check");
        for (DecodeMode mode : modes) {
            for (int headDim : new int[] {64, 128}) {
                for (int heads : new int[] {1, 4, 8}) {
                    for (boolean bf16 : new boolean[] {true, false}) {
                        KernelSpec spec = KernelSpec.of("t", kernel, method, constants.of(mode, headDim, heads, bf16), "");
                        PtxModule module = new PtxCompiler(PtxTarget.SM_90).compile(spec.method(), spec.constants());
                        String ptx = module.ptx();
                        for (String m : must) {
                            assertTrue(ptx.contains(m), mode + " d" + headDim + " r" + heads + ": no " + m);
                        }
                        Ptxas.Report r = ptxas.get().check(module);
                        String what = mode + " d" + headDim + " r" + heads + (bf16 ? " bf16" : " f16") + ":\n" + r.log();
                        assertEquals(0, r.spillStoreBytes() + r.spillLoadBytes(), "spills in " + what);
                        assertTrue(r.registers() <= maxRegisters, r.registers() + " registers in " + what);
                    }
                }
            }
        }
    }
}

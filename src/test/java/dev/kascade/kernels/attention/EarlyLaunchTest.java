package dev.kascade.kernels.attention;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kascade.algorithm.Budget;
import dev.kascade.kernels.KernelSpec;
import dev.kascade.ptx.PtxCompiler;
import dev.kascade.ptx.PtxTarget;
import dev.kascade.ptx.interp.IrInterpreter;
import dev.kascade.tensor.DType;
import java.lang.foreign.Arena;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Early launches (CUDA programmatic dependent launch, {@code GpuDecode.chained}): every kernel of a role after the
 * first is launched early, and every decode kernel waits for the kernel ahead before it touches global memory, so an
 * early launch can never read a result that is not there yet, nor write over what the kernel ahead reads.
 * Correctness of the kernels themselves is checked elsewhere (the CPU devices run kernels one after the other and
 * ignore early launches); on a GPU by decode-check.
 */
class EarlyLaunchTest {
    @Test
    void everyKernelAfterARolesFirstIsLaunchedEarly() {
        DecodeShape shape = new DecodeShape(2, 8, 2, 64, 700);
        try (Arena arena = Arena.ofShared();
             GpuDecode decode = new GpuDecode(new IrInterpreter(), shape, Budget.PAPER, 4, 16, 64)) {
            DecodeFixture fx = new DecodeFixture(arena, shape, DType.BF16, new int[] {700, 333}, 5);
            IndexSets sets = decode.allocateIndexSets(arena);
            List<List<KernelLaunch>> roles = List.of(
                    decode.denseLaunches(fx.q, fx.kv, fx.lengths, fx.out),
                    decode.layer0Launches(fx.q, fx.kv, fx.lengths, fx.out, sets),
                    decode.anchorLaunches(fx.q, fx.kv, fx.lengths, fx.out, sets),
                    decode.reuseLaunches(fx.q, fx.kv, fx.lengths, sets, new int[] {1, 0}, fx.out));
            assertEquals(List.of(2, 4, 6, 2), roles.stream().map(List::size).toList(), "split plans with merges");
            for (List<KernelLaunch> role : roles) {
                assertFalse(role.getFirst().config().earlyLaunch(), role.getFirst().name() + " starts its role");
                for (KernelLaunch l : role.subList(1, role.size())) {
                    assertTrue(l.config().earlyLaunch(), l.name() + " follows a kernel of its role");
                }
            }
        }
    }

    @Test
    void everyDecodeKernelWaitsForTheKernelAheadBeforeItsFirstGlobalMemoryAccess() {
        int checked = 0;
        for (KernelSpec spec : AttentionKernels.specs()) {
            if (!spec.name().startsWith("decode_")) continue;
            String ptx = new PtxCompiler(PtxTarget.SM_90).compile(spec.method(), spec.constants()).ptx();
            int wait = ptx.indexOf("\tgriddepcontrol.wait;");
            assertTrue(wait > 0, spec.name() + ": no griddepcontrol.wait");
            assertTrue(ptx.contains("\tgriddepcontrol.launch_dependents;"), spec.name() + ": no launch_dependents");
            for (String read : List.of("\tld.global", "\tcp.async", "\tatom.global", "\tst.global",
                    "\tred.global")) {
                int at = ptx.indexOf(read);
                assertTrue(at < 0 || at > wait, spec.name() + ": " + read.trim() + " before the wait");
            }
            String sm80 = new PtxCompiler(PtxTarget.SM_80).compile(spec.method(), spec.constants()).ptx();
            assertFalse(sm80.contains("\tgriddepcontrol"), spec.name() + ": griddepcontrol is sm_90 only");
            checked++;
        }
        assertTrue(checked >= 14, "decode kernels checked: " + checked);
    }
}

package dev.kascade.kernels.corpus;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kascade.emulator.Emulator;
import dev.kascade.kernels.BuiltinKernels;
import dev.kascade.kernels.KernelSpec;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/** Every corpus kernel in the CPU emulator against its plain-Java reference, on fresh random inputs. */
class CorpusEmulatorTest {
    @TestFactory
    Stream<DynamicTest> everyCorpusKernelMatchesItsReference() {
        long seed = System.nanoTime();
        return CorpusCases.all().stream().map(c -> DynamicTest.dynamicTest(c.kernel(), () -> {
            CaseResult r = c.run(Emulator.launcher(), seed);
            assertTrue(r.passed(), () -> c.kernel() + " (seed " + seed + "): " + r.detail());
            assertTrue(r.maxError() <= r.tolerance(), () -> c.kernel() + ": max error " + r.maxError());
        }));
    }

    @Test
    void everyCorpusSpecHasACaseAndIsRegistered() {
        Set<String> specs = CorpusKernels.specs().stream().map(KernelSpec::name).collect(Collectors.toSet());
        Set<String> cases = CorpusCases.all().stream().map(CorpusCase::kernel).collect(Collectors.toSet());
        assertEquals(specs, cases);
        List<String> builtin = BuiltinKernels.all().stream().map(KernelSpec::name).toList();
        assertTrue(builtin.containsAll(specs), "BuiltinKernels.all() lists the corpus");
    }

    @Test
    void aKernelTheTargetCannotExpressIsSkippedNotFailed() {
        // an sm_80 GPU: the launcher compiles for its target, and bulk_copy's cp.async.bulk / mbarrier need sm_90
        dev.kascade.kernel.KernelLauncher sm80 = (kernel, config, args) ->
                new dev.kascade.ptx.PtxCompiler(dev.kascade.ptx.PtxTarget.SM_80).compile(kernel, java.util.Map.of());
        CorpusCase bulk = CorpusCases.all().stream().filter(c -> c.kernel().equals("bulk_copy")).findFirst().orElseThrow();
        CaseResult r = bulk.run(sm80, 1);
        assertTrue(r.skipped() && !r.passed(), r.toString());
        assertTrue(r.detail().contains("needs sm_90"), r.detail());
        CaseResult other = CorpusCases.all().getFirst().run(sm80, 1);
        assertTrue(!other.skipped() && !other.passed(), "a kernel that compiles but never ran still fails: " + other);
    }

    @Test
    void aWrongKernelFailsItsCase() {
        // The check must be able to fail: a launcher that does nothing leaves zeros where sums are expected.
        CaseResult r = CorpusCases.all().getFirst().run((k, cfg, args) -> { }, 1);
        assertTrue(!r.passed() && r.maxError() > 0, r::toString);
    }
}

package dev.kascade.ptx.interp;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kascade.kernels.corpus.CaseResult;
import dev.kascade.kernels.corpus.CorpusCase;
import dev.kascade.kernels.corpus.CorpusCases;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * Test layer 2 (ptx-notes 6.7): every corpus case, with fresh random inputs and its float64/plain-Java
 * reference, run on the compiled IR by {@link IrInterpreter} with PTX semantics. A wrong Java-semantics
 * lowering (an unmasked shift, an ordered compare where NaN must branch, an unguarded NaN conversion, a wrong
 * merge copy or unrolling) fails here without a GPU.
 */
class IrInterpreterTest {
    @TestFactory
    Stream<DynamicTest> corpusRunsOnTheCompiledIr() {
        IrInterpreter interpreter = new IrInterpreter();
        return CorpusCases.all().stream().map((CorpusCase c) -> DynamicTest.dynamicTest(c.kernel(), () -> {
            CaseResult r = c.run(interpreter, 0x5EED + c.kernel().hashCode());
            assertTrue(r.passed(), () -> c.kernel() + ": " + r);
        }));
    }
}

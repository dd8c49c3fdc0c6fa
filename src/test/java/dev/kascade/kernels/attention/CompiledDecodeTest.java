package dev.kascade.kernels.attention;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kascade.algorithm.Budget;
import dev.kascade.ptx.interp.IrInterpreter;
import dev.kascade.tensor.DType;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The decode kernels as compiled (the IR the PTX printer prints, interpreted with PTX semantics) against the
 * float64 references: every role, plus d 256 and GQA 16. Catches compiler bugs on these kernels without a GPU.
 */
class CompiledDecodeTest {
    @Test
    void everyRoleOfTheCompiledKernelsMatchesFloat64() {
        List<DecodeCheck.Case> cases = new ArrayList<>(DecodeCheck.emulatorCases());
        cases.add(new DecodeCheck.Case(DecodeCheck.Role.ANCHOR, new DecodeShape(1, 4, 1, 256, 150), DType.F16,
                new int[] {149}, Budget.PAPER));
        // The anchor scores pass's reduce-scatter path (values per key = lanes per key): 32 lanes (d 256, r 8)
        // and 8 lanes (d 64, r 2).
        cases.add(new DecodeCheck.Case(DecodeCheck.Role.ANCHOR, new DecodeShape(1, 8, 1, 256, 150), DType.BF16,
                new int[] {147}, Budget.PAPER));
        cases.add(new DecodeCheck.Case(DecodeCheck.Role.ANCHOR, new DecodeShape(2, 4, 2, 64, 200), DType.BF16,
                new int[] {199, 141}, Budget.PAPER));
        cases.add(new DecodeCheck.Case(DecodeCheck.Role.DENSE, new DecodeShape(1, 16, 1, 64, 90), DType.BF16,
                new int[] {87}, Budget.PAPER));
        IrInterpreter compiled = new IrInterpreter();
        for (DecodeCheck.Case c : cases) {
            DecodeCheck.Result r = DecodeCheck.run(c, compiled, 17, 1, 64);
            assertTrue(r.passed(), c.label() + ": " + r.detail());
        }
    }
}

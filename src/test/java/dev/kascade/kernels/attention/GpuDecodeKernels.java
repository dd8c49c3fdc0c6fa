package dev.kascade.kernels.attention;

import dev.kascade.kernels.KernelSpec;
import java.lang.reflect.Method;
import java.util.Map;

/** The kernel methods, for tests that launch one kernel directly. */
final class GpuDecodeKernels {
    private GpuDecodeKernels() {
    }

    static final Method SELECT = KernelSpec.of("t", TopKSelectKernel.class, "selectTopK", Map.of(), "").method();
}

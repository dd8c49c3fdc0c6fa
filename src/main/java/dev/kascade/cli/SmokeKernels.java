package dev.kascade.cli;

import dev.kascade.kernel.F32Buffer;
import dev.kascade.kernel.Kernel;
import dev.kascade.kernel.KernelContext;
import dev.kascade.kernel.ReadOnly;

/** The Java kernel {@code kascade cuda-smoke} runs through a task graph (when the compiler is built). */
public final class SmokeKernels {
    private SmokeKernels() {
    }

    /**
     * c = a + b. Thread layout: one thread per element, 1-D grid, guarded by {@code i < n}. Traffic: 12 bytes
     * per element (two loads, one store).
     */
    @Kernel
    public static void add(KernelContext ctx, @ReadOnly F32Buffer a, @ReadOnly F32Buffer b, F32Buffer c, int n) {
        int i = ctx.globalIdx();
        if (i < n) c.set(i, a.get(i) + b.get(i));
    }
}

package dev.kascade.runtime;

import dev.kascade.kernel.Const;
import dev.kascade.kernel.F32Buffer;
import dev.kascade.kernel.Kernel;
import dev.kascade.kernel.KernelContext;
import dev.kascade.kernel.ReadOnly;

/** Small kernels for the runtime tests. */
final class TestKernels {
    private TestKernels() {
    }

    /** c = a + b; one thread per element, 1-D grid, guarded by {@code i < n}; 12 bytes per element. */
    @Kernel
    static void add(KernelContext ctx, F32Buffer a, F32Buffer b, F32Buffer c, int n) {
        int i = ctx.globalIdx();
        if (i < n) c.set(i, a.get(i) + b.get(i));
    }

    /** x *= factor (a specialisation constant); one thread per element; 8 bytes per element. */
    @Kernel
    static void scale(KernelContext ctx, F32Buffer x, @Const int factor, int n) {
        int i = ctx.globalIdx();
        if (i < n) x.set(i, x.get(i) * factor);
    }

    /** c = a + b with the inputs marked read-only (the launcher must not copy them back). */
    @Kernel
    static void addReadOnly(KernelContext ctx, @ReadOnly F32Buffer a, @ReadOnly F32Buffer b, F32Buffer c, int n) {
        int i = ctx.globalIdx();
        if (i < n) c.set(i, a.get(i) + b.get(i));
    }

    /** Not a kernel: no context. */
    static void notAKernel(F32Buffer a) {
    }
}

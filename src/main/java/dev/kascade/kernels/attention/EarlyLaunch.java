package dev.kascade.kernels.attention;

import dev.kascade.kernel.KernelContext;

/**
 * The first two statements of every decode kernel, for {@link GpuDecode}'s early launches (a role's second and later
 * kernels start while the kernel ahead finishes; see {@code GpuDecode.chained}). Kernels call it before they touch
 * global memory; the compiler inlines it.
 */
final class EarlyLaunch {
    private EarlyLaunch() {
    }

    /**
     * Lets the role's next kernel start its blocks, then waits until the kernel ahead has finished and its writes are
     * visible ({@code griddepcontrol.launch_dependents}, {@code griddepcontrol.wait}; no-ops on the CPU and for a
     * kernel that was not launched early).
     */
    static void begin(KernelContext ctx) {
        ctx.launchDependents();
        ctx.gridDependencyWait();
    }
}

package dev.kascade.kernels.corpus;

import dev.kascade.kernel.F32Buffer;
import dev.kascade.kernel.Kernel;
import dev.kascade.kernel.KernelContext;
import dev.kascade.kernel.ReadOnly;

/** Row-wise softmax, one warp per row. */
public final class SoftmaxKernel {
    /** log2(e): exp(x) = exp2(x * LOG2E). */
    public static final float LOG2E = 1.4426950408889634f;

    private SoftmaxKernel() {
    }

    /*
     * y[r][:] = softmax(x[r][:]) for a rows x cols row-major matrix.
     * Thread layout: one warp per row; blockDim a multiple of 32; row = blockIdx * (blockDim / 32) + warpId. Lane l
     * visits columns l, l+32, ... Warps past the last row run the collectives on an empty range and store nothing,
     * so every warp collective is reached by all 32 lanes (no early return).
     * Memory traffic: the row is read three times (max, sum, write pass; cache-resident for short rows) and written
     * once: 12 bytes read and 4 written per element.
     * Algorithm: m = warpMax(lane maxima); s = warpSum(lane sums of exp2((x - m) * log2 e)); y = exp2(...) / s.
     */
    @Kernel
    public static void rowSoftmax(KernelContext ctx, @ReadOnly F32Buffer x, F32Buffer y, int rows, int cols) {
        int row = ctx.blockIdx() * (ctx.blockDim() / KernelContext.WARP_SIZE) + ctx.warpId();
        int limit = row < rows ? cols : 0;
        long base = (long) row * cols;
        float m = Float.NEGATIVE_INFINITY;
        for (int c = ctx.laneId(); c < limit; c += KernelContext.WARP_SIZE) {
            m = Math.max(m, x.get(base + c));
        }
        m = ctx.warpMax(m);
        float s = 0f;
        for (int c = ctx.laneId(); c < limit; c += KernelContext.WARP_SIZE) {
            s += KernelContext.exp2((x.get(base + c) - m) * LOG2E);
        }
        s = ctx.warpSum(s);
        float inv = 1f / s;
        for (int c = ctx.laneId(); c < limit; c += KernelContext.WARP_SIZE) {
            y.set(base + c, KernelContext.exp2((x.get(base + c) - m) * LOG2E) * inv);
        }
    }
}

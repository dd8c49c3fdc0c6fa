package dev.kascade.kernels.corpus;

import dev.kascade.kernel.BF16Buffer;
import dev.kascade.kernel.F32Buffer;
import dev.kascade.kernel.Kernel;
import dev.kascade.kernel.KernelContext;
import dev.kascade.kernel.ReadOnly;

/** Row-wise kernels shaped like LLM decode work: a bf16 matrix-vector product and RMS normalisation. */
public final class RowKernels {
    /** bf16 weights per 16-byte load. */
    public static final int VEC = 8;
    /** Columns a warp covers per step: 32 lanes x 8. */
    public static final int WARP_SPAN = KernelContext.WARP_SIZE * VEC;
    /** Shared slots for per-warp partial sums: the most warps a block can have. */
    public static final int MAX_WARPS = 32;

    private RowKernels() {
    }

    /*
     * y[r] = sum_c w[r][c] * x[c], w (rows x cols) row-major bf16, x and y f32; cols % 8 == 0.
     * Thread layout: one warp per row, row = blockIdx * (blockDim / 32) + warpId; lane l takes the 8-column
     * chunks starting at 8l, 8l + 256, ... Warps past the last row loop over nothing and store nothing.
     * Memory traffic: 2 bytes of w per element as 16-byte loads (the bandwidth term), x from cache, 4 bytes
     * written per row.
     * Algorithm: acc = fma(w, x, acc) per element in column order (fma.rn.f32), then warpSum (butterfly).
     */
    @Kernel
    public static void bf16Gemv(KernelContext ctx, @ReadOnly BF16Buffer w, @ReadOnly F32Buffer x, F32Buffer y,
                                int rows, int cols) {
        int row = ctx.blockIdx() * (ctx.blockDim() / KernelContext.WARP_SIZE) + ctx.warpId();
        int limit = row < rows ? cols : 0;
        long base = (long) row * cols;
        float[] wv = new float[VEC];
        float acc = 0f;
        for (int c = ctx.laneId() * VEC; c < limit; c += WARP_SPAN) {
            w.load8(base + c, wv);
            for (int k = 0; k < KernelContext.unroll(VEC); k++) {
                acc = KernelContext.fma(wv[k], x.get(c + k), acc);
            }
        }
        float sum = ctx.warpSum(acc);
        if (row < rows && ctx.laneId() == 0) {
            y.set(row, sum);
        }
    }

    /*
     * y[r][c] = x[r][c] * rsqrt(mean_c(x[r][c]^2) + eps) * weight[c] (RMSNorm), f32.
     * Thread layout: one block per row; thread t takes columns t, t + blockDim, ...; blockDim a multiple of 32.
     * Memory traffic: the row is read twice and written once (12 bytes per element), weight read once.
     * Algorithm: per-thread sum of squares; warpSum; lane 0 of each warp stores its sum in shared memory;
     * barrier; every thread adds the warp sums in warp order (so all agree); scale = rsqrt(sum / cols + eps)
     * (rsqrt.approx on the GPU); second pass writes x * scale * weight.
     */
    @Kernel
    public static void rmsNorm(KernelContext ctx, @ReadOnly F32Buffer x, @ReadOnly F32Buffer weight, F32Buffer y,
                               int cols, float eps) {
        float[] warpSums = ctx.sharedF32(MAX_WARPS);
        long base = (long) ctx.blockIdx() * cols;
        float sq = 0f;
        for (int c = ctx.threadIdx(); c < cols; c += ctx.blockDim()) {
            float v = x.get(base + c);
            sq += v * v;
        }
        sq = ctx.warpSum(sq);
        if (ctx.laneId() == 0) {
            warpSums[ctx.warpId()] = sq;
        }
        ctx.barrier();
        float total = 0f;
        int warps = ctx.blockDim() / KernelContext.WARP_SIZE;
        for (int i = 0; i < warps; i++) {
            total += warpSums[i];
        }
        float scale = KernelContext.rsqrt(total / cols + eps);
        for (int c = ctx.threadIdx(); c < cols; c += ctx.blockDim()) {
            y.set(base + c, x.get(base + c) * scale * weight.get(c));
        }
    }
}

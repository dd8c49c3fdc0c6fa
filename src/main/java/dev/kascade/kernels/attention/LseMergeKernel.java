package dev.kascade.kernels.attention;

import dev.kascade.kernel.Const;
import dev.kascade.kernel.F32Buffer;
import dev.kascade.kernel.I32Buffer;
import dev.kascade.kernel.Kernel;
import dev.kascade.kernel.KernelContext;
import dev.kascade.kernel.ReadOnly;

/** Combines the per-split partial outputs and log-sum-exps of {@link SplitDecodeKernel} into one row per head. */
public final class LseMergeKernel {
    private LseMergeKernel() {
    }

    /** Threads per block; each covers headDim / THREADS dims (at least one). */
    public static final int THREADS = 128;

    /*
     * Thread layout: grid (query head h, batch b); 128 threads, thread t owns dims t, t+128, ...
     * Memory traffic per (b, h): S partial LSEs (4 B each, every thread reads them, cached) and S*d*4 bytes of
     * partial rows read; d*4 bytes of output and 4 bytes of LSE written; S = splits that saw keys.
     * Algorithm: M = max over splits of lse_s; w_s = exp2(lse_s - M); out = sum w_s o_s / sum w_s;
     * lse = M + log2(sum w_s) (base 2, like the partials). Splits past the sequence's keys are skipped.
     */
    @Kernel
    public static void mergeSplits(KernelContext ctx, @ReadOnly F32Buffer partialOut, @ReadOnly F32Buffer partialLse,
                                   @ReadOnly I32Buffer keyCounts, F32Buffer out, F32Buffer lse,
                                   int qHeads, int keysPerSplit, int numSplits,
                                   @Const int headDim, @Const boolean withValues) {
        int h = ctx.blockIdx();
        int b = ctx.blockIdxY();
        int count = keyCounts.get(b);
        int used = (count + keysPerSplit - 1) / keysPerSplit;
        long head = (long) b * qHeads + h;
        long row = head * numSplits;
        float max = SplitDecodeKernel.EMPTY_MAX;
        for (int s = 0; s < used; s++) {
            max = Math.max(max, partialLse.get(row + s));
        }
        float total = 0f;
        for (int s = 0; s < used; s++) {
            total += KernelContext.exp2(partialLse.get(row + s) - max);
        }
        if (withValues) {
            for (int dim = ctx.threadIdx(); dim < headDim; dim += THREADS) {
                float sum = 0f;
                for (int s = 0; s < used; s++) {
                    float weight = KernelContext.exp2(partialLse.get(row + s) - max);
                    sum = KernelContext.fma(weight, partialOut.get((row + s) * headDim + dim), sum);
                }
                out.set(head * headDim + dim, sum / total);
            }
        }
        if (ctx.threadIdx() == 0) {
            lse.set(head, max + KernelContext.log2(total));
        }
    }
}

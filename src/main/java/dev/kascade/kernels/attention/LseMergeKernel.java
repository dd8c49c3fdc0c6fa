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
    /** Warps per block. */
    public static final int WARPS = THREADS / KernelContext.WARP_SIZE;
    /** Partial rows whose loads a thread issues together before it uses any of them. */
    public static final int UNROLL = 8;

    /**
     * Dynamic shared memory a launch over {@code numSplits} splits needs: one weight per split, and at least
     * {@link #UNROLL} (the first round reads that many weights, masking those past the splits in use).
     */
    public static int dynamicSharedBytes(int numSplits) {
        return Math.max(numSplits, UNROLL) * 4;
    }

    /*
     * Thread layout: grid (query head h, batch b); 128 threads; thread t covers splits t, t+128, ... for the LSEs and
     * dims t, t+128, ... for the output row.
     * Memory traffic per (b, h): S partial LSEs (4 B each, read twice) and S*d*4 bytes of partial rows read, each
     * once and coalesced (for a split, the threads read consecutive dims); d*4 bytes of output and 4 bytes of LSE
     * written; S = splits that saw keys. Shared memory: S weights (dynamic) and 4 floats.
     * Algorithm: M = max over splits of lse_s (threads over splits, then warp max and a max over the warps);
     * w_s = exp2(lse_s - M) into shared memory and their sum likewise; out = sum_s w_s o_s / sum_s w_s with each
     * thread issuing the loads of 8 partial rows before its 8 FMAs (at batch 1 a head has 128-256 splits, and one
     * L2 round trip per split made this kernel a third of dense decode); lse = M + log2(sum w_s) (base 2, like
     * the partials). Splits past the sequence's keys are skipped. The first round's loads (the count, the thread's
     * first LSE and the first UNROLL partial values of its first dim) all go out before any is used, unmasked by the
     * count, which is not known yet: splits past it may hold anything and are masked where they would be used. So a
     * merge of up to UNROLL splits (batch 64: 7) waits out one memory round trip, not three (count, LSEs, rows).
     */
    @Kernel
    public static void mergeSplits(KernelContext ctx, @ReadOnly F32Buffer partialOut, @ReadOnly F32Buffer partialLse,
                                   @ReadOnly I32Buffer keyCounts, F32Buffer out, F32Buffer lse,
                                   int qHeads, int keysPerSplit, int numSplits,
                                   @Const int headDim, @Const boolean withValues) {
        EarlyLaunch.begin(ctx); // before any global memory access (GpuDecode.chained)
        int h = ctx.blockIdx();
        int b = ctx.blockIdxY();
        int t = ctx.threadIdx();
        long head = (long) b * qHeads + h;
        long row = head * numSplits;
        float[] weight = ctx.dynamicSharedF32(); // max(numSplits, UNROLL) floats
        float[] perWarp = ctx.sharedF32(WARPS);
        // The first round's loads, issued together (see the comment above): the count, this thread's first LSE, and
        // the first UNROLL partial values of its first dim.
        int count = keyCounts.get(b);
        float firstLse = t < numSplits ? partialLse.get(row + t) : 0f;
        float[] o = new float[UNROLL];
        if (withValues) {
            for (int u = 0; u < KernelContext.unroll(UNROLL); u++) {
                o[u] = t < headDim && u < numSplits ? partialOut.get((row + u) * headDim + t) : 0f;
            }
        }
        // splits that hold keys (MmaDecodeKernel's strided splits: keysPerSplit is their step, and up to numSplits)
        int used = (count + keysPerSplit - 1) / keysPerSplit;
        used = used < numSplits ? used : numSplits;

        float max = SplitDecodeKernel.EMPTY_MAX;
        for (int s = t; s < used; s += THREADS) {
            max = Math.max(max, s == t ? firstLse : partialLse.get(row + s));
        }
        max = blockMax(ctx, max, perWarp);
        float total = 0f;
        for (int s = t; s < used; s += THREADS) {
            float w = KernelContext.exp2((s == t ? firstLse : partialLse.get(row + s)) - max);
            weight[s] = w;
            total += w;
        }
        total = blockSum(ctx, total, perWarp); // its barriers also publish the weights

        if (withValues) {
            for (int dim = t; dim < headDim; dim += THREADS) {
                float sum = 0f;
                int s = 0;
                if (dim == t) { // the first dim: its first UNROLL partial values are loaded (o), used up to `used`
                    for (int u = 0; u < KernelContext.unroll(UNROLL); u++) {
                        sum = u < used ? KernelContext.fma(weight[u], o[u], sum) : sum;
                    }
                    s = UNROLL;
                }
                for (; s + UNROLL <= used; s += UNROLL) {
                    for (int u = 0; u < KernelContext.unroll(UNROLL); u++) {
                        o[u] = partialOut.get((row + s + u) * headDim + dim);
                    }
                    for (int u = 0; u < KernelContext.unroll(UNROLL); u++) {
                        sum = KernelContext.fma(weight[s + u], o[u], sum);
                    }
                }
                for (; s < used; s++) {
                    sum = KernelContext.fma(weight[s], partialOut.get((row + s) * headDim + dim), sum);
                }
                out.set(head * headDim + dim, sum / total);
            }
        }
        if (t == 0) {
            lse.set(head, max + KernelContext.log2(total));
        }
    }

    /** Max of {@code v} over the block, returned to every thread (warp max, then over the warps' maxima). */
    static float blockMax(KernelContext ctx, float v, float[] perWarp) {
        float m = ctx.warpMax(v);
        if (ctx.laneId() == 0) {
            perWarp[ctx.warpId()] = m;
        }
        ctx.barrier();
        float all = perWarp[0];
        for (int w = 1; w < KernelContext.unroll(WARPS); w++) {
            all = Math.max(all, perWarp[w]);
        }
        ctx.barrier(); // perWarp is reused
        return all;
    }

    /** Sum of {@code v} over the block, returned to every thread (warp sums, then the warps' sums in order). */
    static float blockSum(KernelContext ctx, float v, float[] perWarp) {
        float s = ctx.warpSum(v);
        if (ctx.laneId() == 0) {
            perWarp[ctx.warpId()] = s;
        }
        ctx.barrier();
        float all = perWarp[0];
        for (int w = 1; w < KernelContext.unroll(WARPS); w++) {
            all += perWarp[w];
        }
        ctx.barrier(); // perWarp is reused
        return all;
    }
}

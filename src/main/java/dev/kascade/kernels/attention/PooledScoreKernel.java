package dev.kascade.kernels.attention;

import dev.kascade.kernel.Const;
import dev.kascade.kernel.F32Buffer;
import dev.kascade.kernel.I32Buffer;
import dev.kascade.kernel.Kernel;
import dev.kascade.kernel.KernelContext;
import dev.kascade.kernel.ReadOnly;

/** GQA post-softmax pooling: the r query heads of a KV head add up their probabilities for every key. */
public final class PooledScoreKernel {
    private PooledScoreKernel() {
    }

    /** Threads per block, one key each. */
    public static final int THREADS = 256;

    /*
     * Thread layout: grid (key block, kvHead g, batch b); 256 threads, one key each (keys >= n_b idle).
     * Memory traffic per key: r logits read (4 B each, coalesced along keys) + r LSEs (cached); 4 B written.
     * Algorithm: pooled[b][g][key] = sum over h in group g of exp2(logit[b][h][key] - lse[b][h]) (spec,
     * "post-softmax pooling": each head's softmax over all its visible keys, probabilities summed).
     */
    @Kernel
    public static void poolScores(KernelContext ctx, @ReadOnly F32Buffer logits, @ReadOnly F32Buffer lse,
                                  @ReadOnly I32Buffer lengths, F32Buffer pooled, int kvHeads, int stride,
                                  @Const int groupSize) {
        EarlyLaunch.begin(ctx); // before any global memory access (GpuDecode.chained)
        int g = ctx.blockIdxY();
        int b = ctx.blockIdxZ();
        int key = ctx.blockIdx() * THREADS + ctx.threadIdx();
        if (key < lengths.get(b)) {
            int qHeads = kvHeads * groupSize;
            float sum = 0f;
            for (int h = 0; h < KernelContext.unroll(groupSize); h++) {
                long head = (long) b * qHeads + (long) g * groupSize + h;
                sum += KernelContext.exp2(logits.get(head * stride + key) - lse.get(head));
            }
            pooled.set(((long) b * kvHeads + g) * stride + key, sum);
        }
    }
}

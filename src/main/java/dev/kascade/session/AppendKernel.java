package dev.kascade.session;

import dev.kascade.kernel.I32Buffer;
import dev.kascade.kernel.Kernel;
import dev.kascade.kernel.KernelContext;
import dev.kascade.kernel.ReadOnly;

/** Appends one decode token's K and V rows to a device-resident cache layer. */
public final class AppendKernel {
    private AppendKernel() {
    }

    /*
     * kCache[b][g][lengths[b] - 1][:] = kNew[b][g][:] (and the same for V), in 32-bit words (two 16-bit
     * elements each; rowWords = headDim / 2).
     * Thread layout: 1-D grid-stride loop over batch * kvHeads * rowWords words, one word per thread per step.
     * Memory traffic: 4 bytes read and 4 written per word for K and for V (a few KB per token); lengths read
     * once per word (cached).
     * Algorithm: a scatter copy; lengths[b] already counts the new token.
     */
    @Kernel
    public static void appendRows(KernelContext ctx, @ReadOnly I32Buffer kNew, @ReadOnly I32Buffer vNew,
                                  @ReadOnly I32Buffer lengths, I32Buffer kCache, I32Buffer vCache,
                                  int batch, int kvHeads, int capacity, int rowWords) {
        long total = (long) batch * kvHeads * rowWords;
        long stride = (long) ctx.gridDim() * ctx.blockDim();
        for (long i = ctx.globalIdx(); i < total; i += stride) {
            long row = i / rowWords;
            long w = i - row * rowWords;
            int b = (int) (row / kvHeads);
            long dst = (row * capacity + (lengths.get(b) - 1)) * rowWords + w;
            kCache.set(dst, kNew.get(i));
            vCache.set(dst, vNew.get(i));
        }
    }
}

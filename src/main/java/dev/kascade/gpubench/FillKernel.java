package dev.kascade.gpubench;

import dev.kascade.kernel.I32Buffer;
import dev.kascade.kernel.Kernel;
import dev.kascade.kernel.KernelContext;

/** Fills a device buffer with pseudo-random 16-bit floats, on the device (a synthetic KV cache of many GB). */
public final class FillKernel {
    private FillKernel() {
    }

    /*
     * words[i] = two 16-bit values from a hash of (i, seed): each half is (h & mask) | bias, i.e. a random
     * sign and mantissa under a fixed exponent range (bf16: mask 0x83FF, bias 0x3C00 gives +-[2^-7, 2); f16:
     * mask 0x87FF, bias 0x3000 gives +-[2^-3, 1)).
     * Thread layout: 1-D grid-stride loop, one 32-bit word per thread per step.
     * Memory traffic: 4 bytes written per word, coalesced.
     * Algorithm: a 32-bit integer finaliser (xor-shift-multiply) of i * golden ratio + seed.
     */
    @Kernel
    public static void fillHalves(KernelContext ctx, I32Buffer words, long n, int seed, int mask, int bias) {
        long stride = (long) ctx.gridDim() * ctx.blockDim();
        for (long i = ctx.globalIdx(); i < n; i += stride) {
            int h = (int) i * 0x9E3779B1 + (int) (i >>> 32) * 0x7FEB352D + seed;
            h ^= h >>> 16;
            h *= 0x85EBCA6B;
            h ^= h >>> 13;
            h *= 0xC2B2AE35;
            h ^= h >>> 16;
            int lo = (h & mask) | bias;
            int hi = ((h >>> 16) & mask) | bias;
            words.set(i, (hi << 16) | (lo & 0xFFFF));
        }
    }
}

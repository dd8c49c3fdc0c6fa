package dev.kascade.kernels.corpus;

import dev.kascade.kernel.Const;
import dev.kascade.kernel.F32Buffer;
import dev.kascade.kernel.I32Buffer;
import dev.kascade.kernel.Kernel;
import dev.kascade.kernel.KernelContext;
import dev.kascade.kernel.ReadOnly;

/** Warp and block reductions, shuffles and shared-memory atomics. */
public final class ReductionKernels {
    /** Values each warp-level kernel writes per warp in {@link #warpIntReduce}. */
    public static final int INT_REDUCE_OUTPUTS = 3;

    private ReductionKernels() {
    }

    /*
     * out[w] = sum of x[32w .. 32w+31] (missing elements count as 0).
     * Thread layout: one element per thread, blocks a multiple of 32 threads; warp w of the grid reduces its 32 values.
     * Memory traffic: 4 bytes read per element, 4 bytes written per warp (lane 0).
     * Algorithm: warpSum, a butterfly (xor 16, 8, 4, 2, 1) of shuffles and add.rn.f32.
     */
    @Kernel
    public static void warpSum(KernelContext ctx, @ReadOnly F32Buffer x, F32Buffer out, int n) {
        int i = ctx.globalIdx();
        float v = i < n ? x.get(i) : 0f;
        float s = ctx.warpSum(v);
        if (ctx.laneId() == 0) {
            out.set(i >> 5, s);
        }
    }

    /*
     * out[w] = max of x[32w .. 32w+31] with Math.max semantics (NaN wins; missing elements are -inf).
     * Thread layout and traffic: as warpSum.
     * Algorithm: warpMax, a butterfly of shuffles and max.NaN.f32.
     */
    @Kernel
    public static void warpMax(KernelContext ctx, @ReadOnly F32Buffer x, F32Buffer out, int n) {
        int i = ctx.globalIdx();
        float v = i < n ? x.get(i) : Float.NEGATIVE_INFINITY;
        float m = ctx.warpMax(v);
        if (ctx.laneId() == 0) {
            out.set(i >> 5, m);
        }
    }

    /*
     * A shuffle-down tree: out[2w] = lane 0's sum, out[2w+1] = what lane 31 ends with.
     * Thread layout and traffic: as warpSum, two floats written per warp.
     * Algorithm: v += shuffleDown(v, d) for d = 16, 8, 4, 2, 1. Lane 0 ends with the warp sum; lanes whose source
     * lane is past 31 get their own value back, so lane 31 ends with 32 * x[31] (rounded at each doubling): this
     * checks the edge rule of shfl.sync.down.
     */
    @Kernel
    public static void warpSumDown(KernelContext ctx, @ReadOnly F32Buffer x, F32Buffer out, int n) {
        int i = ctx.globalIdx();
        float v = i < n ? x.get(i) : 0f;
        for (int d = 16; d > 0; d >>= 1) {
            v += ctx.shuffleDown(v, d);
        }
        int w = i >> 5;
        if (ctx.laneId() == 0) {
            out.set(2L * w, v);
        }
        if (ctx.laneId() == 31) {
            out.set(2L * w + 1, v);
        }
    }

    /*
     * Per warp w: out[3w] = wrapping int sum, out[3w+1] = int max, out[3w+2] = ballot of (x > 0).
     * Thread layout: one element per thread; lanes past n contribute 0 / MIN_VALUE / false.
     * Memory traffic: 4 bytes read per element, 12 bytes written per warp.
     * Algorithm: redux.sync.add.s32, redux.sync.max.s32, vote.sync.ballot.b32.
     */
    @Kernel
    public static void warpIntReduce(KernelContext ctx, @ReadOnly I32Buffer x, I32Buffer out, int n) {
        int i = ctx.globalIdx();
        boolean in = i < n;
        int v = in ? x.get(i) : 0;
        int s = ctx.warpSum(v);
        int m = ctx.warpMax(in ? v : Integer.MIN_VALUE);
        int b = ctx.ballot(in && v > 0);
        if (ctx.laneId() == 0) {
            long o = (long) (i >> 5) * INT_REDUCE_OUTPUTS;
            out.set(o, s);
            out.set(o + 1, m);
            out.set(o + 2, b);
        }
    }

    /*
     * Lane-by-lane shuffles: out[3i] = x of lane^5, out[3i+1] = x of lane+3 (own value past 31),
     * out[3i+2] = x of lane (7*lane+warp) & 31, all within the same warp.
     * Thread layout: one element per thread, every lane writes its three results (lanes past n only supply 0).
     * Memory traffic: 4 bytes read, 12 bytes written per element.
     * Algorithm: shfl.sync.bfly, shfl.sync.down, shfl.sync.idx with a lane-dependent source.
     */
    @Kernel
    public static void warpShuffle(KernelContext ctx, @ReadOnly F32Buffer x, F32Buffer out, int n) {
        int i = ctx.globalIdx();
        float v = i < n ? x.get(i) : 0f;
        float xor5 = ctx.shuffleXor(v, 5);
        float down3 = ctx.shuffleDown(v, 3);
        float idx = ctx.shuffleIdx(v, 7 * ctx.laneId() + (i >> 5));
        if (i < n) {
            out.set(3L * i, xor5);
            out.set(3L * i + 1, down3);
            out.set(3L * i + 2, idx);
        }
    }

    /*
     * partial[b] = sum of the elements block b visits in a grid-stride loop.
     * Thread layout: 1-D grid, blockSize threads per block (a power of two, equal to blockDim).
     * Memory traffic: 4 bytes read per element, 4 bytes written per block; blockSize floats of shared memory.
     * Algorithm: each thread sums its grid-stride elements in order; the block then halves the shared array
     * (sh[t] += sh[t + s] for s = blockSize/2 .. 1) with a barrier after every step.
     */
    @Kernel
    public static void blockSum(KernelContext ctx, @ReadOnly F32Buffer x, F32Buffer partial, int n,
                                @Const int blockSize) {
        float[] sh = ctx.sharedF32(blockSize);
        int t = ctx.threadIdx();
        long stride = (long) ctx.gridDim() * blockSize;
        float acc = 0f;
        for (long i = ctx.globalIdx(); i < n; i += stride) {
            acc += x.get(i);
        }
        sh[t] = acc;
        ctx.barrier();
        for (int s = blockSize / 2; s > 0; s >>= 1) {
            if (t < s) {
                sh[t] += sh[t + s];
            }
            ctx.barrier();
        }
        if (t == 0) {
            partial.set(ctx.blockIdx(), sh[0]);
        }
    }

    /*
     * bins[v mod numBins] counts the values (non-negative remainder); bins[numBins] = max value.
     * Thread layout: 1-D grid-stride loop; each block counts into shared bins, then adds them to global memory.
     * Memory traffic: 4 bytes read per value; numBins + 1 global atomics per block; numBins + 1 ints of shared memory.
     * Algorithm: zero the shared bins, barrier, atom.shared.add per value and atom.shared.max for the maximum,
     * barrier, then atom.global.add / atom.global.max of the block's bins. bins must start at 0 / MIN_VALUE.
     */
    @Kernel
    public static void histogram(KernelContext ctx, @ReadOnly I32Buffer values, I32Buffer bins, int n,
                                 @Const int numBins) {
        int[] local = ctx.sharedI32(numBins + 1);
        for (int b = ctx.threadIdx(); b < numBins; b += ctx.blockDim()) {
            local[b] = 0;
        }
        if (ctx.threadIdx() == 0) {
            local[numBins] = Integer.MIN_VALUE;
        }
        ctx.barrier();
        long stride = (long) ctx.gridDim() * ctx.blockDim();
        for (long i = ctx.globalIdx(); i < n; i += stride) {
            int v = values.get(i);
            int bin = v % numBins;
            if (bin < 0) {
                bin += numBins;
            }
            ctx.atomicAdd(local, bin, 1);
            ctx.atomicMax(local, numBins, v);
        }
        ctx.barrier();
        for (int b = ctx.threadIdx(); b < numBins; b += ctx.blockDim()) {
            if (local[b] != 0) {
                bins.atomicAdd(b, local[b]);
            }
        }
        if (ctx.threadIdx() == 0) {
            bins.atomicMax(numBins, local[numBins]);
        }
    }

    /*
     * Per block b: out[2b] = sum and out[2b+1] = max of the block's elements, through shared f32 atomics.
     * Thread layout: one element per thread; threads past n add 0 and offer -inf.
     * Memory traffic: 4 bytes read per element, 8 bytes written per block; 2 floats of shared memory.
     * Algorithm: atom.shared.add.f32 and a CAS-loop max into two shared words between two barriers. The order of the
     * additions is unspecified, so the self-test feeds small integers, whose float sum is exact in any order.
     */
    @Kernel
    public static void sharedAtomicsF32(KernelContext ctx, @ReadOnly F32Buffer x, F32Buffer out, int n) {
        float[] acc = ctx.sharedF32(2);
        if (ctx.threadIdx() == 0) {
            acc[0] = 0f;
            acc[1] = Float.NEGATIVE_INFINITY;
        }
        ctx.barrier();
        int i = ctx.globalIdx();
        float v = i < n ? x.get(i) : 0f;
        ctx.atomicAdd(acc, 0, v);
        ctx.atomicMax(acc, 1, i < n ? v : Float.NEGATIVE_INFINITY);
        ctx.barrier();
        if (ctx.threadIdx() == 0) {
            out.set(2L * ctx.blockIdx(), acc[0]);
            out.set(2L * ctx.blockIdx() + 1, acc[1]);
        }
    }
}

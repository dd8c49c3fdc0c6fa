package dev.kascade.kernels.attention;

import dev.kascade.kernel.F32Buffer;
import dev.kascade.kernel.I32Buffer;
import dev.kascade.kernel.Kernel;
import dev.kascade.kernel.KernelContext;
import dev.kascade.kernel.ReadOnly;

/**
 * Exact top-k of one score row per (batch, KV head) without sorting: a three-pass radix select on the
 * float bits finds the k-th largest score T, then an ordered compaction writes the positions of every
 * score above T and of the lowest-positioned scores equal to T (tie rule: equal scores, lower position
 * wins, as on the CPU). The index set comes out in ascending position order.
 */
public final class TopKSelectKernel {
    private TopKSelectKernel() {
    }

    /** Threads per block (one block per row). */
    public static final int THREADS = 512;
    /** Warps per block. */
    public static final int WARPS = THREADS / KernelContext.WARP_SIZE;
    /** Histogram buckets: the widest radix digit is 11 bits (digits of 11, 11 and 10 bits cover 32). */
    public static final int BINS = 2048;
    /** Buckets each lane sums when a warp looks for the bucket holding the k-th largest key. */
    public static final int BINS_PER_LANE = BINS / KernelContext.WARP_SIZE;

    /*
     * Thread layout: grid (kvHead g, batch b); 512 threads stride over the row's n_b scores.
     * Memory traffic per row: 4 reads of n_b * 4 bytes (3 histogram passes + compaction, mostly from L2);
     * k_b * 4 bytes of indices written; 8 KB shared histogram.
     * Algorithm: map each float to an order-preserving int key; for digits (bits 31..21, 20..10, 9..0)
     * histogram the keys that match the digits fixed so far and keep the bucket holding the remaining-th
     * largest (every warp scans the 2048 buckets the same way, no extra barrier); then one pass in position
     * order ranks "greater than T" and "equal to T" flags with ballots and per-warp counts, and writes.
     */
    @Kernel
    public static void selectTopK(KernelContext ctx, @ReadOnly F32Buffer scores, @ReadOnly I32Buffer lengths,
                                  @ReadOnly I32Buffer budgets, I32Buffer indices,
                                  int kvHeads, int scoreStride, int kMax) {
        int g = ctx.blockIdx();
        int b = ctx.blockIdxY();
        int n = lengths.get(b);
        int k = budgets.get(b);
        long row = ((long) b * kvHeads + g) * scoreStride;
        long outRow = ((long) b * kvHeads + g) * kMax;
        int tid = ctx.threadIdx();
        int lane = ctx.laneId();
        int warp = ctx.warpId();
        int[] hist = ctx.sharedI32(BINS);
        int[] warpGreater = ctx.sharedI32(WARPS);
        int[] warpEqual = ctx.sharedI32(WARPS);

        // Radix select over unsigned-ordered keys u (u = orderKey ^ MIN_VALUE): fix 11, 11, then 10 bits.
        int prefix = 0;       // the bits of T's key fixed so far
        int remaining = k;    // how many keys matching the prefix still belong to the top k
        for (int pass = 0; pass < 3; pass++) {
            int shift = pass == 0 ? 21 : (pass == 1 ? 10 : 0);
            int digitMask = pass == 2 ? 0x3FF : 0x7FF;
            int fixedMask = pass == 0 ? 0 : (pass == 1 ? 0xFFE00000 : 0xFFFFFC00);
            for (int i = tid; i < BINS; i += THREADS) {
                hist[i] = 0;
            }
            ctx.barrier();
            for (int i = tid; i < n; i += THREADS) {
                int u = orderKey(scores.get(row + i)) ^ Integer.MIN_VALUE;
                if ((u & fixedMask) == prefix) {
                    ctx.atomicAdd(hist, (u >>> shift) & digitMask, 1);
                }
            }
            ctx.barrier();
            // Lane l owns buckets [64 l, 64 l + 64); higher buckets hold larger keys.
            int first = lane * BINS_PER_LANE;
            int laneCount = 0;
            for (int t = 0; t < BINS_PER_LANE; t++) {
                laneCount += hist[first + t];
            }
            int atOrAbove = laneCount; // inclusive suffix sum over lanes >= this one
            for (int offset = 1; offset < KernelContext.WARP_SIZE; offset <<= 1) {
                int other = ctx.shuffleDown(atOrAbove, offset);
                if (lane + offset < KernelContext.WARP_SIZE) {
                    atOrAbove += other;
                }
            }
            int above = atOrAbove - laneCount;
            boolean owner = above < remaining && remaining <= atOrAbove;
            int bucket = -1;
            int need = -1;
            int run = above;
            for (int t = BINS_PER_LANE - 1; t >= 0; t--) {
                int c = hist[first + t];
                if (owner && bucket < 0 && run + c >= remaining) {
                    bucket = first + t;
                    need = remaining - run;
                }
                run += c;
            }
            bucket = ctx.warpMax(bucket);
            need = ctx.warpMax(need);
            prefix |= bucket << shift;
            remaining = need;
            ctx.barrier(); // every warp has read hist before the next pass clears it
        }

        // Ordered compaction: take every key > T and the first `ties` keys == T, in position order.
        int threshold = prefix ^ Integer.MIN_VALUE;
        int ties = remaining;
        int lanesBelow = (1 << lane) - 1;
        int greaterSeen = 0;
        int equalSeen = 0;
        for (int base = 0; base < n; base += THREADS) {
            int i = base + tid;
            boolean inRange = i < n;
            int key = orderKey(inRange ? scores.get(row + i) : 0f);
            boolean greater = inRange && key > threshold;
            boolean equal = inRange && key == threshold;
            int greaterBits = ctx.ballot(greater);
            int equalBits = ctx.ballot(equal);
            if (lane == 0) {
                warpGreater[warp] = bitCount(greaterBits);
                warpEqual[warp] = bitCount(equalBits);
            }
            ctx.barrier();
            int greaterBefore = greaterSeen + bitCount(greaterBits & lanesBelow);
            int equalBefore = equalSeen + bitCount(equalBits & lanesBelow);
            for (int w = 0; w < KernelContext.unroll(WARPS); w++) {
                int cg = warpGreater[w];
                int ce = warpEqual[w];
                if (w < warp) {
                    greaterBefore += cg;
                    equalBefore += ce;
                }
                greaterSeen += cg;
                equalSeen += ce;
            }
            if (greater || (equal && equalBefore < ties)) {
                int taken = greaterBefore + (equalBefore < ties ? equalBefore : ties);
                indices.set(outRow + taken, i);
            }
            ctx.barrier(); // the per-warp counts are rewritten by the next chunk
        }
    }

    /** An int whose signed order is the float order (-0 before +0; NaN ordering is not relied on). */
    static int orderKey(float v) {
        int bits = Float.floatToRawIntBits(v);
        return bits ^ ((bits >> 31) & 0x7FFFFFFF);
    }

    /** Set bits of a 32-bit word (SWAR; ptxas may not see popc, but it is 12 integer ops). */
    static int bitCount(int x) {
        int v = x - ((x >>> 1) & 0x55555555);
        v = (v & 0x33333333) + ((v >>> 2) & 0x33333333);
        v = (v + (v >>> 4)) & 0x0F0F0F0F;
        return (v * 0x01010101) >>> 24;
    }
}

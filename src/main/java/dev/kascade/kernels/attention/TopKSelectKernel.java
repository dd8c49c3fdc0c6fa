package dev.kascade.kernels.attention;

import dev.kascade.kernel.F32Buffer;
import dev.kascade.kernel.I32Buffer;
import dev.kascade.kernel.Kernel;
import dev.kascade.kernel.KernelContext;
import dev.kascade.kernel.ReadOnly;

/**
 * Exact top-k of one score row per (batch, KV head) without sorting: a four-pass radix select on the
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
    /** Histogram buckets: the radix digit is 8 bits (four digits cover the 32-bit key). */
    public static final int BINS = 256;
    /** Bits per radix digit. */
    public static final int DIGIT_BITS = 8;
    /** Buckets each lane sums when a warp looks for the bucket holding the k-th largest key. */
    public static final int BINS_PER_LANE = BINS / KernelContext.WARP_SIZE;
    /** Scores per 16-byte load: a thread owns 4 consecutive positions; rows must start 16-byte aligned. */
    public static final int VEC = 4;
    /** 16-byte loads each thread keeps in flight in the histogram passes. */
    public static final int LOADS = 2;
    /**
     * Histogram copies, one per lane: lane l counts into copy l, so the 32 shared atomics of one warp
     * instruction never hit the same address (pooled post-softmax scores crowd a few buckets of the first
     * digits; with one shared histogram their atomics serialised).
     */
    public static final int COPIES = KernelContext.WARP_SIZE;
    /** Ints between copies: 256 + 1, so one bucket of the 32 copies sits in 32 different banks. */
    public static final int COPY_STRIDE = BINS + 1;

    /*
     * Thread layout: grid (kvHead g, batch b); 512 threads; in each pass thread t reads positions
     * [4t, 4t+4) of every 2048-score chunk with one 16-byte load (two chunks in flight in the histograms).
     * Memory traffic per row: 5 reads of n_b * 4 bytes (4 histogram passes + compaction, mostly from L2);
     * k_b * 4 bytes of indices written; 32.1 KB shared histogram (32 copies of 256 buckets, lane l counts
     * into copy l, copies summed into copy 0 after each pass). scoreStride must be a multiple of 4.
     * Algorithm: map each float to an order-preserving int key; for digits (bits 31..24, 23..16, 15..8, 7..0)
     * histogram the keys that match the digits fixed so far and keep the bucket holding the remaining-th
     * largest (every warp scans the 256 buckets the same way, no extra barrier); then one pass in position
     * order counts "greater than T" and "equal to T" per thread, scans the counts over the block (shuffles,
     * then per-warp totals in shared memory) and writes each taken position at its rank.
     */
    @Kernel
    public static void selectTopK(KernelContext ctx, @ReadOnly F32Buffer scores, @ReadOnly I32Buffer lengths,
                                  @ReadOnly I32Buffer budgets, I32Buffer indices,
                                  int kvHeads, int scoreStride, int kMax) {
        EarlyLaunch.begin(ctx); // before any global memory access (GpuDecode.chained)
        int g = ctx.blockIdx();
        int b = ctx.blockIdxY();
        int n = lengths.get(b);
        int k = budgets.get(b);
        long row = ((long) b * kvHeads + g) * scoreStride;
        long outRow = ((long) b * kvHeads + g) * kMax;
        int tid = ctx.threadIdx();
        int lane = ctx.laneId();
        int myCopy = lane * COPY_STRIDE;
        int warp = ctx.warpId();
        int[] hist = ctx.sharedI32(COPIES * COPY_STRIDE);
        int[] warpCounts = ctx.sharedI32(WARPS);
        float[] loaded = new float[VEC];
        float[] values = new float[LOADS * VEC];

        // Radix select over unsigned-ordered keys u (u = orderKey ^ MIN_VALUE): fix 8 bits per pass.
        int prefix = 0;       // the bits of T's key fixed so far
        int remaining = k;    // how many keys matching the prefix still belong to the top k
        for (int pass = 0; pass < 4; pass++) {
            int shift = 24 - DIGIT_BITS * pass;
            int digitMask = BINS - 1;
            int fixedMask = pass == 0 ? 0 : -1 << (shift + DIGIT_BITS);
            for (int i = tid; i < COPIES * COPY_STRIDE; i += THREADS) {
                hist[i] = 0;
            }
            ctx.barrier();
            for (int base = 0; base < n; base += THREADS * VEC * LOADS) {
                for (int l = 0; l < KernelContext.unroll(LOADS); l++) {
                    int first = base + (l * THREADS + tid) * VEC;
                    if (first < n) {
                        scores.load4(row + first, loaded);
                        for (int e = 0; e < KernelContext.unroll(VEC); e++) {
                            values[l * VEC + e] = loaded[e];
                        }
                    }
                }
                for (int l = 0; l < KernelContext.unroll(LOADS); l++) {
                    int first = base + (l * THREADS + tid) * VEC;
                    for (int e = 0; e < KernelContext.unroll(VEC); e++) {
                        int u = orderKey(values[l * VEC + e]) ^ Integer.MIN_VALUE;
                        if (first + e < n && (u & fixedMask) == prefix) {
                            ctx.atomicAdd(hist, myCopy + ((u >>> shift) & digitMask), 1);
                        }
                    }
                }
            }
            ctx.barrier();
            for (int i = tid; i < BINS; i += THREADS) {
                int sum = 0;
                for (int c = 0; c < KernelContext.unroll(COPIES); c++) {
                    sum += hist[c * COPY_STRIDE + i];
                }
                hist[i] = sum;
            }
            ctx.barrier();
            // Lane l owns buckets [8 l, 8 l + 8); higher buckets hold larger keys.
            int firstBin = lane * BINS_PER_LANE;
            int laneCount = 0;
            for (int t = 0; t < BINS_PER_LANE; t++) {
                laneCount += hist[firstBin + t];
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
                int c = hist[firstBin + t];
                if (owner && bucket < 0 && run + c >= remaining) {
                    bucket = firstBin + t;
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
        // Counts are packed as (greater << 16) | equal: at most 2048 of each per chunk, so no carry.
        int threshold = prefix ^ Integer.MIN_VALUE;
        int ties = remaining;
        int greaterSeen = 0;
        int equalSeen = 0;
        int[] keys = new int[VEC];
        for (int base = 0; base < n; base += THREADS * VEC) {
            int first = base + tid * VEC;
            if (first < n) {
                scores.load4(row + first, loaded);
            }
            int mine = 0;
            for (int e = 0; e < KernelContext.unroll(VEC); e++) {
                keys[e] = orderKey(loaded[e]);
                boolean inRange = first + e < n;
                mine += inRange && keys[e] > threshold ? 1 << 16 : 0;
                mine += inRange && keys[e] == threshold ? 1 : 0;
            }
            int inclusive = mine; // inclusive scan over the lanes of the warp
            for (int offset = 1; offset < KernelContext.WARP_SIZE; offset <<= 1) {
                int other = ctx.shuffleIdx(inclusive, lane - offset);
                if (lane >= offset) {
                    inclusive += other;
                }
            }
            if (lane == KernelContext.WARP_SIZE - 1) {
                warpCounts[warp] = inclusive;
            }
            ctx.barrier();
            int before = inclusive - mine;
            int chunkTotal = 0;
            for (int w = 0; w < KernelContext.unroll(WARPS); w++) {
                int c = warpCounts[w];
                if (w < warp) {
                    before += c;
                }
                chunkTotal += c;
            }
            int greaterBefore = greaterSeen + (before >>> 16);
            int equalBefore = equalSeen + (before & 0xFFFF);
            for (int e = 0; e < KernelContext.unroll(VEC); e++) {
                boolean inRange = first + e < n;
                boolean greater = inRange && keys[e] > threshold;
                boolean equal = inRange && keys[e] == threshold;
                if (greater || (equal && equalBefore < ties)) {
                    indices.set(outRow + greaterBefore + (equalBefore < ties ? equalBefore : ties), first + e);
                }
                greaterBefore += greater ? 1 : 0;
                equalBefore += equal ? 1 : 0;
            }
            greaterSeen += chunkTotal >>> 16;
            equalSeen += chunkTotal & 0xFFFF;
            ctx.barrier(); // the per-warp counts are rewritten by the next chunk
        }
    }

    /** An int whose signed order is the float order (-0 before +0; NaN ordering is not relied on). */
    static int orderKey(float v) {
        int bits = Float.floatToRawIntBits(v);
        return bits ^ ((bits >> 31) & 0x7FFFFFFF);
    }
}

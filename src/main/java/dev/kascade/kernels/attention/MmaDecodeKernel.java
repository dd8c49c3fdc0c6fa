package dev.kascade.kernels.attention;

import dev.kascade.kernel.Const;
import dev.kascade.kernel.F32Buffer;
import dev.kascade.kernel.I32Buffer;
import dev.kascade.kernel.Kernel;
import dev.kascade.kernel.KernelContext;
import dev.kascade.kernel.ReadOnly;

/**
 * Split-K flash-decoding with Q K^T and P V on tensor cores ({@code mma.sync.m16n8k16}): the dense, layer-0 and
 * reuse (sparse) roles for head dims 64 and 128. Same grid, partial outputs, partial LSEs and logits as
 * {@link SplitDecodeKernel#decodeSplit}, so the LSE merge and the top-k that follow are unchanged (the merge is
 * told {@link #BLOCK_KEYS} as the split size: splits are strided); the anchor passes (scores only, kept logits)
 * stay on {@link SplitDecodeKernel}. {@link GpuDecode#usesTensorCores} says where it runs.
 *
 * <p>Why: the FMA kernel issues about 600 instructions per 8 keys and warp (dots, their shuffle reductions, P V),
 * so issue, not DRAM, set its pace (docs/gpu-decode.md). Here a warp's 16 keys cost d/8 {@code mma} for Q K^T and
 * d/8 for P V plus one online-softmax step, with two shuffles for the row maximum. Measured on the H200 (bf16,
 * 32/8/128, batch 64): dense 1.975 -> 1.934 ms at 32K, 8.15-8.25 -> 7.62 ms at 128K against the FMA kernel.
 *
 * <p>Accuracy: the operands of an {@code mma} are bf16 (or f16), but q arrives in f32 and the probabilities are
 * f32. Both are split into a high and a low half ({@code x = hi + lo}, each rounded to the cache's type). A decode
 * step has at most 8 query rows per block, so the hi halves go into rows 0..7 of the {@code mma}'s A operand and
 * the lo halves into rows 8..15, which would otherwise be zero padding: one {@code mma} computes both products,
 * and the two result rows are added in f32. Logits and outputs keep about 16 significant bits of q and p, within
 * {@link DecodeCheck}'s f32 tolerance, at no extra tensor work. (FlashAttention rounds P to 16 bits instead; with a
 * bf16 P the float64 checks here fail.)
 */
public final class MmaDecodeKernel {
    private MmaDecodeKernel() {
    }

    /** Warps per block. */
    public static final int WARPS = 4;
    /** Threads per block. */
    public static final int THREADS = WARPS * KernelContext.WARP_SIZE;
    /** Keys a warp takes per step: two n8 key tiles of Q K^T, which are one k16 step of P V. */
    public static final int WARP_KEYS = 16;
    /** Keys a block takes per step. */
    public static final int BLOCK_KEYS = WARPS * WARP_KEYS;

    /** Shared memory of an sm_90 SM, and what the driver reserves per resident block. */
    static final int SM_SHARED_BYTES = 228 * 1024;
    static final int BLOCK_RESERVED_BYTES = 1024;
    /** Blocks per SM the registers allow ({@code minBlocksPerSm}: at most 168 registers). */
    public static final int MAX_BLOCKS_PER_SM = 3;

    /** Blocks of a launch with {@code stages} ring stages that fit on one SM (2 for d 128 with three stages). */
    public static int blocksPerSm(int headDim, int stages) {
        return residentBlocks(dynamicSharedBytes(headDim, stages));
    }

    /** Blocks of this kernel's shape (or the persistent kernel's) that fit on one SM with that much dynamic shared. */
    static int residentBlocks(int dynamicSharedBytes) {
        int bySharedMemory = SM_SHARED_BYTES / (dynamicSharedBytes + BLOCK_RESERVED_BYTES);
        return Math.max(1, Math.min(MAX_BLOCKS_PER_SM, bySharedMemory));
    }

    /** Head dims this kernel serves (d 256 would need 128 accumulators and a 64 KB ring stage per block). */
    public static boolean supports(int headDim) {
        return headDim == 64 || headDim == 128;
    }

    /**
     * 16-byte chunks each lane copies per step: the warp's 16 K rows and 16 V rows of d/8 chunks each, over 32 lanes
     * (d/16 of K and d/16 of V).
     */
    public static int chunksPerLane(int headDim) {
        return headDim / 8;
    }

    /** Bytes of one stage of the {@code cp.async} ring per block (32 KB for d 128). */
    public static int ringStageBytes(int headDim) {
        return WARPS * KernelContext.WARP_SIZE * chunksPerLane(headDim) * 16;
    }

    /**
     * Dynamic shared memory of a launch: the ring, then q's fragments (each lane's hi and lo halves: d/4 words per
     * lane, 4 KB for d 128). The warps' merge at the end reuses the ring (at most 4 x 8 x d + 64 floats).
     */
    public static int dynamicSharedBytes(int headDim, int stages) {
        return stages * ringStageBytes(headDim) + KernelContext.WARP_SIZE * (headDim / 4) * 4;
    }

    /** Two floats rounded to the cache's 16-bit type and packed, {@code lo} in bits 0..15. */
    static int pack(boolean bf16, float lo, float hi) {
        return bf16 ? KernelContext.packBf16x2(lo, hi) : KernelContext.packF16x2(lo, hi);
    }

    /** What {@link #pack} lost: the packed rounding errors of {@code lo} and {@code hi} (the low halves). */
    static int packRemainder(boolean bf16, int packed, float lo, float hi) {
        float l = bf16 ? KernelContext.lowBf16(packed) : KernelContext.lowF16(packed);
        float h = bf16 ? KernelContext.highBf16(packed) : KernelContext.highF16(packed);
        return pack(bf16, lo - l, hi - h);
    }

    /*
     * Thread layout: grid (split, kvHead g x groupParts, batch b); 128 threads = 4 warps. Block `split` takes the
     * 64-key steps split, split + numSplits, ... of its row (strided splits); in a step, warp w takes keys
     * tile + 16w .. + 15. Lane (g, t) = (lane / 4, lane % 4) in the mma fragment layout: g is a query row (head
     * firstHead + g; rows >= blockHeads are zero) and, for K, a key of an n8 tile; t picks dims. A's rows 8 + g
     * carry the lo halves of rows g (see the class comment), so C's rows g and 8 + g (a lane's c0 + c2, c1 + c3)
     * add up to row g's product.
     *   Q K^T: S (16 heads x 8 keys) = Q (16 x d) K^T (d x 8 keys), d/16 k-steps. Dims are permuted so that each
     *   lane's B fragments are whole 16-byte chunks of its key's row: lane t reads chunks 4i + t (i < d/32) of key
     *   g, and k-step 2i + h takes words 2h, 2h+1 of chunk 4i + t; q's A fragments (staged in shared memory by
     *   warp 0, then held in registers by dense and layer 0) hold the same dims, hi halves in a0/a2, lo halves in
     *   a1/a3 (one mma per k-step and tile); the k-steps of each tile run as two chains (halves of d), added at the
     *   end.
     *   P V: O (16 x d) += P (16 heads x 16 keys) V (16 keys x d): P's A fragment is S's C fragment of the two key
     *   tiles (rows g, keys 2t, 2t+1 and 8 + 2t, 8 + 2t + 1), as in FlashAttention-2, so probabilities never leave
     *   the lane; p's hi half fills rows g, its lo half rows 8 + g. V's B fragment for n8 tile nt (dims 8nt ..
     *   8nt + 7, one 16-byte chunk of each V row) holds keys 2t, 2t+1 (and +8) of dim 8nt + g: one
     *   ldmatrix.x4.trans per 16 dims reads the 8 x 8 blocks (keys 0..7 and 8..15 of two chunks) transposed, each
     *   lane giving one row's address. Its accumulators are then dims 8nt + 2t and 8nt + 2t + 1 of head g.
     * Memory traffic per key: 2d bytes of K and 2d of V, each read once for all the block's heads, by 16-byte
     * cp.async.cg copies of whole rows (each 8-lane phase one 128-byte line). Dense and layer 0: the block copies
     * each 64-key step together (thread i takes chunks i + 128m of the step's K and V, MmaRing.copyBlockStep), so
     * warps meet at a barrier once per step, after their waits; reuse: each warp copies its own 16 gathered rows (+ 4
     * bytes of index per key) and meets at syncWarp after each wait and before each copy. Fragments are read back
     * from other lanes' copies (swizzled, conflict-free). Per (split, head) one partial row of d floats and one LSE;
     * layer 0 writes 4 bytes per key and head.
     * Algorithm: the copies run stages - 1 steps ahead into a ring in dynamic shared memory (ringStageBytes per
     * stage; q is staged after the first copies, so their latency overlaps it); per step: S by mma; keys past the
     * row's end become -inf (their V rows, in the one step whose copies were not clamped to the length, are zeroed in
     * the ring); the row max over the 4 lanes of a row (2 shuffles); rescale only when some row's max
     * grew (warp ballot); p = exp2(s - max) (logits are base-2 units of the scaled score, q pre-scaled by qScale);
     * O += P V by mma, p split into hi + lo (rows g and 8 + g, added after each mma). After the loop: row sums over
     * the 4 lanes, warps merged through shared memory (reusing the ring), one partial row per head; LseMergeKernel
     * merges the splits.
     */
    @Kernel(maxThreads = THREADS, minBlocksPerSm = MAX_BLOCKS_PER_SM)
    public static void decodeMma(KernelContext ctx,
                                 @ReadOnly F32Buffer q, @ReadOnly I32Buffer kCache, @ReadOnly I32Buffer vCache,
                                 @ReadOnly I32Buffer keyCounts, @ReadOnly I32Buffer indices,
                                 @ReadOnly I32Buffer headMap,
                                 F32Buffer partialOut, F32Buffer partialLse, F32Buffer logits,
                                 int kvHeads, int groupParts, int capacity, int kMax, int numSplits, int logitsStride,
                                 float qScale,
                                 @Const int headDim, @Const int blockHeads, @Const boolean kvBf16,
                                 @Const boolean writeLogits, @Const boolean sparse, @Const int stages) {
        EarlyLaunch.begin(ctx); // before any global memory access (GpuDecode.chained)
        int split = ctx.blockIdx();
        int headBlock = ctx.blockIdxY(); // (KV head, part of its query group)
        int b = ctx.blockIdxZ();
        // Strided splits: block `split` takes the steps split, split + numSplits, ... of BLOCK_KEYS keys, so the
        // blocks of one row, which run at the same time, read neighbouring memory (measured 0.5-0.8% faster than
        // contiguous splits, docs/gpu-decode.md); the merge is told BLOCK_KEYS as the split size.
        int start = split * BLOCK_KEYS;
        int end = keyCounts.get(b); // first waited for after the pipeline fill's copies are on their way (1a)
        int step = numSplits * BLOCK_KEYS;
        int lane = ctx.laneId();
        int warp = ctx.warpId();
        int g = lane >> 2;
        int kvHead = headBlock / groupParts;
        int qHeads = kvHeads * groupParts * blockHeads;
        int firstHead = headBlock * blockHeads;
        boolean rowValid = g < blockHeads;
        int[] smem = ctx.dynamicSharedI32();
        long rowBase = ((long) b * kvHeads + kvHead) * capacity;
        long listBase = sparse ? ((long) b * kvHeads + headMap.get(kvHead)) * kMax : 0L;

        float[] acc = new float[headDim / 4]; // n8 tile nt: acc[2nt], acc[2nt + 1] (rows 8..15 are added in at once)
        float[] state = new float[2]; // the running max of row g, and this lane's share of its sum (attendStep)
        long qBase = ((long) b * qHeads + firstHead + (rowValid ? g : 0)) * headDim;
        long logitsRow = ((long) b * qHeads + firstHead + g) * logitsStride;
        if (!attendRange(ctx, smem, q, kCache, vCache, indices, logits, rowBase, listBase, qBase, logitsRow, start, end,
                step, capacity, kMax, qScale, headDim, blockHeads, kvBf16, writeLogits, sparse, stages, acc, state)) {
            return; // the whole block: this sequence is shorter than the longest one; merge skips the split
        }

        // 5. The warps' states through their parts of ring stage 0 (every warp is done with the ring), one partial row
        // and LSE per head.
        ctx.barrier();
        stashWarp(ctx, smem, headDim, stages, blockHeads, warp, 0, lane, rowValid, acc, state);
        ctx.barrier();
        mergeWarps(ctx, smem, headDim, stages, blockHeads, 0, partialOut, partialLse,
                ((long) b * qHeads + firstHead) * numSplits + split, numSplits);
    }

    /**
     * The steps {@code start, start + step, ...} below {@code end} of one (sequence, head block) row: the
     * {@code cp.async} ring's fill, then per step its copies {@code stages - 1} steps ahead and {@link #attendStep}
     * into {@code acc} and {@code state} (both reset here), q staged in the first step. Returns false, having computed
     * nothing, when {@code start >= end}; every copy has landed when it returns. {@code rowBase} is the row's first
     * cache row, {@code listBase} its index list (sparse), {@code qBase} lane row g's q row (row 0 for rows past the
     * block's heads), {@code logitsRow} lane row g's logits row (layer 0).
     */
    static boolean attendRange(KernelContext ctx, int[] smem, F32Buffer q, I32Buffer kCache, I32Buffer vCache,
                               I32Buffer indices, F32Buffer logits, long rowBase, long listBase, long qBase,
                               long logitsRow, int start, int end, int step, int capacity, int kMax, float qScale,
                               int headDim, int blockHeads, boolean kvBf16, boolean writeLogits, boolean sparse,
                               int stages, float[] acc, float[] state) {
        int lane = ctx.laneId();
        int warp = ctx.warpId();
        int g = lane >> 2;
        int t = lane & 3;
        boolean rowValid = g < blockHeads;
        int qWords = stages * ringStageBytes(headDim) / 4;
        int lead = stages - 1; // steps the copies run ahead

        int[] gather = new int[8]; // sparse: the cache rows of copy m of the next step to copy (d/16 per lane)
        if (sparse) {
            // bounded by the list, not `end` (1a)
            MmaRing.gatherRows(indices, listBase, start + warp * WARP_KEYS, kMax, headDim, lane, gather);
        }

        int[] qFrag = new int[headDim / 4]; // q's A fragment words, held in registers after the first step's staging
        int[] qLoad = new int[4];
        for (int i = 0; i < KernelContext.unroll(headDim / 4); i++) {
            acc[i] = 0f;
        }
        state[0] = SplitDecodeKernel.EMPTY_MAX;
        state[1] = 0f;

        // 1a. The pipeline fill: the first `lead` steps' copies, into stages 0 .. lead - 1. The first is issued before
        // the sequence's length has arrived, so a block's start waits out one memory round trip instead of two: its
        // rows are clamped to the capacity (sparse: to the index list), not to the length, and whatever lies past the
        // length is masked: p = 0 in the step, and those V rows zeroed in the ring before it (they may hold anything,
        // even NaN).
        int tid = ctx.threadIdx();
        for (int f = 0; f < KernelContext.unroll(lead); f++) {
            if (sparse) {
                MmaRing.copyStep(ctx, smem, kCache, vCache, rowBase, start + f * step + warp * WARP_KEYS,
                        f == 0 ? capacity : end, capacity, headDim, stages, warp, f, lane, true, gather);
                MmaRing.gatherRows(indices, listBase, start + (f + 1) * step + warp * WARP_KEYS, end, headDim, lane,
                        gather);
            } else {
                MmaRing.copyBlockStep(ctx, smem, kCache, vCache, rowBase, start + f * step, f == 0 ? capacity : end,
                        capacity, headDim, stages, f, tid);
            }
        }
        if (start >= end) {
            ctx.cpAsyncWait(0); // the fill's copies land before the block leaves
            return false;
        }

        // 1b. Sparse (each warp copies its own rows): each step first copies step tile + lead step (into the stage the
        // previous step read), then computes step tile from the stage copied lead steps ago; q is staged in the first
        // step, after its copies were issued, so their latency overlaps q's loads and the barrier.
        // Dense (the block copies whole steps, MmaRing.copyBlockStep): each step first waits for its own copies and
        // meets the other warps at a barrier (after it, the step's stage is complete and every warp is done with the
        // stage the previous step read), then copies step tile + lead step into that stage and computes; q is staged
        // before the first step's barrier.
        int nextCopy = lead;
        int nextRead = 0;
        for (int tile = start; tile < end; tile += step) {
            int stage = nextCopy;
            int readStage = nextRead; // the stage of step `tile`
            nextCopy = stage == stages - 1 ? 0 : stage + 1;
            nextRead = readStage == stages - 1 ? 0 : readStage + 1;
            if (sparse) {
                ctx.syncWarp(); // other lanes read this stage in the previous step: every lane must be done with it
                MmaRing.copyStep(ctx, smem, kCache, vCache, rowBase, tile + lead * step + warp * WARP_KEYS, end,
                        capacity, headDim, stages, warp, stage, lane, true, gather);
                MmaRing.gatherRows(indices, listBase, tile + (lead + 1) * step + warp * WARP_KEYS, end, headDim, lane,
                        gather);
            }
            if (tile == start) {
                // q's A fragments, hi and lo, in shared memory after the ring (the same for every warp, so warp 0
                // writes them); see stageQ.
                if (warp == 0) {
                    for (int i = 0; i < KernelContext.unroll(headDim / 32); i++) {
                        for (int w = 0; w < KernelContext.unroll(4); w++) {
                            long dim = qBase + 8 * (4 * i + t) + 2 * w;
                            float x0 = rowValid ? q.get(dim) * qScale : 0f;
                            float x1 = rowValid ? q.get(dim + 1) * qScale : 0f;
                            stageQ(smem, qWords, i, w, lane, kvBf16, x0, x1);
                        }
                    }
                }
                if (sparse) {
                    ctx.barrier();
                }
            }
            if (sparse) {
                ctx.cpAsyncWait(stages - 1);
                ctx.syncWarp(); // every lane's copies of this stage have landed
            } else {
                ctx.cpAsyncWait(stages - 2);
                ctx.barrier(); // every thread's copies of this stage have landed; the stage copied next is free
                MmaRing.copyBlockStep(ctx, smem, kCache, vCache, rowBase, tile + lead * step, end, capacity, headDim,
                        stages, stage, tid);
            }
            if (tile == start) {
                for (int i = 0; i < KernelContext.unroll(sparse ? 0 : headDim / 32); i++) {
                    ctx.sharedLoad4(smem, MmaRing.qIndex(qWords, i, 0, lane), qLoad);
                    for (int e = 0; e < KernelContext.unroll(4); e++) {
                        qFrag[8 * i + e] = qLoad[e];
                    }
                    ctx.sharedLoad4(smem, MmaRing.qIndex(qWords, i, 1, lane), qLoad);
                    for (int e = 0; e < KernelContext.unroll(4); e++) {
                        qFrag[8 * i + 4 + e] = qLoad[e];
                    }
                }
            }
            if (tile == start && start + warp * WARP_KEYS + WARP_KEYS > end) {
                // The first step's copies were bounded by the capacity, not the length (1a); zero its V rows past the
                // length in the ring (they may hold NaN), so attendStep need not mask V in every step.
                MmaRing.zeroRowsPastEnd(smem, headDim, stages, warp, readStage, end - (start + warp * WARP_KEYS),
                        lane);
                ctx.syncWarp();
            }
            attendStep(ctx, smem, logits, logitsRow, qWords, readStage, tile + warp * WARP_KEYS, end, headDim, stages,
                    kvBf16, writeLogits, rowValid, false, !sparse, qFrag, warp, lane, acc, state);
        }
        ctx.cpAsyncWait(0); // the last steps' copies (rows past the end, never read) must land before exit
        return true;
    }

    /** Writes q's A fragment words {@code w} of group {@code i} (the values x0, x1), hi and lo halves (see decodeMma). */
    static void stageQ(int[] smem, int qWords, int i, int w, int lane, boolean kvBf16, float x0, float x1) {
        int hi = pack(kvBf16, x0, x1);
        smem[MmaRing.qIndex(qWords, i, 0, lane) + w] = hi;
        smem[MmaRing.qIndex(qWords, i, 1, lane) + w] = packRemainder(kvBf16, hi, x0, x1);
    }

    /**
     * Steps 2 to 4 of a warp's 16 keys {@code keyBase .. keyBase + 15} (those at or past {@code end} masked), read from
     * ring stage {@code readStage} with q's fragments in {@code qFrag} ({@code qHeld}) or at {@code qWords} in shared
     * memory: S = Q K^T, layer 0's logits (row
     * {@code logitsRow} of the logits), the online softmax and O += P V into {@code acc}. {@code state} holds the
     * running max of the lane's row and the lane's share of the row's sum. With {@code zeroRowsPastEnd} the V words of
     * rows at or past {@code end} are read as zero (rows copied before the length was known may hold anything, even
     * NaN, and p = 0 would not cancel a NaN); callers that zero such rows in the ring pass false, which drops 32
     * selects a step.
     */
    static void attendStep(KernelContext ctx, int[] smem, F32Buffer logits, long logitsRow, int qWords, int readStage,
                           int keyBase, int end, int headDim, int stages, boolean kvBf16, boolean writeLogits,
                           boolean rowValid, boolean zeroRowsPastEnd, boolean qHeld, int[] qFrag, int warp, int lane,
                           float[] acc, float[] state) {
        int g = lane >> 2;
        int t = lane & 3;
        int stageWords = MmaRing.stageBase(headDim, stages, warp, readStage);
        int[] fa = new int[4];
        int[] fb = new int[2];
        float[] s0 = new float[4]; // Q K^T accumulators of key tiles 0 and 1: [0], [1] q's hi rows, [2], [3] lo rows
        float[] s1 = new float[4];
        float[] s2 = new float[4]; // the same for the second half of the dims: four chains of d/32 mma, not two of d/16
        float[] s3 = new float[4];
        float[] pv = new float[4];
        float[] cOut = new float[4];
        int[] qHi = new int[4];
        int[] qLo = new int[4];
        int[] load = new int[4];
        float[] s = new float[4]; // key tile j, column 2t + e: s[2j + e]
        float[] p = new float[4];

        // 2. S = Q K^T for the warp's two key tiles: four chains (per tile, one per half of the dims) of d/32 mma
        // each. A's rows g hold q's hi halves and rows 8 + g its lo halves, so one mma per k-step covers both;
        // S = row g + row 8 + g, summed over the two halves.
        for (int e = 0; e < KernelContext.unroll(4); e++) {
            s0[e] = 0f;
            s1[e] = 0f;
            s2[e] = 0f;
            s3[e] = 0f;
        }
        for (int i = 0; i < KernelContext.unroll(headDim / 32); i++) {
            if (qHeld) {
                for (int e = 0; e < KernelContext.unroll(4); e++) {
                    qHi[e] = qFrag[8 * i + e];
                    qLo[e] = qFrag[8 * i + 4 + e];
                }
            } else {
                ctx.sharedLoad4(smem, MmaRing.qIndex(qWords, i, 0, lane), qHi);
                ctx.sharedLoad4(smem, MmaRing.qIndex(qWords, i, 1, lane), qLo);
            }
            for (int j = 0; j < KernelContext.unroll(2); j++) {
                ctx.sharedLoad4(smem, MmaRing.kFragmentIndex(headDim, stageWords, g, t, i, j), load);
                for (int h = 0; h < KernelContext.unroll(2); h++) {
                    fb[0] = load[2 * h];
                    fb[1] = load[2 * h + 1];
                    fa[0] = qHi[2 * h];
                    fa[1] = qLo[2 * h];
                    fa[2] = qHi[2 * h + 1];
                    fa[3] = qLo[2 * h + 1];
                    boolean low = i < headDim / 64;
                    mma(ctx, kvBf16, j == 0 ? (low ? s0 : s2) : (low ? s1 : s3), fa, fb, cOut);
                }
            }
        }
        s[0] = (s0[0] + s0[2]) + (s2[0] + s2[2]);
        s[1] = (s0[1] + s0[3]) + (s2[1] + s2[3]);
        s[2] = (s1[0] + s1[2]) + (s3[0] + s3[2]);
        s[3] = (s1[1] + s1[3]) + (s3[1] + s3[3]);

        // 3. Layer 0 keeps every logit; then the online softmax of row g over its 16 new keys.
        // Keys at or past the end become -inf: they leave the max alone and exp2 turns them into p = 0.
        float stepMax = SplitDecodeKernel.EMPTY_MAX;
        for (int e = 0; e < KernelContext.unroll(4); e++) {
            int key = keyBase + 8 * (e >> 1) + 2 * t + (e & 1);
            if (writeLogits && rowValid && key < end) {
                logits.set(logitsRow + key, s[e]);
            }
            s[e] = key < end ? s[e] : Float.NEGATIVE_INFINITY;
            stepMax = Math.max(stepMax, s[e]);
        }
        stepMax = Math.max(stepMax, ctx.shuffleXor(stepMax, 1));
        stepMax = Math.max(stepMax, ctx.shuffleXor(stepMax, 2));
        float runMax = state[0];
        float runSum = state[1];
        float newMax = Math.max(runMax, stepMax);
        // Rescale only when some row's maximum grew (warp-uniform branch); otherwise the factor is exactly 1.
        if (ctx.ballot(newMax > runMax) != 0) {
            float correction = KernelContext.exp2(runMax - newMax);
            runMax = newMax;
            runSum *= correction;
            for (int i = 0; i < KernelContext.unroll(headDim / 4); i++) {
                acc[i] *= correction;
            }
        }
        for (int e = 0; e < KernelContext.unroll(4); e++) {
            p[e] = KernelContext.exp2(s[e] - runMax);
            runSum += p[e];
        }
        state[0] = runMax;
        state[1] = runSum;

        // 4. O += P V: P's A fragment from this lane's p (hi, then lo).
        int pHi0 = pack(kvBf16, p[0], p[1]);
        int pHi2 = pack(kvBf16, p[2], p[3]);
        int pLo0 = packRemainder(kvBf16, pHi0, p[0], p[1]);
        int pLo2 = packRemainder(kvBf16, pHi2, p[2], p[3]);
        // V's B fragments straight from the ring by ldmatrix.trans: per 16 dims, keys 0..7 and 8..15 of two n8 tiles.
        // Keys at or past the end read as zero when the caller asks (their rows may hold anything, even NaN).
        int lane2 = 2 * t;
        int mask0 = (!zeroRowsPastEnd || keyBase + lane2 < end ? 0xFFFF : 0)
                | (!zeroRowsPastEnd || keyBase + lane2 + 1 < end ? 0xFFFF0000 : 0);
        int mask1 = (!zeroRowsPastEnd || keyBase + 8 + lane2 < end ? 0xFFFF : 0)
                | (!zeroRowsPastEnd || keyBase + 9 + lane2 < end ? 0xFFFF0000 : 0);
        for (int i = 0; i < KernelContext.unroll(headDim / 16); i++) {
            ctx.ldmatrixX4Trans(smem, MmaRing.vLdmatrixIndex(headDim, stageWords, lane, i), load);
            for (int h = 0; h < KernelContext.unroll(2); h++) {
                int nt = 2 * i + h;
                fb[0] = zeroRowsPastEnd ? load[2 * h] & mask0 : load[2 * h];
                fb[1] = zeroRowsPastEnd ? load[2 * h + 1] & mask1 : load[2 * h + 1];
                pv[0] = acc[2 * nt];
                pv[1] = acc[2 * nt + 1];
                pv[2] = 0f;
                pv[3] = 0f;
                fa[0] = pHi0;
                fa[1] = pLo0;
                fa[2] = pHi2;
                fa[3] = pLo2;
                mma(ctx, kvBf16, pv, fa, fb, cOut);
                acc[2 * nt] = pv[0] + pv[2]; // row g: p's hi half times V; row 8 + g: its lo half
                acc[2 * nt + 1] = pv[1] + pv[3];
            }
        }
    }

    /**
     * Words of a warp's state in its part of a ring stage ({@link #stashWarp}): blockHeads rows of d accumulators,
     * then blockHeads maxima and blockHeads sums. Fits the part (16 rows of K and V, 4 d words) for up to 8 heads.
     */
    static int stashWords(int headDim, int blockHeads) {
        return blockHeads * (headDim + 2);
    }

    /**
     * Writes a warp's running state (row sums over the row's 4 lanes first) into the warp's own part of ring stage
     * {@code stage}, which only this warp has read: rows [head][d] of accumulators, then the maxima and the sums.
     */
    static void stashWarp(KernelContext ctx, int[] smem, int headDim, int stages, int blockHeads, int warp, int stage,
                          int lane, boolean rowValid, float[] acc, float[] state) {
        int g = lane >> 2;
        int t = lane & 3;
        float runSum = state[1];
        runSum += ctx.shuffleXor(runSum, 1);
        runSum += ctx.shuffleXor(runSum, 2);
        int base = MmaRing.stageBase(headDim, stages, warp, stage);
        if (rowValid) {
            if (t == 0) {
                smem[base + blockHeads * headDim + g] = Float.floatToRawIntBits(state[0]);
                smem[base + blockHeads * headDim + blockHeads + g] = Float.floatToRawIntBits(runSum);
            }
            for (int nt = 0; nt < KernelContext.unroll(headDim / 8); nt++) {
                int dim = 8 * nt + 2 * t; // C fragment: row g, columns 2t and 2t + 1 of n8 tile nt = 8 dims of V
                smem[base + g * headDim + dim] = Float.floatToRawIntBits(acc[2 * nt]);
                smem[base + g * headDim + dim + 1] = Float.floatToRawIntBits(acc[2 * nt + 1]);
            }
        }
    }

    /**
     * The block's threads merge the warps' states stashed in stage {@code stage} ({@link #stashWarp}, then a barrier)
     * into one partial row and LSE per head: head h's go to partial row {@code firstPartialRow + h * numSplits}.
     */
    static void mergeWarps(KernelContext ctx, int[] smem, int headDim, int stages, int blockHeads, int stage,
                           F32Buffer partialOut, F32Buffer partialLse, long firstPartialRow, int numSplits) {
        mergeWarps(ctx, smem, headDim, stages, blockHeads, stage, partialOut, partialLse, firstPartialRow, numSplits,
                partialOut, partialLse, 0L, false);
    }

    /**
     * {@link #mergeWarps}, merging in one more partial per head when {@code withCarry}: the normalised row
     * {@code carryOut[firstCarryRow + h]} with base-2 LSE {@code carryLse[firstCarryRow + h]}, which another block of the
     * launch wrote and published (read with {@link F32Buffer#getCoherent}). The warps' states may then be empty (no
     * key): their weight is zero.
     */
    static void mergeWarps(KernelContext ctx, int[] smem, int headDim, int stages, int blockHeads, int stage,
                           F32Buffer partialOut, F32Buffer partialLse, long firstPartialRow, int numSplits,
                           F32Buffer carryOut, F32Buffer carryLse, long firstCarryRow, boolean withCarry) {
        int maxAt = blockHeads * headDim;
        int sumAt = maxAt + blockHeads;
        for (int i = ctx.threadIdx(); i < blockHeads * headDim; i += THREADS) {
            int h = i / headDim;
            int dim = i - h * headDim;
            float max = SplitDecodeKernel.EMPTY_MAX;
            for (int w = 0; w < KernelContext.unroll(WARPS); w++) {
                int base = MmaRing.stageBase(headDim, stages, w, stage);
                max = Math.max(max, Float.intBitsToFloat(smem[base + maxAt + h]));
            }
            float total = 0f;
            float weighted = 0f;
            for (int w = 0; w < KernelContext.unroll(WARPS); w++) {
                int base = MmaRing.stageBase(headDim, stages, w, stage);
                float weight = KernelContext.exp2(Float.intBitsToFloat(smem[base + maxAt + h]) - max);
                total += Float.intBitsToFloat(smem[base + sumAt + h]) * weight;
                weighted += Float.intBitsToFloat(smem[base + h * headDim + dim]) * weight;
            }
            float value = weighted / total;
            float lse = max + KernelContext.log2(total);
            if (withCarry) {
                long carryRow = firstCarryRow + h;
                float carried = carryLse.getCoherent(carryRow);
                float top = Math.max(max, carried);
                float own = KernelContext.exp2(max - top); // 0 when the warps saw no key (max is EMPTY_MAX)
                float other = KernelContext.exp2(carried - top);
                float sum = total * own + other;
                value = (weighted * own + carryOut.getCoherent(carryRow * headDim + dim) * other) / sum;
                lse = top + KernelContext.log2(sum);
            }
            long partialRow = firstPartialRow + (long) h * numSplits;
            partialOut.set(partialRow * headDim + dim, value);
            if (dim == 0) {
                partialLse.set(partialRow, lse);
            }
        }
    }

    /** {@code c += a b} on the tensor cores (bf16 or f16 operands), through {@code scratch}. */
    static void mma(KernelContext ctx, boolean bf16, float[] c, int[] a, int[] b, float[] scratch) {
        if (bf16) {
            ctx.mmaBf16(scratch, a, b, c);
        } else {
            ctx.mmaF16(scratch, a, b, c);
        }
        for (int e = 0; e < KernelContext.unroll(4); e++) {
            c[e] = scratch[e];
        }
    }
}

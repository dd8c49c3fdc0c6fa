package dev.kascade.kernels.attention;

import dev.kascade.kernel.I32Buffer;
import dev.kascade.kernel.KernelContext;

/**
 * The {@code cp.async} ring of {@link MmaDecodeKernel} (and {@link PersistentDecodeKernel}): where each warp's K and V
 * rows and q's fragments live in dynamic shared memory, the swizzles that keep the fragment reads free of bank
 * conflicts, and the copies that fill a stage. Each warp reads its own part of every stage: 16 K rows, then 16 V rows,
 * of d/8 16-byte chunks each; q's fragments follow the ring. A part is filled by its warp ({@link #copyStep}: sparse
 * rows, the persistent kernel) or by the whole block, which copies a step's 64 rows together ({@link #copyBlockStep}:
 * dense and layer 0). Kernels call these helpers, which the compiler inlines.
 */
final class MmaRing {
    private MmaRing() {
    }

    /** Word index of a lane's four words of q fragment group {@code i} (k-steps 2i, 2i+1), {@code half} 0 hi, 1 lo. */
    static int qIndex(int qWords, int i, int half, int lane) {
        return qWords + ((2 * i + half) * KernelContext.WARP_SIZE + lane) * 4;
    }

    /** Word index where a warp's part of a ring stage starts: 16 K rows, then the lanes' V chunks. */
    static int stageBase(int headDim, int stages, int warp, int stage) {
        return (warp * stages + stage) * (KernelContext.WARP_SIZE * MmaDecodeKernel.chunksPerLane(headDim) * 4);
    }

    /**
     * Word index of chunk {@code chunk} of the warp's K row {@code row} (0..15) in the ring. Rows are stored whole,
     * chunks XOR-swizzled by the row's parity ({@code chunk ^ 4 (row & 1)}) so that the 8 lanes of a 16-byte
     * shared load phase (rows g, g+1, chunks 4i + t) hit 8 different bank quads.
     */
    static int kRingIndex(int headDim, int stages, int warp, int stage, int row, int chunk) {
        return stageBase(headDim, stages, warp, stage) + (row * (headDim / 8) + (chunk ^ ((row & 1) << 2))) * 4;
    }

    /**
     * Word index of chunk {@code chunk} of the warp's V row {@code row} in the ring, after its 16 K rows; chunks
     * swizzled as {@code chunk ^ (row & 7)}, so that the 8 rows an {@code ldmatrix} phase reads (8 consecutive keys,
     * one logical chunk) hit 8 different bank quads, and a copy phase (8 chunks of one row) still one 128-byte line.
     */
    static int vRingIndex(int headDim, int stages, int warp, int stage, int row, int chunk) {
        return stageBase(headDim, stages, warp, stage) + MmaDecodeKernel.WARP_KEYS * headDim / 2
                + (row * (headDim / 8) + (chunk ^ (row & 7))) * 4;
    }

    /**
     * {@link #kRingIndex} of lane (g, t)'s B fragment chunk {@code 4i + t} of key row {@code 8j + g}, written so that
     * only {@code stageBase} and the lane's own terms vary at run time ({@code i} and {@code j} are unrolled
     * constants): the swizzle {@code (4i + t) ^ 4p} with p = g & 1 is {@code 4i + t + 4p} for even i and
     * {@code 4i + t - 4p} for odd i. Equal to kRingIndex for every lane (MmaDecodeKernelTest).
     */
    static int kFragmentIndex(int headDim, int stageBase, int g, int t, int i, int j) {
        int p = g & 1;
        int laneWords = (g * (headDim / 8) + t) * 4 + ((i & 1) == 0 ? 16 * p : -16 * p);
        return stageBase + laneWords + (8 * j * (headDim / 8) + 4 * i) * 4;
    }

    /**
     * {@link #vRingIndex} of the V row lane l gives to {@code ldmatrixX4Trans} for dims 16i .. 16i + 15: matrix m = l >> 3
     * is keys 8 (m & 1) .. + 7 of chunk 2i + (m >> 1), and the lane gives its row l & 7, key (l & 7) + 8 (m & 1).
     * Equal to vRingIndex (MmaDecodeKernelTest).
     */
    static int vLdmatrixIndex(int headDim, int stageBase, int lane, int i) {
        int m = lane >> 3;
        int key = (lane & 7) + 8 * (m & 1);
        int chunk = 2 * i + (m >> 1);
        return stageBase + MmaDecodeKernel.WARP_KEYS * headDim / 2 + (key * (headDim / 8) + (chunk ^ (lane & 7))) * 4;
    }

    /** Zeroes V rows {@code firstDead .. 15} of the warp's part of ring stage {@code stage} (all lanes share it). */
    static void zeroRowsPastEnd(int[] smem, int headDim, int stages, int warp, int stage, int firstDead, int lane) {
        int rowChunks = headDim / 8;
        for (int u = lane; u < MmaDecodeKernel.WARP_KEYS * rowChunks; u += KernelContext.WARP_SIZE) {
            int row = u / rowChunks;
            if (row >= firstDead) {
                int at = vRingIndex(headDim, stages, warp, stage, row, u - row * rowChunks);
                for (int w = 0; w < KernelContext.unroll(4); w++) {
                    smem[at + w] = 0;
                }
            }
        }
    }

    /**
     * Copies the K and V rows of a warp's step (keys warpBase .. warpBase + 15; past {@code end} the last row again;
     * sparse: the cache rows in {@code gather}) into ring stage {@code stage}, row by row: d/8 lanes per 2d-byte
     * row, so every 8-lane phase of a copy is one whole 128-byte line (lanes that split lines made L2 fetch sectors
     * twice: measured, docs/gpu-decode.md). Commits them as one group. K and V copies alternate per 512 bytes: K's
     * copies first, or K and V in groups of 2 or 4, or one K and one V row per copy, all measured slower (H200, batch
     * 64: 0.3-0.5% at 32K, 1.7-6% at 128K; benchmarks/results/h200-2026-11-29-seventh-session/).
     *
     * <p>Dense steps wholly inside the cache take a path whose copy addresses are constants apart (two instructions
     * per copy pair instead of about twenty in the clamped loop): same call, dense 1.879-1.884 vs 1.887-1.891 ms at
     * 32K and 7.375-7.384 vs 7.383-7.387 at 128K; registers 148 -> 126.
     */
    static void copyStep(KernelContext ctx, int[] smem, I32Buffer kCache, I32Buffer vCache, long rowBase,
                         int warpBase, int end, int capacity, int headDim, int stages, int warp, int stage,
                         int lane, boolean sparse, int[] gather) {
        int rowChunks = headDim / 8;
        int rowsPerCopy = KernelContext.WARP_SIZE / rowChunks; // 2 (d 128) or 4 (d 64): even
        int laneRow = lane / rowChunks; // copy m covers rows m * rowsPerCopy + laneRow, chunk `chunk` of each
        int chunk = lane - laneRow * rowChunks;
        int live = end < capacity ? end : capacity;
        if (!sparse && warpBase >= 0 && warpBase + MmaDecodeKernel.WARP_KEYS <= live) {
            // Every row of the step is a key inside the cache (all steps but a row's last): the rows are consecutive
            // and need no clamp, so copy m's addresses are copy 0's plus constants, and K's swizzle (row parity) is
            // the same for every m. This keeps the copies' address arithmetic out of the loop's instruction stream.
            long word = (rowBase + warpBase + laneRow) * (headDim / 2) + 4 * chunk;
            int kIndex = kRingIndex(headDim, stages, warp, stage, laneRow, chunk);
            // V's swizzle of row m * rowsPerCopy + laneRow is (laneRow + m * rowsPerCopy) & 7: four values (rowsPerCopy
            // is 2 or 4), repeating every 4 copies at most, each folded into a first index once.
            int vRowIndex = stageBase(headDim, stages, warp, stage) + MmaDecodeKernel.WARP_KEYS * headDim / 2
                    + laneRow * rowChunks * 4;
            int[] vFirst = new int[4];
            for (int j = 0; j < KernelContext.unroll(4); j++) {
                vFirst[j] = vRowIndex + (chunk ^ ((laneRow + j * rowsPerCopy) & 7)) * 4;
            }
            for (int m = 0; m < KernelContext.unroll(headDim / 16); m++) {
                long at = word + (long) m * rowsPerCopy * (headDim / 2);
                int rowOffset = m * rowsPerCopy * rowChunks * 4;
                ctx.cpAsync16(smem, kIndex + rowOffset, kCache, at);
                ctx.cpAsync16(smem, vFirst[m & 3] + rowOffset, vCache, at);
            }
            ctx.cpAsyncCommit();
            return;
        }
        for (int m = 0; m < KernelContext.unroll(headDim / 16); m++) {
            int row = m * rowsPerCopy + laneRow;
            int key = warpBase + row;
            int cacheRow = insideCache(sparse ? gather[m] : (key < end ? key : end - 1), capacity);
            long word = (rowBase + cacheRow) * (headDim / 2) + 4 * chunk;
            ctx.cpAsync16(smem, kRingIndex(headDim, stages, warp, stage, row, chunk), kCache, word);
            ctx.cpAsync16(smem, vRingIndex(headDim, stages, warp, stage, row, chunk), vCache, word);
        }
        ctx.cpAsyncCommit();
    }

    /**
     * Copies the K and V rows of a whole block step (keys {@code tileBase .. tileBase + 63}; past {@code end} the last
     * row again) into ring stage {@code stage}, all four warps' parts, and commits them as one group: thread
     * {@code tid} copies 16-byte chunks {@code tid + 128 m} of the step's K rows and the same of its V rows, so each
     * copy instruction of the block covers 2 KB of K or V in one piece and the block's requests stay on one region of
     * each (dense only; the stage is complete once every thread has waited for its group and met the others at a
     * barrier). Measured against each warp copying its own 16 rows ({@link #copyStep}) on the H200 (bf16, 32/8/128,
     * batch 64, same call, benchmarks/results/h200-2026-11-30-eleventh-session/): in a copy-only CUDA microbenchmark
     * (512 rows of 32K keys, two blocks per SM) 1.843-1.851 vs 1.854-1.863 ms; in this kernel, three rounds, dense
     * 1.850-1.861 vs 1.860-1.863 ms at 32K and 7.306-7.394 vs 7.341-7.344 at 128K, layer 0 2.249-2.252 vs 2.283-2.288
     * and 8.951-8.956 vs 9.084-9.090 (registers 159 -> 151).
     *
     * <p>Thread tid's chunk is {@code tid % (d/8)} of block rows {@code tid / (d/8) + m * rowsPerCopy}; those rows fall
     * in warp part {@code (m * rowsPerCopy) >> 4} at row {@code tid / (d/8) + ((m * rowsPerCopy) & 15)}, with the same
     * row parity and row mod 8 for every m, so both swizzles, and so every copy's ring index, are copy 0's plus a
     * constant, as are the cache addresses of steps wholly inside the cache.
     */
    static void copyBlockStep(KernelContext ctx, int[] smem, I32Buffer kCache, I32Buffer vCache, long rowBase,
                              int tileBase, int end, int capacity, int headDim, int stages, int stage, int tid) {
        int rowChunks = headDim / 8;
        int rowsPerCopy = MmaDecodeKernel.THREADS / rowChunks; // 8 (d 128) or 16 (d 64)
        int firstRow = tid / rowChunks;
        int chunk = tid - firstRow * rowChunks;
        int warpWords = KernelContext.WARP_SIZE * MmaDecodeKernel.chunksPerLane(headDim) * 4; // one warp's stage part
        int kIndex = kRingIndex(headDim, stages, 0, stage, firstRow, chunk);
        int vIndex = vRingIndex(headDim, stages, 0, stage, firstRow, chunk);
        int live = end < capacity ? end : capacity;
        if (tileBase >= 0 && tileBase + MmaDecodeKernel.BLOCK_KEYS <= live) {
            // every row of the step is a key inside the cache: addresses are copy 0's plus constants
            long word = (rowBase + tileBase + firstRow) * (headDim / 2) + 4 * chunk;
            for (int m = 0; m < KernelContext.unroll(MmaDecodeKernel.BLOCK_KEYS / rowsPerCopy); m++) {
                int rows = m * rowsPerCopy; // block rows past firstRow: warp part rows >> 4, row firstRow + (rows & 15)
                int offset = (rows >> 4) * stages * warpWords + (rows & 15) * rowChunks * 4;
                long at = word + (long) rows * (headDim / 2);
                ctx.cpAsync16(smem, kIndex + offset, kCache, at);
                ctx.cpAsync16(smem, vIndex + offset, vCache, at);
            }
            ctx.cpAsyncCommit();
            return;
        }
        for (int m = 0; m < KernelContext.unroll(MmaDecodeKernel.BLOCK_KEYS / rowsPerCopy); m++) {
            int rows = m * rowsPerCopy;
            int offset = (rows >> 4) * stages * warpWords + (rows & 15) * rowChunks * 4;
            // a row's last step (or one past it): clamp to the length, and to the cache for memory safety
            int key = tileBase + firstRow + rows;
            long at = (rowBase + insideCache(key < end ? key : end - 1, capacity)) * (headDim / 2) + 4 * chunk;
            ctx.cpAsync16(smem, kIndex + offset, kCache, at);
            ctx.cpAsync16(smem, vIndex + offset, vCache, at);
        }
        ctx.cpAsyncCommit();
    }

    /** {@code row} clamped to the cache's rows {@code 0 .. capacity - 1}: the copies' memory safety. */
    static int insideCache(int row, int capacity) {
        return row < 0 ? 0 : (row < capacity ? row : capacity - 1);
    }

    /** Sparse mode: the cache rows of a warp's step's copies m (keys warpBase + (32 m + lane) / (d/8)). */
    static void gatherRows(I32Buffer indices, long listBase, int warpBase, int end, int headDim, int lane,
                           int[] gather) {
        for (int m = 0; m < KernelContext.unroll(headDim / 16); m++) {
            int key = warpBase + m * (KernelContext.WARP_SIZE / (headDim / 8)) + lane / (headDim / 8);
            gather[m] = indices.get(listBase + (key < end ? key : end - 1));
        }
    }
}

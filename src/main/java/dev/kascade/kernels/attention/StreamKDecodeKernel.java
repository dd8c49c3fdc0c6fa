package dev.kascade.kernels.attention;

import dev.kascade.kernel.Const;
import dev.kascade.kernel.F32Buffer;
import dev.kascade.kernel.I32Buffer;
import dev.kascade.kernel.Kernel;
import dev.kascade.kernel.KernelContext;
import dev.kascade.kernel.ReadOnly;

/**
 * {@link MmaDecodeKernel}'s dense decode with the work balanced over one wave of blocks ("stream-K"): the
 * (sequence, head block) rows are laid end to end as one sequence of 64-key steps, and each of the launch's blocks
 * takes an equal share of it. A share is at least one row long, so it holds the tail of one row, whole rows, and the
 * head of another; a row cut between two blocks is finished by the second, which merges the first one's partial
 * (the "carry") into its own. There is no merge kernel and no second wave.
 *
 * <p>Why: with whole rows (one block per row, {@link GpuDecode}'s whole-row plan) batch 64 at 32K is 512 blocks on
 * 264 slots of two blocks per SM, so the second wave leaves 16 slots idle and every slot starts and ends a block in
 * the middle of the call; our cost per sequence was 0.7-1.0% lower at batch 66 and 33, whose rows fill their waves
 * exactly (H200, docs/gpu-decode.md). Here 264 blocks each take 512 x 512 / 264 steps. Measured, that shape came
 * out level with whole rows (so the waves were not the gap to cuDNN there), 0.8% slower at 16K, and 0.3-0.8% faster
 * than the plans it replaces at batch 64 from 64K up and at batch 128, where {@link GpuDecode#usesStreamK} takes it.
 *
 * <p>The carry, without a wait that could deadlock: a block learns its place from a ticket ({@code tickets[0]}, drawn
 * when it starts), so every block with a lower ticket has already started, whatever the hardware's order. Block j
 * computes the head of its last row (the part block j + 1 finishes) first, publishes it (stores, fence, barrier, an
 * atomic on {@code carryFlags[row]}) and only then its other rows; the tail of its first row comes last and is merged
 * with block j - 1's carry, which block j - 1, already running, publishes before it waits for anything. So every wait
 * ends, on any number of resident blocks, and in practice it never waits (the carry was written a row's time
 * earlier). The launch's last ticket resets {@code tickets[0]} and each reader resets its flag, so both are zero again
 * for the next launch (fresh buffers are zero).
 */
public final class StreamKDecodeKernel {
    private StreamKDecodeKernel() {
    }

    /** Threads per block: {@link MmaDecodeKernel}'s four warps. */
    public static final int THREADS = MmaDecodeKernel.THREADS;
    /**
     * Blocks per SM the registers allow ({@code minBlocksPerSm}: up to 255 registers). Capped at 168 for three
     * blocks, the kernel spilled (24-40 bytes, ptxas for sm_90); three ring stages fit only two blocks anyway.
     */
    public static final int MAX_BLOCKS_PER_SM = 2;

    /** Segment kinds of a block's share. */
    private static final int WHOLE = 0;
    private static final int CARRY = 1;
    private static final int MERGE = 2;

    /** Dynamic shared memory of a launch: {@link MmaDecodeKernel}'s ring and q fragments, then the ticket. */
    public static int dynamicSharedBytes(int headDim, int stages) {
        return MmaDecodeKernel.dynamicSharedBytes(headDim, stages) + 16;
    }

    /** Blocks that fit on one SM: shared memory ({@link #dynamicSharedBytes}) and registers. */
    public static int blocksPerSm(int headDim, int stages) {
        return Math.min(MAX_BLOCKS_PER_SM, MmaDecodeKernel.residentBlocks(dynamicSharedBytes(headDim, stages)));
    }

    /*
     * Thread layout: a 1-D grid of at most `rows` blocks (GpuDecode sizes it to the resident slots); 128 threads = 4
     * warps, each warp, lane and mma fragment exactly as in MmaDecodeKernel.decodeMma (warp w takes keys 16w .. 16w + 15
     * of each 64-key step, steps contiguous). Row r = (sequence b, head block) = b * headBlocks + headBlock; step s of
     * row r is element r * rowSteps + s of the launch's sequence, and ticket j takes [j T / grid, (j + 1) T / grid).
     * Memory traffic: as decodeMma per key (2d bytes of K and 2d of V, 16-byte cp.async.cg copies of whole rows); per
     * segment one q row per head; per cut row one carry row per head written, then read back from L2 by the next block
     * (d floats and an LSE per head), and two atomics on its flag; one ticket atomic per block.
     * Algorithm: per segment (carried head, whole rows, merged tail, in that order) MmaDecodeKernel.attendRange (the
     * cp.async ring's fill, then per step copies two steps ahead and the mma step), the warps' states through ring
     * stage 0, and MmaDecodeKernel.mergeWarps into the output and LSE rows (a carried head: the carry rows; a merged
     * tail: with the carry of the block before, after its flag is seen).
     */
    @Kernel(maxThreads = THREADS, minBlocksPerSm = MAX_BLOCKS_PER_SM)
    public static void decodeStreamK(KernelContext ctx,
                                     @ReadOnly F32Buffer q, @ReadOnly I32Buffer kCache, @ReadOnly I32Buffer vCache,
                                     @ReadOnly I32Buffer keyCounts, I32Buffer tickets, I32Buffer carryFlags,
                                     F32Buffer out, F32Buffer outLse, F32Buffer carryOut, F32Buffer carryLse,
                                     int batch, int kvHeads, int groupParts, int capacity, int rowSteps,
                                     float qScale,
                                     @Const int headDim, @Const int blockHeads, @Const boolean kvBf16,
                                     @Const int stages) {
        EarlyLaunch.begin(ctx); // before any global memory access (GpuDecode.chained)
        int tid = ctx.threadIdx();
        int lane = ctx.laneId();
        int warp = ctx.warpId();
        int g = lane >> 2;
        boolean rowValid = g < blockHeads;
        int headBlocks = kvHeads * groupParts;
        int qHeads = headBlocks * blockHeads;
        int grid = ctx.gridDim();
        int[] smem = ctx.dynamicSharedI32();
        int ticketAt = MmaDecodeKernel.dynamicSharedBytes(headDim, stages) / 4;

        if (tid == 0) {
            smem[ticketAt] = draw(tickets, grid);
        }
        ctx.barrier();
        int ticket = smem[ticketAt];

        // The block's share [begin, end) of the rows' steps, and its segments.
        long total = (long) batch * headBlocks * rowSteps;
        long begin = total * ticket / grid;
        long end = total * (ticket + 1) / grid;
        int firstRow = (int) (begin / rowSteps);
        int firstStep = (int) (begin - (long) firstRow * rowSteps);
        int lastRow = (int) ((end - 1) / rowSteps);
        int lastStep = (int) (end - (long) lastRow * rowSteps); // exclusive
        int carried = lastStep < rowSteps ? 1 : 0; // the last row's head: block ticket + 1 finishes that row
        int merged = firstStep > 0 ? 1 : 0; // the first row's tail: finishes the row block ticket - 1 began
        int wholeFirst = firstRow + merged;
        int wholeRows = lastRow - carried - wholeFirst + 1;
        int segments = carried + wholeRows + merged;

        float[] acc = new float[headDim / 4];
        float[] state = new float[2];
        for (int seg = 0; seg < segments; seg++) {
            int kind = seg < carried ? CARRY : seg < carried + wholeRows ? WHOLE : MERGE;
            int row = kind == CARRY ? lastRow : kind == WHOLE ? wholeFirst + seg - carried : firstRow;
            int from = kind == MERGE ? firstStep : 0;
            int to = kind == CARRY ? lastStep : rowSteps;
            int b = row / headBlocks;
            int headBlock = row - b * headBlocks;
            int firstHead = headBlock * blockHeads;
            int stop = Math.min(to * MmaDecodeKernel.BLOCK_KEYS, keyCounts.get(b));
            long rowBase = ((long) b * kvHeads + headBlock / groupParts) * capacity;
            long qBase = ((long) b * qHeads + firstHead + (rowValid ? g : 0)) * headDim;
            // A merged tail may hold no key (the sequence ends before it): then acc and state stay empty.
            // (no logits written, no index list: `out` and keyCounts stand in for the unused buffers)
            MmaDecodeKernel.attendRange(ctx, smem, q, kCache, vCache, keyCounts, out, rowBase, 0L, qBase, 0L,
                    from * MmaDecodeKernel.BLOCK_KEYS, stop, MmaDecodeKernel.BLOCK_KEYS, capacity, 0, qScale, headDim,
                    blockHeads, kvBf16, false, false, stages, acc, state);

            // The warps' states through their parts of ring stage 0 (every warp is done with the ring).
            ctx.barrier();
            MmaDecodeKernel.stashWarp(ctx, smem, headDim, stages, blockHeads, warp, 0, lane, rowValid, acc, state);
            ctx.barrier();
            long firstOut = (long) b * qHeads + firstHead;
            if (kind == CARRY) {
                MmaDecodeKernel.mergeWarps(ctx, smem, headDim, stages, blockHeads, 0, carryOut, carryLse, firstOut, 1);
                ctx.threadFence(); // this thread's carry stores, before the flag
                ctx.barrier();
                if (tid == 0) {
                    carryFlags.atomicAdd(row, 1);
                }
            } else {
                if (kind == MERGE) {
                    if (tid == 0) {
                        while (carryFlags.atomicAdd(row, 0) == 0) {
                            ctx.nanosleep(200);
                        }
                        carryFlags.set(row, 0); // read: zero again for the next launch
                        ctx.threadFence(); // the flag seen, before the carry's loads
                    }
                    ctx.barrier();
                }
                MmaDecodeKernel.mergeWarps(ctx, smem, headDim, stages, blockHeads, 0, out, outLse, firstOut, 1,
                        carryOut, carryLse, firstOut, kind == MERGE);
            }
            ctx.barrier(); // the next segment's copies refill ring stage 0
        }
    }

    /** Thread 0's ticket: the block's place in the order of starts. The launch's last ticket resets the counter. */
    static int draw(I32Buffer tickets, int grid) {
        int ticket = tickets.atomicAdd(0, 1);
        if (ticket == grid - 1) {
            tickets.set(0, 0);
        }
        return ticket;
    }
}

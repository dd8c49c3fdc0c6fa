package dev.kascade.kernels.attention;

import dev.kascade.kernel.Const;
import dev.kascade.kernel.F32Buffer;
import dev.kascade.kernel.I32Buffer;
import dev.kascade.kernel.Kernel;
import dev.kascade.kernel.KernelContext;
import dev.kascade.kernel.ReadOnly;

/**
 * {@link MmaDecodeKernel}'s dense and layer-0 decode on a persistent grid: as many blocks as fit on the GPU at once,
 * each taking work items (sequence, head block, split) one after another, with its {@code cp.async} ring running on
 * from one item into the next. The items, their strided splits, the partial rows and LSEs are exactly those of
 * {@link MmaDecodeKernel#decodeMma}, so {@link LseMergeKernel} and the top-k after it are unchanged.
 *
 * <p>Why it was tried: at 32K a block of the plain grid lives about 70 steps, and each block pays a start (its first
 * copies' round trip, q staged) and an end (its last step computed with nothing in flight, then the warps' merge) with
 * its slot idle; on the H200 (bf16, 32/8/128, batch 64) our 32K call cost about 40 us more than a quarter of the 128K
 * one (docs/gpu-decode.md, "Where the 32K gap is"). Here a block's next item's first copies, and its q, are on their
 * way while it finishes the current one, so only the launch's first fill waits.
 *
 * <p>Measured, it is not faster, so {@link SplitTuning#DEFAULT} leaves it off ({@code -Dkascade.decode.persistent=true}
 * switches it on). Same calls, block grid vs persistent, dense ms: 32K 1.929-1.934 vs 1.953-1.956 and 1.929-1.931 vs
 * 1.947-1.948; 128K 7.570-7.582 vs 7.707-7.740 and 7.552-7.553 vs 7.614-7.692; with 13 splits instead of 7 (shorter
 * items, a shorter tail) 1.937 and 7.586-7.592. The fixed cost of the 32K call is therefore not the blocks' starts and
 * ends. Correct on the H200 all the same: decode-check 10/10 (two and three stages), memcheck and racecheck clean.
 *
 * <p>Work items are handed out dynamically, like the hardware's block scheduler hands out blocks: block c starts with
 * item c; thread 0 draws the next one ({@code atom.global.add} on {@code tickets[0]}) a whole item ahead, and the
 * block moves to it when its copies get there. Each launch makes exactly {@code items} draws (every block's last draw
 * finds no item left), so the last draw resets the counter to 0 for the next launch: {@code tickets} must be 0 before
 * the first launch (fresh buffers are) and belongs to one decoder. Only a launch that dies half-way leaves it
 * elsewhere, and on a GPU that is a sticky CUDA error that fails every later call of the context loudly. The grid
 * must not exceed the item count.
 */
public final class PersistentDecodeKernel {
    private PersistentDecodeKernel() {
    }

    /** Threads per block: {@link MmaDecodeKernel}'s four warps. */
    public static final int THREADS = MmaDecodeKernel.THREADS;
    /** Item ids published in shared memory: the copy cursor runs at most two items ahead of the compute cursor. */
    static final int ID_SLOTS = 4;
    /** Blocks per SM the registers allow ({@code minBlocksPerSm} of the kernel: at most 168 registers). */
    public static final int MAX_BLOCKS_PER_SM = MmaDecodeKernel.MAX_BLOCKS_PER_SM;

    /**
     * Dynamic shared memory of a launch: {@link MmaDecodeKernel}'s ring and q fragments, then {@code stages} slots of
     * raw q rows (an item's q arrives with its first step's copies: f32, blockHeads x d), then the item ids.
     */
    public static int dynamicSharedBytes(int headDim, int blockHeads, int stages) {
        return MmaDecodeKernel.dynamicSharedBytes(headDim, stages) + stages * blockHeads * headDim * 4 + ID_SLOTS * 4;
    }

    /** Blocks that fit on one SM: shared memory ({@link #dynamicSharedBytes}) and registers. */
    public static int blocksPerSm(int headDim, int blockHeads, int stages) {
        return MmaDecodeKernel.residentBlocks(dynamicSharedBytes(headDim, blockHeads, stages));
    }

    /*
     * Thread layout: a 1-D grid of persistent blocks (at most the items); 128 threads = 4 warps, each warp, lane and
     * mma fragment exactly as in MmaDecodeKernel.decodeMma (warp w takes keys 16w .. 16w + 15 of each 64-key step).
     * Item i = (b, head block, split), split fastest (the order the plain grid's blocks start in, so the items running
     * at once read neighbouring memory); split s of a row takes the steps s, s + numSplits, ... (strided splits).
     * Memory traffic: as decodeMma per key (2d bytes of K and 2d of V, 16-byte cp.async.cg copies of whole rows), plus
     * per item its q rows (blockHeads x d floats, cp.async) and one 4-byte atomic; one partial row per head and item.
     * Algorithm: two cursors walk the block's sequence of steps (each item: its steps below the sequence's length, at
     * least one): the copy cursor stages - 1 steps ahead, issuing one commit group per step (an empty group once it has
     * no item left, so every step's wait counts the same), and the compute cursor, which runs MmaDecodeKernel's step.
     * When the copy cursor leaves an item, thread 0 publishes the drawn next item in a shared slot (barrier) and draws
     * another; the new item's first copies go out before its length is known (rows clamped to the capacity, masked in
     * the step: p = 0 and V's words read as zero), with its raw q in the same group. When the compute cursor reaches an item's first
     * step, warp 0 turns the raw q into fragments (between two barriers); after an item's last step the warps' states
     * are merged through the ring stage that step read (free until the next copy, behind a barrier) into the item's
     * partial rows, and the cursor reads the next item from its slot.
     */
    @Kernel(maxThreads = THREADS, minBlocksPerSm = MAX_BLOCKS_PER_SM)
    public static void decodePersistent(KernelContext ctx,
                                        @ReadOnly F32Buffer q, @ReadOnly I32Buffer kCache, @ReadOnly I32Buffer vCache,
                                        @ReadOnly I32Buffer keyCounts, I32Buffer tickets,
                                        F32Buffer partialOut, F32Buffer partialLse, F32Buffer logits,
                                        int batch, int kvHeads, int groupParts, int capacity, int numSplits,
                                        int logitsStride, float qScale,
                                        @Const int headDim, @Const int blockHeads, @Const boolean kvBf16,
                                        @Const boolean writeLogits, @Const int stages) {
        EarlyLaunch.begin(ctx); // before any global memory access (GpuDecode.chained)
        int tid = ctx.threadIdx();
        int lane = ctx.laneId();
        int warp = ctx.warpId();
        int g = lane >> 2;
        int t = lane & 3;
        boolean rowValid = g < blockHeads;
        int headBlocks = kvHeads * groupParts;
        int qHeads = headBlocks * blockHeads;
        int perSequence = headBlocks * numSplits;
        int items = batch * perSequence;
        int grid = ctx.gridDim();
        int[] smem = ctx.dynamicSharedI32();
        int qWords = stages * MmaDecodeKernel.ringStageBytes(headDim) / 4;
        int rawQ = qWords + KernelContext.WARP_SIZE * (headDim / 4);
        int rawQWords = blockHeads * headDim;
        int idAt = rawQ + stages * rawQWords;
        int lead = stages - 1;
        int step = numSplits * MmaDecodeKernel.BLOCK_KEYS;
        int[] noRows = new int[8]; // copyStep's gathered rows: unused (dense)
        int[] noFragments = new int[4]; // attendStep's held q fragments: unused (q is read from shared memory per item)

        int drawn = 0; // thread 0: the item after the copy cursor's current one
        if (tid == 0) {
            drawn = draw(tickets, grid, items);
        }

        // The copy cursor: item cItem (the cCount-th of this block), next step cTile, the sequence's length cLen.
        int cCount = 0;
        int cItem = ctx.blockIdx();
        int cB = itemSequence(cItem, perSequence);
        int cHeadBlock = itemHeadBlock(cItem, numSplits, cB, headBlocks);
        int cTile = itemSplit(cItem, numSplits) * MmaDecodeKernel.BLOCK_KEYS;
        int cLen = keyCounts.get(cB);
        long cRowBase = ((long) cB * kvHeads + cHeadBlock / groupParts) * capacity;
        boolean cFirst = true;
        int cStage = 0;

        // The compute cursor: item kItem (the kCount-th), its first step kStart, next step kTile.
        int kCount = 0;
        int kItem = cItem;
        int kB = cB;
        int kHeadBlock = cHeadBlock;
        int kSplit = itemSplit(cItem, numSplits);
        int kStart = cTile;
        int kTile = kStart;
        int kLen = cLen;
        int kStage = 0;

        float[] acc = new float[headDim / 4];
        for (int i = 0; i < KernelContext.unroll(headDim / 4); i++) {
            acc[i] = 0f;
        }
        float[] state = new float[2];
        state[0] = SplitDecodeKernel.EMPTY_MAX;
        state[1] = 0f;

        for (int n = 0; kItem < items; n++) {
            // 1. The copy cursor: the step `lead` steps ahead of the compute cursor's, into the stage it read last.
            ctx.syncWarp(); // other lanes read this stage in the previous step
            if (cItem < items && !cFirst && cTile >= cLen) {
                // Leave the item: publish the drawn one (the compute cursor reads it from the same slot later).
                if (tid == 0) {
                    smem[idAt + ((cCount + 1) & (ID_SLOTS - 1))] = drawn;
                }
                ctx.barrier();
                cCount++;
                cItem = smem[idAt + (cCount & (ID_SLOTS - 1))];
                if (cItem < items) {
                    // (thread 0's draw comes first: values assigned after a thread-dependent branch, in the same
                    // block, would look thread-dependent to the compiler's uniformity check)
                    if (tid == 0) {
                        drawn = draw(tickets, grid, items);
                    }
                    cB = itemSequence(cItem, perSequence);
                    cHeadBlock = itemHeadBlock(cItem, numSplits, cB, headBlocks);
                    cTile = itemSplit(cItem, numSplits) * MmaDecodeKernel.BLOCK_KEYS;
                    cLen = keyCounts.get(cB); // first used a step later (the first copies clamp to the capacity)
                    cRowBase = ((long) cB * kvHeads + cHeadBlock / groupParts) * capacity;
                    cFirst = true;
                }
            }
            if (cItem < items) {
                if (cFirst) { // the item's q rows ride in its first step's group
                    long qRow = ((long) cB * qHeads + cHeadBlock * blockHeads) * headDim;
                    int slot = rawQ + (cCount % stages) * rawQWords;
                    for (int u = 0; u < KernelContext.unroll((rawQWords / 4 + THREADS - 1) / THREADS); u++) {
                        int chunk = tid + u * THREADS;
                        if (chunk < rawQWords / 4) {
                            ctx.cpAsync16(smem, slot + 4 * chunk, q, qRow + 4L * chunk);
                        }
                    }
                }
                MmaRing.copyStep(ctx, smem, kCache, vCache, cRowBase, cTile + warp * MmaDecodeKernel.WARP_KEYS,
                        cFirst ? capacity : cLen, capacity, headDim, stages, warp, cStage, lane, false, noRows);
                cFirst = false;
                cTile += step;
            } else {
                ctx.cpAsyncCommit(); // an empty group: the waits below count one group per step
            }
            cStage = cStage == stages - 1 ? 0 : cStage + 1;

            if (n >= lead) {
                // 2. The compute cursor: its step's group has landed (all but the `lead` newest).
                ctx.cpAsyncWait(stages - 1);
                if (kTile == kStart) {
                    ctx.barrier(); // every thread's raw q chunks have landed; every warp is done with the last q
                    if (warp == 0) {
                        int raw = rawQ + (kCount % stages) * rawQWords + (rowValid ? g : 0) * headDim;
                        for (int i = 0; i < KernelContext.unroll(headDim / 32); i++) {
                            for (int w = 0; w < KernelContext.unroll(4); w++) {
                                int dim = 8 * (4 * i + t) + 2 * w;
                                float x0 = rowValid ? Float.intBitsToFloat(smem[raw + dim]) * qScale : 0f;
                                float x1 = rowValid ? Float.intBitsToFloat(smem[raw + dim + 1]) * qScale : 0f;
                                MmaDecodeKernel.stageQ(smem, qWords, i, w, lane, kvBf16, x0, x1);
                            }
                        }
                    }
                    ctx.barrier();
                } else {
                    ctx.syncWarp(); // every lane's copies of this stage have landed
                }
                long logitsRow = ((long) kB * qHeads + kHeadBlock * blockHeads + g) * logitsStride;
                MmaDecodeKernel.attendStep(ctx, smem, logits, logitsRow, qWords, kStage,
                        kTile + warp * MmaDecodeKernel.WARP_KEYS, kLen, headDim, stages, kvBf16, writeLogits, rowValid,
                        true, false, noFragments, warp, lane, acc, state);
                kTile += step;
                if (kTile >= kLen) {
                    // 3. The item's last step: its partial rows (none when the sequence ends before the item's first
                    // key: the merge skips that split), then the next item.
                    if (kStart < kLen) {
                        ctx.syncWarp(); // the warp's lanes are done with its part of this stage
                        MmaDecodeKernel.stashWarp(ctx, smem, headDim, stages, blockHeads, warp, kStage, lane, rowValid,
                                acc, state);
                        ctx.barrier();
                        MmaDecodeKernel.mergeWarps(ctx, smem, headDim, stages, blockHeads, kStage, partialOut,
                                partialLse, ((long) kB * qHeads + kHeadBlock * blockHeads) * numSplits + kSplit,
                                numSplits);
                        ctx.barrier(); // the next step's copies refill this stage
                    }
                    kCount++;
                    kItem = smem[idAt + (kCount & (ID_SLOTS - 1))]; // published: the copy cursor is past it
                    if (kItem < items) {
                        kB = itemSequence(kItem, perSequence);
                        kHeadBlock = itemHeadBlock(kItem, numSplits, kB, headBlocks);
                        kSplit = itemSplit(kItem, numSplits);
                        kStart = kSplit * MmaDecodeKernel.BLOCK_KEYS;
                        kTile = kStart;
                        kLen = keyCounts.get(kB);
                    }
                    for (int i = 0; i < KernelContext.unroll(headDim / 4); i++) {
                        acc[i] = 0f;
                    }
                    state[0] = SplitDecodeKernel.EMPTY_MAX;
                    state[1] = 0f;
                }
                kStage = kStage == stages - 1 ? 0 : kStage + 1;
            }
        }
        ctx.cpAsyncWait(0); // nothing real is in flight (the copy cursor ran out first), but leave no group behind
    }

    /** The sequence of work item {@code item} (items are sequence-major, then head block, then split). */
    static int itemSequence(int item, int perSequence) {
        return item / perSequence;
    }

    /**
     * The head block (KV head x part of its query group) of work item {@code item} of sequence {@code sequence}. (Written
     * with the division the other item helpers share, not {@code %}: remainders cost ptxas 128 more instructions here.)
     */
    static int itemHeadBlock(int item, int numSplits, int sequence, int headBlocks) {
        return item / numSplits - sequence * headBlocks;
    }

    /** The strided split of work item {@code item}. */
    static int itemSplit(int item, int numSplits) {
        return item - item / numSplits * numSplits;
    }

    /**
     * Thread 0's draw of its block's next item: {@code grid + ticket}, no item when at least {@code items}. A launch
     * makes {@code items} draws in all, so the one that gets the last ticket resets the counter for the next launch.
     */
    static int draw(I32Buffer tickets, int grid, int items) {
        int ticket = tickets.atomicAdd(0, 1);
        if (ticket == items - 1) {
            tickets.set(0, 0);
        }
        return grid + ticket;
    }
}

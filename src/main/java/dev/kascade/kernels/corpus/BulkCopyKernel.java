package dev.kascade.kernels.corpus;

import dev.kascade.kernel.I32Buffer;
import dev.kascade.kernel.Kernel;
import dev.kascade.kernel.KernelContext;
import dev.kascade.kernel.ReadOnly;

/**
 * Double-buffered tile copy through the copy engine ({@code cp.async.bulk}), completed on transaction barriers
 * ({@code mbarrier}): the bulk-copy intrinsics of sm_90.
 */
public final class BulkCopyKernel {
    /** Threads per block. */
    public static final int THREADS = 128;
    /** Rows per tile: one bulk copy each, issued by the lanes of warp 0. */
    public static final int ROWS = 32;
    /** Words per row (256 bytes). */
    public static final int ROW_WORDS = 64;
    /** Words per tile. */
    public static final int TILE_WORDS = ROWS * ROW_WORDS;

    private BulkCopyKernel() {
    }

    /*
     * out tile i = in tile i with its 32 rows in reverse order (row r of the output is row 31 - r of the input), for
     * tiles of 32 rows of 256 bytes. Thread layout: 1-D grid striding over the tiles, 128 threads; lane r of warp 0
     * copies row r of a tile into shared memory; thread t then writes 16 output words (a quarter of output row t / 4)
     * from the shared row that some other lane copied.
     * Memory traffic: 8 KB read per tile by 32 bulk copies of 256 bytes, 8 KB written by 16-byte stores; 2 x 8 KB
     * shared ring and one 8-byte barrier per stage.
     * Algorithm: thread 0 sets up the two stages' barriers (one arrival each), then a block barrier. Each tile's copies
     * go out into the other stage before the current tile is read: lane 0 announces the tile's 8192 bytes on that
     * stage's barrier (mbarrier.arrive.expect_tx) and every lane of warp 0 issues its row; every thread waits for the
     * current stage's phase (mbarrier.try_wait.parity; a stage's n-th fill is phase n, parity n % 2), reads, and a
     * block barrier keeps a stage from being refilled while it is still read.
     */
    @Kernel
    public static void reverseRows(KernelContext ctx, @ReadOnly I32Buffer in, I32Buffer out, int tiles) {
        int[] ring = ctx.sharedI32(2 * TILE_WORDS + 4); // two stages, then two barriers of two words
        int[] w = new int[4];
        int t = ctx.threadIdx();
        if (t == 0) {
            ctx.mbarrierInit(ring, barrier(0), 1);
            ctx.mbarrierInit(ring, barrier(1), 1);
        }
        ctx.barrier();
        int tile = ctx.blockIdx();
        int stride = ctx.gridDim();
        if (tile < tiles) {
            copyTile(ctx, ring, in, tile, 0, t);
        }
        int filled = 0; // tiles read so far: tile n is in stage n % 2, that stage's fill n / 2
        for (; tile < tiles; tile += stride) {
            int stage = filled & 1;
            int next = tile + stride;
            if (next < tiles) {
                copyTile(ctx, ring, in, next, 1 - stage, t);
            }
            ctx.mbarrierWait(ring, barrier(stage), (filled >> 1) & 1); // the tile's 32 rows have landed
            int row = t / 4; // output row; a quarter of it per thread
            int from = stage * TILE_WORDS + (ROWS - 1 - row) * ROW_WORDS + 16 * (t & 3);
            for (int c = 0; c < KernelContext.unroll(4); c++) {
                ctx.sharedLoad4(ring, from + 4 * c, w);
                for (int k = 0; k < KernelContext.unroll(4); k++) {
                    out.set((long) tile * TILE_WORDS + 16L * t + 4 * c + k, w[k]);
                }
            }
            ctx.barrier(); // all reads of this stage are done before the next iteration refills it
            filled++;
        }
    }

    /** Warp 0 copies tile {@code tile} into ring stage {@code stage}, one row per lane, on the stage's barrier. */
    static void copyTile(KernelContext ctx, int[] ring, I32Buffer in, int tile, int stage, int t) {
        if (t < ROWS) {
            if (t == 0) {
                ctx.mbarrierArriveExpect(ring, barrier(stage), TILE_WORDS * 4);
            }
            ctx.bulkCopy(ring, stage * TILE_WORDS + t * ROW_WORDS, in, (long) tile * TILE_WORDS + (long) t * ROW_WORDS,
                    ROW_WORDS * 4, barrier(stage));
        }
    }

    /** Word index of stage {@code stage}'s barrier (8-byte aligned, after the ring). */
    static int barrier(int stage) {
        return 2 * TILE_WORDS + 2 * stage;
    }
}

package dev.kascade.kernels.corpus;

import dev.kascade.kernel.I32Buffer;
import dev.kascade.kernel.Kernel;
import dev.kascade.kernel.KernelContext;
import dev.kascade.kernel.ReadOnly;

/** Double-buffered tile copy through {@code cp.async}, with an L2 prefetch ahead: the asynchronous-copy intrinsics. */
public final class AsyncCopyKernel {
    /** Threads per block; each moves one 16-byte chunk (4 words) of a tile. */
    public static final int THREADS = 128;
    /** Words per tile: one chunk per thread. */
    public static final int TILE_WORDS = THREADS * 4;

    private AsyncCopyKernel() {
    }

    /*
     * out tile i = in tile i with its 128 chunks in reverse order (chunk c of the output is chunk 127 - c of the input),
     * for tiles of 512 words. Thread layout: 1-D grid striding over the tiles, 128 threads; thread t copies chunk t of
     * a tile into shared memory and writes output chunk t from chunk 127 - t, which another thread copied.
     * Memory traffic: 16 bytes read (cp.async.cg, L2 only) and 16 written per thread and tile; 2 x 2 KB shared ring.
     * Thread 0 also asks L2 for the tile after next (cp.async.bulk.prefetch.L2, a hint).
     * Algorithm: the next tile's copy is issued into the other stage before the current tile is read back
     * (cp.async.commit_group per tile, cp.async.wait_group 1 for the older one), then a barrier makes every thread's
     * chunks visible to the others, and a second barrier keeps a stage from being refilled while it is still read.
     */
    @Kernel
    public static void reverseChunks(KernelContext ctx, @ReadOnly I32Buffer in, I32Buffer out, int tiles) {
        int[] ring = ctx.sharedI32(2 * TILE_WORDS);
        int[] w = new int[4];
        int t = ctx.threadIdx();
        int tile = ctx.blockIdx();
        int stride = ctx.gridDim();
        if (tile < tiles) {
            ctx.cpAsync16(ring, 4 * t, in, (long) tile * TILE_WORDS + 4L * t);
        }
        ctx.cpAsyncCommit();
        int stage = 0;
        for (; tile < tiles; tile += stride) {
            int next = tile + stride;
            if (next < tiles) {
                ctx.cpAsync16(ring, (1 - stage) * TILE_WORDS + 4 * t, in, (long) next * TILE_WORDS + 4L * t);
            }
            if (t == 0 && next + stride < tiles) {
                ctx.prefetchL2(in, (long) (next + stride) * TILE_WORDS, TILE_WORDS * 4); // the tile after next, into L2
            }
            ctx.cpAsyncCommit();
            ctx.cpAsyncWait(1); // this thread's copy of the current tile has landed
            ctx.barrier(); // ... and every other thread's
            ctx.sharedLoad4(ring, stage * TILE_WORDS + 4 * (THREADS - 1 - t), w);
            for (int k = 0; k < KernelContext.unroll(4); k++) {
                out.set((long) tile * TILE_WORDS + 4L * t + k, w[k]);
            }
            ctx.barrier(); // all reads of this stage are done before the next iteration refills it
            stage = 1 - stage;
        }
        ctx.cpAsyncWait(0);
    }
}

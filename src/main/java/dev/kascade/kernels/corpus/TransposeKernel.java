package dev.kascade.kernels.corpus;

import dev.kascade.kernel.F32Buffer;
import dev.kascade.kernel.Kernel;
import dev.kascade.kernel.KernelContext;
import dev.kascade.kernel.ReadOnly;

/** Matrix transpose through a padded shared-memory tile. */
public final class TransposeKernel {
    /** Tile edge: one warp spans a tile row. */
    public static final int TILE = 32;
    /** Shared row pitch: one float of padding puts the 32 elements of a tile column in 32 different banks. */
    public static final int PITCH = TILE + 1;
    /** Threads per block in y; each thread moves TILE / ROWS_PER_PASS elements. */
    public static final int ROWS_PER_PASS = 8;

    private TransposeKernel() {
    }

    /*
     * out[c][r] = in[r][c] for an rows x cols row-major matrix (out is cols x rows).
     * Thread layout: grid (ceil(cols/32), ceil(rows/32)); block 32 x 8; block (bx, by) moves the 32x32 tile whose
     * top-left input element is (32*by, 32*bx); thread (tx, ty) handles tile rows ty, ty+8, ty+16, ty+24.
     * Memory traffic: 4 bytes read and 4 written per element, both coalesced (a warp reads one input row segment and
     * writes one output row segment); 32*33 floats of shared memory.
     * Algorithm: load the tile row-wise into shared memory, barrier, store it column-wise. The padding (pitch 33)
     * avoids 32-way bank conflicts on the column-wise read.
     */
    @Kernel
    public static void transpose(KernelContext ctx, @ReadOnly F32Buffer in, F32Buffer out, int rows, int cols) {
        float[] tile = ctx.sharedF32(TILE * PITCH);
        int tx = ctx.threadIdx();
        int inCol = ctx.blockIdx() * TILE + tx;
        int inRow0 = ctx.blockIdxY() * TILE;
        for (int j = ctx.threadIdxY(); j < TILE; j += ctx.blockDimY()) {
            int r = inRow0 + j;
            if (inCol < cols && r < rows) {
                tile[j * PITCH + tx] = in.get((long) r * cols + inCol);
            }
        }
        ctx.barrier();
        int outCol = ctx.blockIdxY() * TILE + tx;
        int outRow0 = ctx.blockIdx() * TILE;
        for (int j = ctx.threadIdxY(); j < TILE; j += ctx.blockDimY()) {
            int r = outRow0 + j;
            if (outCol < rows && r < cols) {
                out.set((long) r * rows + outCol, tile[tx * PITCH + j]);
            }
        }
    }
}

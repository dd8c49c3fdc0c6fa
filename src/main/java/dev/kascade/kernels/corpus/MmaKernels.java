package dev.kascade.kernels.corpus;

import dev.kascade.kernel.BF16Buffer;
import dev.kascade.kernel.F16Buffer;
import dev.kascade.kernel.F32Buffer;
import dev.kascade.kernel.Kernel;
import dev.kascade.kernel.KernelContext;
import dev.kascade.kernel.ReadOnly;

/** Small tensor-core GEMMs with mma.sync m16n8k16, fragments loaded straight from global memory. */
public final class MmaKernels {
    /** Output tile rows (m16). */
    public static final int TILE_M = 16;
    /** Output tile columns (n8). */
    public static final int TILE_N = 8;
    /** Reduction step (k16). */
    public static final int TILE_K = 16;

    private MmaKernels() {
    }

    /*
     * c[m][n] = sum_k a[m][k] * bt[n][k] with a (m x k) row-major bf16, bt (n x k) row-major bf16 (B stored
     * n-major, like the key rows of Q K^T), c (m x n) f32. m % 16 == 0, n % 8 == 0, k % 16 == 0.
     * Thread layout: one warp per 16x8 output tile, tiles numbered row-major; tile = blockIdx * (blockDim / 32) +
     * warpId. Warps past the last tile compute tile 0 again and store nothing, so every lane reaches every mma.
     * Memory traffic: per k-step each lane loads 4 + 2 32-bit words (its A and B fragments), 512 + 256 bytes per
     * warp; 16 bytes stored per lane at the end.
     * Algorithm: PTX fragment layout with g = lane / 4, t = lane % 4: A words (row g, cols 2t..2t+1),
     * (row g+8, same cols), (row g, cols 2t+8..2t+9), (row g+8, cols 2t+8..2t+9); B words (col g, k 2t..2t+1),
     * (col g, k 2t+8..2t+9); C/D (row g, cols 2t, 2t+1), (row g+8, cols 2t, 2t+1). acc = mma(A, B, acc) per k-step.
     */
    @Kernel
    public static void mmaBf16Gemm(KernelContext ctx, @ReadOnly BF16Buffer a, @ReadOnly BF16Buffer bt, F32Buffer c,
                                   int m, int n, int k) {
        int tilesN = n / TILE_N;
        int tile = ctx.blockIdx() * (ctx.blockDim() / KernelContext.WARP_SIZE) + ctx.warpId();
        boolean active = tile < (m / TILE_M) * tilesN;
        int t0 = active ? tile : 0;
        int row0 = t0 / tilesN * TILE_M;
        int col0 = t0 % tilesN * TILE_N;
        int g = ctx.laneId() >> 2;
        int t = ctx.laneId() & 3;
        int[] fa = new int[4];
        int[] fb = new int[2];
        float[] acc = new float[4];
        for (int kk = 0; kk < k; kk += TILE_K) {
            long aRow = (long) (row0 + g) * k + kk + 2 * t;
            long aRow8 = aRow + 8L * k;
            fa[0] = a.getPair(aRow);
            fa[1] = a.getPair(aRow8);
            fa[2] = a.getPair(aRow + 8);
            fa[3] = a.getPair(aRow8 + 8);
            long bCol = (long) (col0 + g) * k + kk + 2 * t;
            fb[0] = bt.getPair(bCol);
            fb[1] = bt.getPair(bCol + 8);
            ctx.mmaBf16(acc, fa, fb, acc);
        }
        if (active) {
            long c0 = (long) (row0 + g) * n + col0 + 2 * t;
            long c8 = c0 + 8L * n;
            c.set(c0, acc[0]);
            c.set(c0 + 1, acc[1]);
            c.set(c8, acc[2]);
            c.set(c8 + 1, acc[3]);
        }
    }

    /*
     * As mmaBf16Gemm with f16 inputs (mma.sync ... .f32.f16.f16.f32).
     */
    @Kernel
    public static void mmaF16Gemm(KernelContext ctx, @ReadOnly F16Buffer a, @ReadOnly F16Buffer bt, F32Buffer c,
                                  int m, int n, int k) {
        int tilesN = n / TILE_N;
        int tile = ctx.blockIdx() * (ctx.blockDim() / KernelContext.WARP_SIZE) + ctx.warpId();
        boolean active = tile < (m / TILE_M) * tilesN;
        int t0 = active ? tile : 0;
        int row0 = t0 / tilesN * TILE_M;
        int col0 = t0 % tilesN * TILE_N;
        int g = ctx.laneId() >> 2;
        int t = ctx.laneId() & 3;
        int[] fa = new int[4];
        int[] fb = new int[2];
        float[] acc = new float[4];
        for (int kk = 0; kk < k; kk += TILE_K) {
            long aRow = (long) (row0 + g) * k + kk + 2 * t;
            long aRow8 = aRow + 8L * k;
            fa[0] = a.getPair(aRow);
            fa[1] = a.getPair(aRow8);
            fa[2] = a.getPair(aRow + 8);
            fa[3] = a.getPair(aRow8 + 8);
            long bCol = (long) (col0 + g) * k + kk + 2 * t;
            fb[0] = bt.getPair(bCol);
            fb[1] = bt.getPair(bCol + 8);
            ctx.mmaF16(acc, fa, fb, acc);
        }
        if (active) {
            long c0 = (long) (row0 + g) * n + col0 + 2 * t;
            long c8 = c0 + 8L * n;
            c.set(c0, acc[0]);
            c.set(c0 + 1, acc[1]);
            c.set(c8, acc[2]);
            c.set(c8 + 1, acc[3]);
        }
    }
}

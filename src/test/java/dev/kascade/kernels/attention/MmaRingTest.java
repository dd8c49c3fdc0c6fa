package dev.kascade.kernels.attention;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.kascade.emulator.Emulator;
import dev.kascade.kernel.I32Buffer;
import dev.kascade.kernel.Kernel;
import dev.kascade.kernel.KernelContext;
import dev.kascade.kernel.LaunchConfig;
import java.lang.foreign.Arena;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * {@link MmaRing#copyBlockStep}: one block step's copies, run in the emulator, put key {@code tileBase + 16 w + r}'s K
 * and V chunks exactly where warp w's fragment reads look for row r ({@code kRingIndex}, {@code vRingIndex}), clamp
 * rows past the length to its last row and past the cache to its last row, and touch no other stage.
 */
class MmaRingTest {
    private static final Arena ARENA = Arena.ofShared();
    private static final int POISON = 0x7fc0dead;

    @Kernel
    static void copyOneBlockStep(KernelContext ctx, I32Buffer k, I32Buffer v, I32Buffer out, int tileBase, int end,
                                 int capacity, int headDim, int stages, int stage) {
        int[] smem = ctx.dynamicSharedI32();
        int words = stages * MmaDecodeKernel.ringStageBytes(headDim) / 4;
        for (int i = ctx.threadIdx(); i < words; i += MmaDecodeKernel.THREADS) {
            smem[i] = POISON;
        }
        ctx.barrier();
        MmaRing.copyBlockStep(ctx, smem, k, v, 0L, tileBase, end, capacity, headDim, stages, stage, ctx.threadIdx());
        ctx.cpAsyncWait(0);
        ctx.barrier();
        for (int i = ctx.threadIdx(); i < words; i += MmaDecodeKernel.THREADS) {
            out.set(i, smem[i]);
        }
    }

    @Test
    void blockStepCopiesEveryWarpsRowsToItsSwizzledPlace() throws ReflectiveOperationException {
        SplittableRandom rnd = new SplittableRandom(5);
        int checked = 0;
        for (int headDim : new int[] {64, 128}) {
            for (int stages = 2; stages <= 3; stages++) {
                for (int stage = 0; stage < stages; stage++) {
                    int capacity = 300;
                    // inside the cache (the constant-offset path), a row's last step, and a step past the cache's end
                    int[][] tiles = {{128, 300}, {192, 229}, {256, 400}};
                    for (int[] tile : tiles) {
                        checked += check(rnd, headDim, stages, stage, capacity, tile[0], tile[1]);
                    }
                }
            }
        }
        // per step: 64 rows x d/2 words, of K and of V; 5 (stages, stage) pairs x 3 steps per head dim
        assertEquals(15 * 64 * (64 + 128), checked, "words checked");
    }

    private static int check(SplittableRandom rnd, int headDim, int stages, int stage, int capacity, int tileBase,
                             int end) throws ReflectiveOperationException {
        int rowWords = headDim / 2;
        I32Buffer k = I32Buffer.allocate(ARENA, (long) capacity * rowWords);
        I32Buffer v = I32Buffer.allocate(ARENA, (long) capacity * rowWords);
        for (long i = 0; i < k.length(); i++) {
            k.set(i, rnd.nextInt());
            v.set(i, rnd.nextInt());
        }
        int words = stages * MmaDecodeKernel.ringStageBytes(headDim) / 4;
        I32Buffer out = I32Buffer.allocate(ARENA, words);
        Emulator.launch(MmaRingTest.class.getDeclaredMethod("copyOneBlockStep", KernelContext.class, I32Buffer.class,
                        I32Buffer.class, I32Buffer.class, int.class, int.class, int.class, int.class, int.class, int.class),
                new LaunchConfig(1, 1, 1, MmaDecodeKernel.THREADS, 1, words * 4), k, v, out, tileBase, end, capacity,
                headDim, stages, stage);
        boolean[] written = new boolean[words];
        int checked = 0;
        String where = "d " + headDim + ", stages " + stages + ", stage " + stage + ", tile " + tileBase + ", end " + end;
        for (int warp = 0; warp < MmaDecodeKernel.WARPS; warp++) {
            for (int row = 0; row < MmaDecodeKernel.WARP_KEYS; row++) {
                int key = tileBase + warp * MmaDecodeKernel.WARP_KEYS + row;
                int cacheRow = Math.min(Math.min(key, end - 1), capacity - 1);
                for (int chunk = 0; chunk < headDim / 8; chunk++) {
                    for (int w = 0; w < 4; w++) {
                        int ki = MmaRing.kRingIndex(headDim, stages, warp, stage, row, chunk) + w;
                        int vi = MmaRing.vRingIndex(headDim, stages, warp, stage, row, chunk) + w;
                        long src = (long) cacheRow * rowWords + 4 * chunk + w;
                        assertEquals(k.get(src), out.get(ki), where + ": K of warp " + warp + " row " + row);
                        assertEquals(v.get(src), out.get(vi), where + ": V of warp " + warp + " row " + row);
                        written[ki] = true;
                        written[vi] = true;
                        checked += 2;
                    }
                }
            }
        }
        for (int i = 0; i < words; i++) {
            if (!written[i]) {
                assertEquals(POISON, out.get(i), where + ": word " + i + " outside the step's rows was written");
            }
        }
        return checked;
    }
}

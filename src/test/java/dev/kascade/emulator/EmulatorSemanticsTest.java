package dev.kascade.emulator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kascade.kernel.BF16Buffer;
import dev.kascade.kernel.F32Buffer;
import dev.kascade.kernel.I32Buffer;
import dev.kascade.kernel.Kernel;
import dev.kascade.kernel.KernelContext;
import dev.kascade.kernel.LaunchConfig;
import dev.kascade.kernel.ReadOnly;
import dev.kascade.tensor.DType;
import java.lang.foreign.Arena;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The GPU semantics the emulator promises: ids, barriers, shared memory, warp collectives, mma. */
class EmulatorSemanticsTest {
    private static final Arena ARENA = Arena.ofShared();
    private final long seed = System.nanoTime();
    private final Random random = new Random(seed);

    // ---------------------------------------------------------------- geometry

    @Kernel
    static void ids(KernelContext ctx, I32Buffer out) {
        int bx = ctx.blockIdx() + ctx.gridDim() * (ctx.blockIdxY() + ctx.gridDimY() * ctx.blockIdxZ());
        int linear = ctx.threadIdx() + ctx.threadIdxY() * ctx.blockDim();
        long o = 4L * (bx * ctx.blockDim() * ctx.blockDimY() + linear);
        out.atomicAdd(o, 1);
        out.set(o + 1, ctx.laneId() + 100 * ctx.warpId());
        out.set(o + 2, ctx.globalIdx());
        out.set(o + 3, linear);
    }

    @Test
    void everyThreadOfA3dGridRunsOnceWithItsIds() {
        LaunchConfig cfg = new LaunchConfig(3, 2, 2, 16, 4, 0);
        int threads = (int) cfg.blocks() * cfg.threadsPerBlock();
        I32Buffer out = I32Buffer.allocate(ARENA, 4L * threads);
        Emulator.launch(Kernels.named(getClass(), "ids"), cfg, out);
        for (int t = 0; t < threads; t++) {
            int linear = t % 64;
            int block = t / 64;
            assertEquals(1, out.get(4L * t), "thread " + t + " ran once");
            assertEquals(linear % 32 + 100 * (linear / 32), out.get(4L * t + 1));
            assertEquals((block % 3) * 16 + linear % 16, out.get(4L * t + 2));
            assertEquals(linear, out.get(4L * t + 3));
        }
    }

    // ---------------------------------------------------------------- L2 prefetch

    @Kernel
    static void prefetchThenRead(KernelContext ctx, @ReadOnly I32Buffer in, I32Buffer out, long index, int bytes) {
        ctx.prefetchL2(in, index, bytes);
        out.set(ctx.threadIdx(), in.get(ctx.threadIdx()) + 1);
    }

    @Test
    void anL2PrefetchIsAHintThatChecksItsRange() {
        I32Buffer in = I32Buffer.allocate(ARENA, 64);
        for (int i = 0; i < 64; i++) in.set(i, random.nextInt(1000));
        java.lang.reflect.Method m = Kernels.named(getClass(), "prefetchThenRead");
        LaunchConfig cfg = LaunchConfig.of1D(1, 32);
        for (dev.kascade.kernel.KernelLauncher l : java.util.List.<dev.kascade.kernel.KernelLauncher>of(
                Emulator::launch, new dev.kascade.ptx.interp.IrInterpreter())) {
            I32Buffer out = I32Buffer.allocate(ARENA, 32);
            l.launch(m, cfg, in, out, 16L, 192); // words 16 .. 63: inside
            for (int t = 0; t < 32; t++) assertEquals(in.get(t) + 1, out.get(t), "thread " + t + ", seed " + seed);
            for (Object[] bad : new Object[][] {{20L, 192}, {2L, 64}, {0L, 24}, {0L, 0}, {-4L, 16}}) {
                RuntimeException e = assertThrows(RuntimeException.class, () -> l.launch(m, cfg, in, out, bad[0], bad[1]),
                        "words " + bad[0] + ", " + bad[1] + " bytes");
                String all = e + " " + e.getCause();
                assertTrue(all.contains("prefetch"), all);
            }
        }
    }

    // ---------------------------------------------------------------- barriers and shared memory

    /* Thread t yields t/4 times before writing sh[t], so late writers are the rule; after the barrier every
       thread reads its neighbour's slot. Without a real barrier most reads would see the poison. */
    @Kernel
    static void neighbourAfterBarrier(KernelContext ctx, F32Buffer out, int rounds) {
        float[] sh = ctx.sharedF32(128);
        int t = ctx.threadIdx();
        for (int r = 0; r < rounds; r++) {
            for (int y = 0; y < t / 4; y++) {
                Thread.yield();
            }
            sh[t] = t + 1000 * r + ctx.blockIdx() * 1_000_000;
            ctx.barrier();
            out.set(ctx.globalIdx() * (long) rounds + r, sh[(t + 1) % 128]);
            ctx.barrier();
        }
    }

    @Test
    void barrierOrdersSharedMemoryAcrossTheBlock() {
        int rounds = 3;
        F32Buffer out = F32Buffer.allocate(ARENA, 3L * 128 * rounds);
        Emulator.launch(Kernels.named(getClass(), "neighbourAfterBarrier"), LaunchConfig.of1D(3, 128), out, rounds);
        for (int b = 0; b < 3; b++) {
            for (int t = 0; t < 128; t++) {
                for (int r = 0; r < rounds; r++) {
                    float want = (t + 1) % 128 + 1000 * r + b * 1_000_000;
                    assertEquals(want, out.get((b * 128L + t) * rounds + r), "block " + b + " thread " + t + " round " + r);
                }
            }
        }
    }

    @Kernel
    static void sharedSites(KernelContext ctx, I32Buffer out) {
        float[] first = null;
        for (int i = 0; i < 3; i++) {
            float[] a = ctx.sharedF32(8); // one call site in a loop: the same array every time
            if (first == null) {
                first = a;
            }
            if (a != first) {
                out.set(0, -1);
            }
        }
        float[] other = ctx.sharedF32(8); // another call site: another array
        int[] ints = ctx.sharedI32(4);
        ctx.barrier();
        if (ctx.threadIdx() == 0) {
            first[0] = 1f;
            other[0] = 2f;
            ints[0] = 3;
        }
        ctx.barrier();
        if (ctx.threadIdx() == 5) {
            out.set(1L + 3 * ctx.blockIdx(), (int) first[0]);
            out.set(2L + 3 * ctx.blockIdx(), (int) other[0]);
            out.set(3L + 3 * ctx.blockIdx(), ints[0] + ctx.atomicAdd(ints, 0, 10));
        }
    }

    @Test
    void sharedMemoryIsOneArrayPerBlockAndCallSite() {
        I32Buffer out = I32Buffer.allocate(ARENA, 7);
        Emulator.launch(Kernels.named(getClass(), "sharedSites"), LaunchConfig.of1D(2, 32), out);
        assertEquals(0, out.get(0), "a call site in a loop returns the same array");
        for (int b = 0; b < 2; b++) {
            assertEquals(1, out.get(1 + 3 * b));
            assertEquals(2, out.get(2 + 3 * b));
            assertEquals(6, out.get(3 + 3 * b), "atomicAdd returns the old value");
        }
    }

    @Kernel
    static void dynamicShared(KernelContext ctx, I32Buffer out) {
        int[] d = ctx.dynamicSharedI32();
        if (ctx.threadIdx() == 0) {
            out.set(0, d.length);
            out.set(1, d[0]);
        }
    }

    @Kernel
    static void firstDynamicSharedWord(KernelContext ctx, I32Buffer out) {
        int[] d = ctx.dynamicSharedI32();
        if (ctx.threadIdx() == 0) {
            out.set(0, d[0]);
        }
    }

    @Test
    void dynamicSharedMemoryHasTheLaunchSizeAndStartsPoisoned() {
        I32Buffer out = I32Buffer.allocate(ARENA, 2);
        Emulator.launch(Kernels.named(getClass(), "dynamicShared"), LaunchConfig.of1D(1, 32).withDynamicShared(4096), out);
        assertEquals(1024, out.get(0));
        // Shared memory is not zeroed on the GPU, so the emulator and the IR interpreter poison it with a word that
        // is NaN as f32 and in both 16-bit halves as bf16 and f16: a kernel that multiplies never-written shared
        // memory by zero (a masked key) gets NaN on the CPU too, as it may on the GPU.
        for (dev.kascade.kernel.KernelLauncher launcher : java.util.List.<dev.kascade.kernel.KernelLauncher>of(
                Emulator.launcher(), new dev.kascade.ptx.interp.IrInterpreter())) {
            I32Buffer word = I32Buffer.allocate(ARENA, 1);
            launcher.launch(Kernels.named(getClass(), "firstDynamicSharedWord"), LaunchConfig.of1D(1, 32).withDynamicShared(64), word);
            int w = word.get(0);
            assertTrue(Float.isNaN(Float.intBitsToFloat(w)), launcher + ": f32");
            for (short half : new short[] {(short) w, (short) (w >>> 16)}) {
                assertTrue(Float.isNaN(KernelContext.bf16ToFloat(half)), launcher + ": bf16");
                assertTrue(Float.isNaN(Float.float16ToFloat(half)), launcher + ": f16");
            }
        }
    }

    @Kernel
    static void sharedMax(KernelContext ctx, @ReadOnly F32Buffer x, F32Buffer out) {
        float[] m = ctx.sharedF32(1);
        int[] count = ctx.sharedI32(1);
        if (ctx.threadIdx() == 0) {
            m[0] = Float.NEGATIVE_INFINITY;
            count[0] = 0;
        }
        ctx.barrier();
        ctx.atomicMax(m, 0, x.get(ctx.threadIdx()));
        ctx.atomicMax(count, 0, ctx.threadIdx());
        ctx.barrier();
        if (ctx.threadIdx() == 0) {
            out.set(0, m[0]);
            out.set(1, count[0]);
        }
    }

    @Test
    void sharedAtomicMaxKeepsTheLargest() {
        float[] x = new float[256];
        float max = Float.NEGATIVE_INFINITY;
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) random.nextGaussian();
            max = Math.max(max, x[i]);
        }
        F32Buffer out = F32Buffer.allocate(ARENA, 2);
        Emulator.launch(Kernels.named(getClass(), "sharedMax"), LaunchConfig.of1D(1, 256), F32Buffer.of(x), out);
        assertEquals(max, out.get(0), "seed " + seed);
        assertEquals(255f, out.get(1));
    }

    /* state[0] = blocks running now, state[1] = the most ever running at once, state[2] = blocks finished.
       Thread 0 enters, every thread waits at a barrier (so the whole block is resident), thread 0 leaves. */
    @Kernel
    static void concurrency(KernelContext ctx, I32Buffer state) {
        if (ctx.threadIdx() == 0) {
            int now = state.atomicAdd(0, 1) + 1;
            state.atomicMax(1, now);
        }
        ctx.barrier();
        for (int y = 0; y < 20; y++) {
            Thread.yield();
        }
        ctx.barrier();
        if (ctx.threadIdx() == 0) {
            state.atomicAdd(0, -1);
            state.atomicAdd(2, 1);
        }
    }

    @Test
    void blocksRunInParallelOnABoundedPool() {
        I32Buffer state = I32Buffer.allocate(ARENA, 3);
        Emulator.launch(Kernels.named(getClass(), "concurrency"), LaunchConfig.of1D(40, 64), state);
        assertEquals(40, state.get(2), "every block ran");
        assertEquals(0, state.get(0));
        int cores = Runtime.getRuntime().availableProcessors();
        assertTrue(state.get(1) >= 1 && state.get(1) <= cores, "at most one block per core at once: " + state.get(1));
    }

    @Kernel
    static void sharedSizeDependsOnThread(KernelContext ctx, F32Buffer out) {
        float[] a = ctx.sharedF32(ctx.threadIdx() < 16 ? 8 : 16);
        out.set(ctx.threadIdx(), a.length);
    }

    @Kernel
    static void bothDynamicViews(KernelContext ctx, F32Buffer out) {
        float[] f = ctx.dynamicSharedF32();
        int[] i = ctx.dynamicSharedI32();
        out.set(0, f.length + i.length);
    }

    @Test
    void sharedMemoryMisuseFailsClearly() {
        KernelFailure f = assertThrows(KernelFailure.class, () -> Emulator.launch(
                Kernels.named(getClass(), "sharedSizeDependsOnThread"), LaunchConfig.of1D(1, 32), F32Buffer.allocate(ARENA, 32)));
        assertTrue(f.getMessage().contains("compile-time constants"), f.getMessage());
        f = assertThrows(KernelFailure.class, () -> Emulator.launch(Kernels.named(getClass(), "bothDynamicViews"),
                LaunchConfig.of1D(1, 32).withDynamicShared(64), F32Buffer.allocate(ARENA, 1)));
        assertTrue(f.getMessage().contains("both as f32 and as i32"), f.getMessage());
    }

    // ---------------------------------------------------------------- warp collectives

    @Kernel
    static void shuffles(KernelContext ctx, I32Buffer out) {
        int lane = ctx.laneId();
        int v = 1000 * ctx.warpId() + lane;
        long o = 8L * ctx.threadIdx();
        out.set(o, ctx.shuffleDown(v, 5));
        out.set(o + 1, ctx.shuffleDown(v, 40));      // delta is taken mod 32: 8
        out.set(o + 2, ctx.shuffleXor(v, 17));
        out.set(o + 3, ctx.shuffleIdx(v, 31 - lane));
        out.set(o + 4, ctx.shuffleIdx(v, 33));       // srcLane mod 32: lane 1
        out.set(o + 5, (int) ctx.shuffleDown((float) v, 1));
        out.set(o + 6, ctx.ballot((lane & 3) == 1));
        out.set(o + 7, ctx.warpMax(lane == 9 ? 5000 : -lane) + ctx.warpSum(1));
    }

    @Test
    void shufflesBallotAndReductionsFollowPtx() {
        I32Buffer out = I32Buffer.allocate(ARENA, 8L * 64);
        Emulator.launch(Kernels.named(getClass(), "shuffles"), LaunchConfig.of1D(1, 64), out);
        for (int t = 0; t < 64; t++) {
            int lane = t % 32;
            int base = 1000 * (t / 32);
            long o = 8L * t;
            assertEquals(base + (lane + 5 < 32 ? lane + 5 : lane), out.get(o), "shuffleDown past lane 31 keeps own value");
            assertEquals(base + (lane + 8 < 32 ? lane + 8 : lane), out.get(o + 1));
            assertEquals(base + (lane ^ 17), out.get(o + 2));
            assertEquals(base + 31 - lane, out.get(o + 3));
            assertEquals(base + 1, out.get(o + 4));
            assertEquals(base + (lane + 1 < 32 ? lane + 1 : lane), out.get(o + 5));
            assertEquals(0x22222222, out.get(o + 6));
            assertEquals(5000 + 32, out.get(o + 7));
        }
    }

    @Kernel
    static void floatWarpSum(KernelContext ctx, @ReadOnly F32Buffer x, F32Buffer out) {
        out.set(ctx.threadIdx(), ctx.warpSum(x.get(ctx.threadIdx())));
    }

    @Test
    void floatWarpSumUsesButterflyOrderOnEveryLane() {
        float[] x = new float[32];
        for (int i = 0; i < 32; i++) {
            x[i] = (float) (random.nextGaussian() * Math.pow(10, random.nextInt(9)));
        }
        float[] v = x.clone();
        for (int d = 16; d >= 1; d >>= 1) {
            float[] next = new float[32];
            for (int l = 0; l < 32; l++) {
                next[l] = v[l] + v[l ^ d];
            }
            v = next;
        }
        F32Buffer out = F32Buffer.allocate(ARENA, 32);
        Emulator.launch(Kernels.named(getClass(), "floatWarpSum"), LaunchConfig.of1D(1, 32), F32Buffer.of(x), out);
        for (int l = 0; l < 32; l++) {
            assertEquals(Float.floatToRawIntBits(v[l]), Float.floatToRawIntBits(out.get(l)), "lane " + l + ", seed " + seed);
        }
    }

    /* One warp, one mma: every lane gathers its fragments from row-major A (16x16), B (16x8) and C (16x8) with
       the PTX table written out longhand (g = lane/4, t = lane%4), and writes D back the same way. */
    @Kernel
    static void singleMma(KernelContext ctx, @ReadOnly BF16Buffer a, @ReadOnly BF16Buffer b, @ReadOnly F32Buffer c,
                          F32Buffer d) {
        int g = ctx.laneId() / 4;
        int t = ctx.laneId() % 4;
        int[] fa = new int[4];
        fa[0] = pack(a.getRaw(g * 16 + 2 * t), a.getRaw(g * 16 + 2 * t + 1));
        fa[1] = pack(a.getRaw((g + 8) * 16 + 2 * t), a.getRaw((g + 8) * 16 + 2 * t + 1));
        fa[2] = pack(a.getRaw(g * 16 + 2 * t + 8), a.getRaw(g * 16 + 2 * t + 9));
        fa[3] = pack(a.getRaw((g + 8) * 16 + 2 * t + 8), a.getRaw((g + 8) * 16 + 2 * t + 9));
        int[] fb = new int[2];
        fb[0] = pack(b.getRaw(2 * t * 8 + g), b.getRaw((2 * t + 1) * 8 + g));
        fb[1] = pack(b.getRaw((2 * t + 8) * 8 + g), b.getRaw((2 * t + 9) * 8 + g));
        float[] fc = {c.get(g * 8 + 2 * t), c.get(g * 8 + 2 * t + 1), c.get((g + 8) * 8 + 2 * t), c.get((g + 8) * 8 + 2 * t + 1)};
        float[] fd = new float[4];
        ctx.mmaBf16(fd, fa, fb, fc);
        d.set(g * 8 + 2 * t, fd[0]);
        d.set(g * 8 + 2 * t + 1, fd[1]);
        d.set((g + 8) * 8 + 2 * t, fd[2]);
        d.set((g + 8) * 8 + 2 * t + 1, fd[3]);
    }

    private static int pack(short lo, short hi) {
        return (lo & 0xFFFF) | (hi << 16);
    }

    @Test
    void mmaBf16MatchesAPlainMatrixProduct() {
        BF16Buffer a = BF16Buffer.allocate(ARENA, 256);
        BF16Buffer b = BF16Buffer.allocate(ARENA, 128);
        F32Buffer c = F32Buffer.allocate(ARENA, 128);
        float[][] am = new float[16][16];
        float[][] bm = new float[16][8];
        for (int i = 0; i < 256; i++) {
            a.set(i, (float) random.nextGaussian());
            am[i / 16][i % 16] = a.get(i);
        }
        for (int i = 0; i < 128; i++) {
            b.set(i, (float) random.nextGaussian());
            bm[i / 8][i % 8] = b.get(i);
            c.set(i, (float) random.nextGaussian());
        }
        F32Buffer d = F32Buffer.allocate(ARENA, 128);
        Emulator.launch(Kernels.named(getClass(), "singleMma"), LaunchConfig.of1D(1, 32), a, b, c, d);
        for (int r = 0; r < 16; r++) {
            for (int col = 0; col < 8; col++) {
                double want = c.get(r * 8 + col);
                for (int k = 0; k < 16; k++) {
                    want += (double) am[r][k] * bm[k][col];
                }
                assertEquals(want, d.get(r * 8 + col), 1e-5 * (1 + Math.abs(want)), "D[" + r + "][" + col + "], seed " + seed);
            }
        }
        assertEquals(DType.bf16ToFloat(a.getRaw(17)), am[1][1]);
    }

    /* One warp: shared memory holds 32 rows of 8 halfwords, row r's column c holding 16 r + c; lane l gives row
       (5 l + 3) mod 32 to ldmatrix.x4.trans and writes back its four words. */
    @Kernel
    static void ldmatrixTrans(KernelContext ctx, I32Buffer out) {
        int[] rows = ctx.sharedI32(32 * 4);
        int l = ctx.laneId();
        for (int w = 0; w < 4; w++) {
            rows[4 * l + w] = (16 * l + 2 * w) | (16 * l + 2 * w + 1) << 16;
        }
        ctx.syncWarp();
        int[] d = new int[4];
        ctx.ldmatrixX4Trans(rows, 4 * ((5 * l + 3) & 31), d);
        for (int m = 0; m < 4; m++) {
            out.set(4 * l + m, d[m]);
        }
    }

    @Test
    void ldmatrixTransHandsEachLaneItsColumnOfTwoRowsPerMatrix() {
        // PTX: of matrix m (rows from lanes 8m .. 8m + 7), lane l gets (row 2 (l % 4), column l / 4) in its low half
        // and (row 2 (l % 4) + 1, same column) in its high half. The emulator and the IR interpreter must agree with it.
        for (dev.kascade.kernel.KernelLauncher launcher : java.util.List.<dev.kascade.kernel.KernelLauncher>of(
                Emulator::launch, new dev.kascade.ptx.interp.IrInterpreter())) {
            I32Buffer out = I32Buffer.allocate(ARENA, 128);
            launcher.launch(Kernels.named(getClass(), "ldmatrixTrans"), new LaunchConfig(1, 1, 1, 32, 1, 0), out);
            for (int l = 0; l < 32; l++) {
                for (int m = 0; m < 4; m++) {
                    int lo = 16 * ((5 * (8 * m + 2 * (l % 4)) + 3) & 31) + l / 4;
                    int hi = 16 * ((5 * (8 * m + 2 * (l % 4) + 1) + 3) & 31) + l / 4;
                    assertEquals(lo | hi << 16, out.get(4 * l + m), launcher + ": lane " + l + ", matrix " + m);
                }
            }
        }
    }
}

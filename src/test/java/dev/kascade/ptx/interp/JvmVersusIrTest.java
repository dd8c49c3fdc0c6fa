package dev.kascade.ptx.interp;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import dev.kascade.kernel.F32Buffer;
import dev.kascade.kernel.I32Buffer;
import dev.kascade.kernel.I64Buffer;
import dev.kascade.kernel.KernelContext;
import dev.kascade.kernel.LaunchConfig;
import java.lang.reflect.Method;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Differential tests of single-thread control flow and Java semantics: each development kernel runs on the
 * JVM (one plain call per thread, valid because these kernels never communicate between threads) and on
 * its compiled IR in {@link IrInterpreter}; outputs must agree bit for bit on random and edge-case inputs.
 */
class JvmVersusIrTest {
    private static final int THREADS = 64;
    private static final int BLOCKS = 3;

    /** Geometry only: the kernels under test use no shared memory, barriers or collectives. */
    private static final class SequentialContext extends KernelContext {
        int tid;
        int block;

        @Override public int threadIdx() { return tid; }
        @Override public int threadIdxY() { return 0; }
        @Override public int blockIdx() { return block; }
        @Override public int blockIdxY() { return 0; }
        @Override public int blockIdxZ() { return 0; }
        @Override public int blockDim() { return THREADS; }
        @Override public int blockDimY() { return 1; }
        @Override public int gridDim() { return BLOCKS; }
        @Override public int gridDimY() { return 1; }
        @Override public int gridDimZ() { return 1; }
        @Override public int laneId() { return tid & 31; }
        @Override public int warpId() { return tid >> 5; }
        @Override public int globalIdx() { return block * THREADS + tid; }
        @Override public float[] sharedF32(int n) { throw new UnsupportedOperationException(); }
        @Override public int[] sharedI32(int n) { throw new UnsupportedOperationException(); }
        @Override public float[] dynamicSharedF32() { throw new UnsupportedOperationException(); }
        @Override public int[] dynamicSharedI32() { throw new UnsupportedOperationException(); }
        @Override public void barrier() { throw new UnsupportedOperationException(); }
        @Override public void syncWarp() { throw new UnsupportedOperationException(); }
        @Override public int atomicAdd(int[] s, int i, int v) { throw new UnsupportedOperationException(); }
        @Override public int atomicMax(int[] s, int i, int v) { throw new UnsupportedOperationException(); }
        @Override public float atomicAdd(float[] s, int i, float v) { throw new UnsupportedOperationException(); }
        @Override public float atomicMax(float[] s, int i, float v) { throw new UnsupportedOperationException(); }
        @Override public float shuffleXor(float v, int m) { throw new UnsupportedOperationException(); }
        @Override public int shuffleXor(int v, int m) { throw new UnsupportedOperationException(); }
        @Override public float shuffleDown(float v, int d) { throw new UnsupportedOperationException(); }
        @Override public int shuffleDown(int v, int d) { throw new UnsupportedOperationException(); }
        @Override public float shuffleIdx(float v, int l) { throw new UnsupportedOperationException(); }
        @Override public int shuffleIdx(int v, int l) { throw new UnsupportedOperationException(); }
        @Override public float warpSum(float v) { throw new UnsupportedOperationException(); }
        @Override public float warpMax(float v) { throw new UnsupportedOperationException(); }
        @Override public int warpSum(int v) { throw new UnsupportedOperationException(); }
        @Override public int warpMax(int v) { throw new UnsupportedOperationException(); }
        @Override public int ballot(boolean p) { throw new UnsupportedOperationException(); }
        @Override public void mmaBf16(float[] d, int[] a, int[] b, float[] c) { throw new UnsupportedOperationException(); }
        @Override public void mmaF16(float[] d, int[] a, int[] b, float[] c) { throw new UnsupportedOperationException(); }
        @Override public void sharedLoad4(int[] s, int i, int[] d) { throw new UnsupportedOperationException(); }
        @Override public void cpAsync16(int[] s, int i, dev.kascade.kernel.I32Buffer b, long j) { throw new UnsupportedOperationException(); }
        @Override public void cpAsync16(int[] s, int i, dev.kascade.kernel.F32Buffer b, long j) { throw new UnsupportedOperationException(); }
        @Override public void prefetchL2(dev.kascade.kernel.I32Buffer b, long j, int n) { throw new UnsupportedOperationException(); }
        @Override public void gridDependencyWait() { throw new UnsupportedOperationException(); }
        @Override public void launchDependents() { throw new UnsupportedOperationException(); }
        @Override public void mbarrierInit(int[] s, int i, int n) { throw new UnsupportedOperationException(); }
        @Override public void mbarrierArriveExpect(int[] s, int i, int n) { throw new UnsupportedOperationException(); }
        @Override public void bulkCopy(int[] s, int i, dev.kascade.kernel.I32Buffer b, long j, int n, int m) { throw new UnsupportedOperationException(); }
        @Override public void mbarrierWait(int[] s, int i, int p) { throw new UnsupportedOperationException(); }
        @Override public void fenceProxyAsync() { throw new UnsupportedOperationException(); }
        @Override public void threadFence() { throw new UnsupportedOperationException(); }
        @Override public void nanosleep(int ns) { throw new UnsupportedOperationException(); }
        @Override public void ldmatrixX4Trans(int[] s, int i, int[] d) { throw new UnsupportedOperationException(); }
        @Override public void cpAsyncCommit() { throw new UnsupportedOperationException(); }
        @Override public void cpAsyncWait(int n) { throw new UnsupportedOperationException(); }
    }

    private static Method kernel(String name) throws ClassNotFoundException {
        for (Method m : Class.forName("dev.kascade.ptx.TestKernels").getDeclaredMethods()) {
            if (m.getName().equals(name)) {
                m.setAccessible(true);
                return m;
            }
        }
        throw new AssertionError(name);
    }

    private static void onJvm(Method m, Object... args) throws Exception {
        SequentialContext ctx = new SequentialContext();
        Object[] all = new Object[args.length + 1];
        all[0] = ctx;
        System.arraycopy(args, 0, all, 1, args.length);
        for (ctx.block = 0; ctx.block < BLOCKS; ctx.block++) {
            for (ctx.tid = 0; ctx.tid < THREADS; ctx.tid++) m.invoke(null, all);
        }
    }

    private static final int[] EDGES = {0, 1, -1, 2, 3, 7, 31, 32, 33, 63, 64, Integer.MIN_VALUE, Integer.MAX_VALUE, -33, 100, 17};

    private static int[] ints(Random r, int n) {
        int[] a = new int[n];
        for (int i = 0; i < n; i++) a[i] = i < EDGES.length ? EDGES[i] : (i % 3 == 0 ? r.nextInt(64) - 32 : r.nextInt());
        return a;
    }

    private static float[] floats(Random r, int n) {
        float[] e = {Float.NaN, 0f, -0f, 1f, -1f, 2.5f, -2.5f, 3e9f, -3e9f, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, 1e-40f};
        float[] a = new float[n];
        for (int i = 0; i < n; i++) a[i] = i < e.length ? e[i] : (float) (r.nextGaussian() * 10);
        return a;
    }

    @Test
    void loopsAgree() throws Exception {
        int n = BLOCKS * THREADS - 5;
        int[] in = ints(new Random(11), n + 1);
        long[] jvm = new long[n];
        long[] ir = new long[n];
        onJvm(kernel("loops"), I32Buffer.of(in), I64Buffer.of(jvm), n);
        new IrInterpreter().launch(kernel("loops"), LaunchConfig.of1D(BLOCKS, THREADS), I32Buffer.of(in), I64Buffer.of(ir), n);
        assertArrayEquals(jvm, ir);
    }

    @Test
    void semanticsAgree() throws Exception {
        int n = BLOCKS * THREADS;
        Random r = new Random(12);
        int[] in = ints(r, n + 1);
        float[] f = floats(r, n + 1);
        int[] jvmOut = new int[8 * n];
        int[] irOut = new int[8 * n];
        long[] jvmWide = new long[n];
        long[] irWide = new long[n];
        for (int i = 0; i < n + 1; i++) if (in[i] == 0) in[i] = 5; // a / s: division by zero is undefined on the GPU
        onJvm(kernel("semantics"), I32Buffer.of(in), F32Buffer.of(f), I32Buffer.of(jvmOut), I64Buffer.of(jvmWide));
        new IrInterpreter().launch(kernel("semantics"), LaunchConfig.of1D(BLOCKS, THREADS), I32Buffer.of(in),
                F32Buffer.of(f), I32Buffer.of(irOut), I64Buffer.of(irWide));
        assertArrayEquals(jvmOut, irOut);
        assertArrayEquals(jvmWide, irWide);
    }

    @Test
    void controlFlowAndHelpersAgree() throws Exception {
        int n = BLOCKS * THREADS - 7;
        Random r = new Random(13);
        int[] data = ints(r, n);
        for (int i = 0; i < n; i++) data[i] = Math.floorMod(data[i], 1000) + 1;
        float[] f = floats(r, n);
        int[] jvmData = data.clone();
        float[] jvmF = f.clone();
        onJvm(kernel("control"), I32Buffer.of(jvmData), F32Buffer.of(jvmF), n, 7);
        new IrInterpreter().launch(kernel("control"), LaunchConfig.of1D(BLOCKS, THREADS), I32Buffer.of(data), F32Buffer.of(f), n, 7);
        assertArrayEquals(jvmData, data);
        assertArrayEquals(jvmF, f);
    }
}

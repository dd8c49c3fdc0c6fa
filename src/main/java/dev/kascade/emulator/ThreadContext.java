package dev.kascade.emulator;

import dev.kascade.kernel.F32Buffer;
import dev.kascade.kernel.I32Buffer;

import dev.kascade.kernel.KernelContext;
import dev.kascade.kernel.LaunchConfig;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * The {@link KernelContext} of one emulated GPU thread: its ids, and the block's shared memory, barrier and
 * warp collectives. One instance per thread, used only by that thread.
 */
final class ThreadContext extends KernelContext {
    private static final VarHandle INTS = MethodHandles.arrayElementVarHandle(int[].class);
    private static final VarHandle FLOATS = MethodHandles.arrayElementVarHandle(float[].class);

    private final Block block;
    private final Warp warpGroup;
    private final LaunchConfig config;
    private final int tx;
    private final int ty;
    /** {@code tx + ty * blockX}. */
    final int linear;
    final int lane;
    final int warp;
    /** The virtual thread running this context; set before it starts. */
    Thread thread;

    ThreadContext(Block block, int tx, int ty, int linear) {
        this.block = block;
        this.config = block.launch.config;
        this.tx = tx;
        this.ty = ty;
        this.linear = linear;
        this.lane = linear % WARP_SIZE;
        this.warp = linear / WARP_SIZE;
        this.warpGroup = block.warp(warp);
    }

    // ---------------------------------------------------------------- geometry

    @Override
    public int threadIdx() {
        return tx;
    }

    @Override
    public int threadIdxY() {
        return ty;
    }

    @Override
    public int blockIdx() {
        return block.bx;
    }

    @Override
    public int blockIdxY() {
        return block.by;
    }

    @Override
    public int blockIdxZ() {
        return block.bz;
    }

    @Override
    public int blockDim() {
        return config.blockX();
    }

    @Override
    public int blockDimY() {
        return config.blockY();
    }

    @Override
    public int gridDim() {
        return config.gridX();
    }

    @Override
    public int gridDimY() {
        return config.gridY();
    }

    @Override
    public int gridDimZ() {
        return config.gridZ();
    }

    @Override
    public int laneId() {
        return lane;
    }

    @Override
    public int warpId() {
        return warp;
    }

    @Override
    public int globalIdx() {
        return block.bx * config.blockX() + tx;
    }

    // ---------------------------------------------------------------- shared memory and barriers

    @Override
    public float[] sharedF32(int n) {
        return (float[]) block.sharedArray(this, CallSite.current(), true, n);
    }

    @Override
    public int[] sharedI32(int n) {
        return (int[]) block.sharedArray(this, CallSite.current(), false, n);
    }

    @Override
    public float[] dynamicSharedF32() {
        return (float[]) block.dynamicShared(true);
    }

    @Override
    public int[] dynamicSharedI32() {
        return (int[]) block.dynamicShared(false);
    }

    @Override
    public void sharedLoad4(int[] shared, int index, int[] dst) {
        if (index % 4 != 0) {
            throw new IllegalArgumentException("sharedLoad4: index " + index
                    + " must be a multiple of 4 (16-byte aligned; a misaligned ld.shared.v4 faults on the GPU)");
        }
        System.arraycopy(shared, index, dst, 0, 4);
    }

    @Override
    public void cpAsync16(int[] shared, int index, I32Buffer src, long srcIndex) {
        checkCopyAligned(index, srcIndex);
        for (int k = 0; k < 4; k++) shared[index + k] = src.get(srcIndex + k); // synchronous: complete at once
    }

    @Override
    public void cpAsync16(int[] shared, int index, F32Buffer src, long srcIndex) {
        checkCopyAligned(index, srcIndex);
        for (int k = 0; k < 4; k++) shared[index + k] = Float.floatToRawIntBits(src.get(srcIndex + k)); // at once
    }

    /** A 16-byte copy's shared and global word indices must both be multiples of 4, as on the GPU. */
    private static void checkCopyAligned(int index, long srcIndex) {
        if (index % 4 != 0 || srcIndex % 4 != 0) {
            throw new IllegalArgumentException("cpAsync16: indices " + index + " (shared) and " + srcIndex
                    + " (global) must be multiples of 4 (16-byte aligned; a misaligned cp.async faults on the GPU)");
        }
    }

    @Override
    public void gridDependencyWait() {
        // kernels run one after the other on the CPU
    }

    @Override
    public void launchDependents() {
        // kernels run one after the other on the CPU
    }

    @Override
    public void prefetchL2(I32Buffer src, long index, int bytes) {
        if (index % 4 != 0 || bytes <= 0 || bytes % 16 != 0 || index < 0 || index + bytes / 4 > src.length()) {
            throw new IllegalArgumentException("prefetchL2: words " + index + " .. " + (index + bytes / 4L)
                    + " must start 16-byte aligned, be a positive multiple of 16 bytes long and lie inside the buffer of "
                    + src.length() + " words");
        }
        // a cache hint: nothing to do on the CPU
    }

    @Override
    public void mbarrierInit(int[] shared, int index, int arrivals) {
        checkBarrier(shared, index, "mbarrierInit");
        if (arrivals < 1) {
            throw new IllegalArgumentException("mbarrierInit: arrivals must be >= 1 but got " + arrivals);
        }
        block.mbarrierInit(shared, index, arrivals);
    }

    @Override
    public void mbarrierArriveExpect(int[] shared, int index, int bytes) {
        checkBarrier(shared, index, "mbarrierArriveExpect");
        if (bytes < 0) {
            throw new IllegalArgumentException("mbarrierArriveExpect: bytes must be >= 0 but got " + bytes);
        }
        block.mbarrierUpdate(this, shared, index, bytes, true, "mbarrierArriveExpect");
    }

    @Override
    public void bulkCopy(int[] shared, int index, I32Buffer src, long srcIndex, int bytes, int mbarrier) {
        checkBarrier(shared, mbarrier, "bulkCopy");
        if (index % 4 != 0 || srcIndex % 4 != 0 || bytes <= 0 || bytes % 16 != 0) {
            throw new IllegalArgumentException("bulkCopy: indices " + index + " (shared) and " + srcIndex + " (global)"
                    + " must be multiples of 4 and bytes (" + bytes + ") a positive multiple of 16 (the copy engine"
                    + " faults otherwise)");
        }
        int words = bytes / 4;
        if (srcIndex < 0 || srcIndex + words > src.length() || index < 0 || index + words > shared.length) {
            throw new IndexOutOfBoundsException("bulkCopy: " + bytes + " bytes from word " + srcIndex + " of a "
                    + src.length() + "-word buffer to word " + index + " of a " + shared.length + "-word shared array");
        }
        for (int k = 0; k < words; k++) shared[index + k] = src.get(srcIndex + k); // at once, then counted as landed
        block.mbarrierUpdate(this, shared, mbarrier, -bytes, false, "bulkCopy");
    }

    @Override
    public void mbarrierWait(int[] shared, int index, int parity) {
        checkBarrier(shared, index, "mbarrierWait");
        block.mbarrierWait(this, shared, index, parity, CallSite.current());
    }

    @Override
    public void fenceProxyAsync() {
        // one memory, no proxies, on the CPU
    }

    @Override
    public void ldmatrixX4Trans(int[] shared, int index, int[] dst) {
        block.checkShared(shared, "ldmatrixX4Trans");
        if (index % 4 != 0) {
            throw new IllegalArgumentException("ldmatrixX4Trans: row index " + index
                    + " must be a multiple of 4 (16-byte aligned rows)");
        }
        int lane = laneId();
        int col = lane >> 2;
        for (int m = 0; m < 4; m++) {
            int lo = shuffleIdx(index, 8 * m + 2 * (lane & 3)); // the rows' indices, from the lanes that gave them
            int hi = shuffleIdx(index, 8 * m + 2 * (lane & 3) + 1);
            dst[m] = half(shared, lo, col) | half(shared, hi, col) << 16;
        }
    }

    /** Element {@code col} (0..7) of the 16-bit row starting at word {@code row}. */
    private static int half(int[] shared, int row, int col) {
        return shared[row + (col >> 1)] >>> (16 * (col & 1)) & 0xFFFF;
    }

    @Override
    public void threadFence() {
        VarHandle.fullFence();
    }

    @Override
    public void nanosleep(int nanoseconds) {
        Thread.yield(); // a virtual thread: the block it waits for needs the carrier
    }

    /** A barrier is two shared words, 8-byte aligned, inside the array. */
    private static void checkBarrier(int[] shared, int index, String what) {
        if (index % 2 != 0 || index < 0 || index + 2 > shared.length) {
            throw new IllegalArgumentException(what + ": barrier index " + index + " must be even (8-byte aligned) and"
                    + " leave two words inside the " + shared.length + "-word shared array");
        }
    }

    @Override
    public void cpAsyncCommit() {
        // every copy completed when it was issued
    }

    @Override
    public void cpAsyncWait(int pending) {
        // every copy completed when it was issued
    }

    @Override
    public void barrier() {
        block.barrier(this, CallSite.current());
    }

    @Override
    public void syncWarp() {
        warpGroup.exchange(this, Warp.Op.SYNC, "syncWarp()", 0, 0);
    }

    @Override
    public int atomicAdd(int[] shared, int index, int value) {
        block.checkShared(shared, "atomicAdd");
        return (int) INTS.getAndAdd(shared, index, value);
    }

    @Override
    public int atomicMax(int[] shared, int index, int value) {
        block.checkShared(shared, "atomicMax");
        while (true) {
            int old = (int) INTS.getVolatile(shared, index);
            if (old >= value || INTS.compareAndSet(shared, index, old, value)) {
                return old;
            }
        }
    }

    @Override
    public float atomicAdd(float[] shared, int index, float value) {
        block.checkShared(shared, "atomicAdd");
        while (true) {
            float old = (float) FLOATS.getVolatile(shared, index);
            if (FLOATS.compareAndSet(shared, index, old, old + value)) {
                return old;
            }
        }
    }

    @Override
    public float atomicMax(float[] shared, int index, float value) {
        block.checkShared(shared, "atomicMax");
        while (true) {
            float old = (float) FLOATS.getVolatile(shared, index);
            float m = Math.max(old, value);
            if (Float.floatToRawIntBits(m) == Float.floatToRawIntBits(old)
                    || FLOATS.compareAndSet(shared, index, old, m)) {
                return old;
            }
        }
    }

    // ---------------------------------------------------------------- warp collectives

    @Override
    public float shuffleXor(float v, int mask) {
        return f(warpGroup.exchange(this, Warp.Op.SHFL_XOR, "shuffleXor()", bits(v), mask));
    }

    @Override
    public int shuffleXor(int v, int mask) {
        return warpGroup.exchange(this, Warp.Op.SHFL_XOR, "shuffleXor()", v, mask);
    }

    @Override
    public float shuffleDown(float v, int delta) {
        return f(warpGroup.exchange(this, Warp.Op.SHFL_DOWN, "shuffleDown()", bits(v), delta));
    }

    @Override
    public int shuffleDown(int v, int delta) {
        return warpGroup.exchange(this, Warp.Op.SHFL_DOWN, "shuffleDown()", v, delta);
    }

    @Override
    public float shuffleIdx(float v, int srcLane) {
        return f(warpGroup.exchange(this, Warp.Op.SHFL_IDX, "shuffleIdx()", bits(v), srcLane));
    }

    @Override
    public int shuffleIdx(int v, int srcLane) {
        return warpGroup.exchange(this, Warp.Op.SHFL_IDX, "shuffleIdx()", v, srcLane);
    }

    @Override
    public float warpSum(float v) {
        return f(warpGroup.exchange(this, Warp.Op.SUM_F32, "warpSum()", bits(v), 0));
    }

    @Override
    public float warpMax(float v) {
        return f(warpGroup.exchange(this, Warp.Op.MAX_F32, "warpMax()", bits(v), 0));
    }

    @Override
    public int warpSum(int v) {
        return warpGroup.exchange(this, Warp.Op.SUM_I32, "warpSum()", v, 0);
    }

    @Override
    public int warpMax(int v) {
        return warpGroup.exchange(this, Warp.Op.MAX_I32, "warpMax()", v, 0);
    }

    @Override
    public int ballot(boolean predicate) {
        return warpGroup.exchange(this, Warp.Op.BALLOT, "ballot()", predicate ? 1 : 0, 0);
    }

    @Override
    public void mmaBf16(float[] d, int[] a, int[] b, float[] c) {
        warpGroup.mma(this, Warp.Op.MMA_BF16, "mmaBf16()", d, a, b, c);
    }

    @Override
    public void mmaF16(float[] d, int[] a, int[] b, float[] c) {
        warpGroup.mma(this, Warp.Op.MMA_F16, "mmaF16()", d, a, b, c);
    }

    private static int bits(float v) {
        return Float.floatToRawIntBits(v);
    }

    private static float f(int bits) {
        return Float.intBitsToFloat(bits);
    }
}

package dev.kascade.kernel;

import dev.kascade.tensor.DType;

/**
 * What a kernel sees of the machine: its thread and block ids, shared memory, barriers, warp collectives,
 * fast math and conversions. A kernel is a static method whose first parameter is a {@code KernelContext}.
 *
 * <p>Every method documents two meanings. <b>GPU</b>: the PTX the compiler ({@code dev.kascade.ptx})
 * emits for the call; the call itself never happens on the GPU. <b>CPU</b>: what the emulator
 * ({@code dev.kascade.emulator}) does, which is a faithful implementation with GPU semantics: every GPU
 * thread is a Java thread with its own context, barriers really wait, warp collectives exchange values
 * in lock step among the 32 lanes of a warp.
 *
 * <p>Rules the compiler enforces (and the emulator detects at run time): {@link #barrier()} must be
 * reached by every thread of the block, so it may not sit under a branch that depends on the thread id;
 * warp collectives (shuffles, reductions, ballot, mma) must be reached by all 32 lanes of the warp.
 * Shared-memory sizes and {@link #unroll(int)} bounds must be compile-time constants (literals,
 * {@code static final} fields or {@link Const} parameters).
 *
 * <p>Linear thread id is {@code threadIdx() + threadIdxY() * blockDim()}; warps are consecutive groups of
 * 32 linear ids. Blocks have at most 1024 threads and a multiple of 32 is strongly advised.
 */
public abstract class KernelContext {
    /** Threads per warp on every NVIDIA GPU. */
    public static final int WARP_SIZE = 32;

    protected KernelContext() {
    }

    // ---------------------------------------------------------------- geometry

    /** Thread index in the block, x. GPU: {@code %tid.x}. */
    public abstract int threadIdx();

    /** Thread index in the block, y. GPU: {@code %tid.y}. */
    public abstract int threadIdxY();

    /** Block index in the grid, x. GPU: {@code %ctaid.x}. */
    public abstract int blockIdx();

    /** Block index in the grid, y. GPU: {@code %ctaid.y}. */
    public abstract int blockIdxY();

    /** Block index in the grid, z. GPU: {@code %ctaid.z}. */
    public abstract int blockIdxZ();

    /** Threads per block, x. GPU: {@code %ntid.x}. */
    public abstract int blockDim();

    /** Threads per block, y. GPU: {@code %ntid.y}. */
    public abstract int blockDimY();

    /** Blocks in the grid, x. GPU: {@code %nctaid.x}. */
    public abstract int gridDim();

    /** Blocks in the grid, y. GPU: {@code %nctaid.y}. */
    public abstract int gridDimY();

    /** Blocks in the grid, z. GPU: {@code %nctaid.z}. */
    public abstract int gridDimZ();

    /** Lane within the warp, 0..31. GPU: {@code %laneid}. CPU: linear thread id mod 32. */
    public abstract int laneId();

    /**
     * Warp index within the block. GPU: linear thread id {@code >> 5} (not {@code %warpid}, which the PTX
     * manual calls volatile). CPU: the same arithmetic.
     */
    public abstract int warpId();

    /** {@code blockIdx() * blockDim() + threadIdx()}. GPU: {@code mad.lo.s32} of the three registers. */
    public abstract int globalIdx();

    // ---------------------------------------------------------------- shared memory and barriers

    /**
     * A block-shared f32 array of constant size {@code n}, one per call site. GPU: a {@code .shared .align 16}
     * declaration; indexing compiles to {@code ld.shared}/{@code st.shared}. CPU: every thread of the block
     * gets the same Java array for the same call site.
     */
    public abstract float[] sharedF32(int n);

    /** A block-shared i32 array of constant size {@code n}, one per call site; see {@link #sharedF32(int)}. */
    public abstract int[] sharedI32(int n);

    /**
     * The dynamic shared memory of the launch as f32 (its size is set at launch, in bytes). A kernel uses
     * either this or {@link #dynamicSharedI32()}, not both. GPU: {@code .extern .shared .align 16 .b8 dsmem[]}.
     */
    public abstract float[] dynamicSharedF32();

    /**
     * What the CPU launchers (emulator, IR interpreter) fill fresh shared memory with, since on the GPU it starts
     * with whatever was there: NaN as an f32 and in both 16-bit halves as bf16 or f16, so a kernel that computes with
     * shared memory it never wrote, even times zero, ends in NaN on the CPU too.
     */
    public static final int SHARED_POISON = 0x7FBD7FBD;

    /** The dynamic shared memory of the launch as i32; see {@link #dynamicSharedF32()}. */
    public abstract int[] dynamicSharedI32();

    /**
     * Block barrier: waits until every thread of the block has arrived; orders shared and global memory
     * accesses within the block. GPU: {@code bar.sync 0}. CPU: a barrier over the block's threads; a thread
     * that never arrives (divergent barrier) fails the launch with the kernel name and line, never hangs.
     */
    public abstract void barrier();

    /**
     * Warp barrier: waits until all 32 lanes of the warp have arrived; orders their shared-memory accesses (e.g.
     * chunks one lane copied with {@link #cpAsync16} and waited for, then read by another lane). GPU:
     * {@code bar.warp.sync -1}. CPU: a meeting of the warp's lanes, like the other warp collectives.
     */
    public abstract void syncWarp();

    /** Atomic add on a shared i32 array, returning the old value. GPU: {@code atom.shared.add.s32}. */
    public abstract int atomicAdd(int[] shared, int index, int value);

    /** Atomic max on a shared i32 array, returning the old value. GPU: {@code atom.shared.max.s32}. */
    public abstract int atomicMax(int[] shared, int index, int value);

    /** Atomic add on a shared f32 array, returning the old value. GPU: {@code atom.shared.add.f32}. */
    public abstract float atomicAdd(float[] shared, int index, float value);

    /**
     * Atomic max on a shared f32 array ({@link Math#max(float, float)} semantics), returning the old value.
     * GPU: a compare-and-swap loop on {@code atom.shared.cas.b32}.
     */
    public abstract float atomicMax(float[] shared, int index, float value);

    /**
     * Reads four consecutive words {@code shared[index .. index+3]} into {@code dst[0..3]} with one 16-byte access;
     * {@code index} must be a multiple of 4. GPU: {@code ld.shared.v4.b32}. CPU: a copy (misalignment fails the
     * launch, as it faults on the GPU).
     */
    public abstract void sharedLoad4(int[] shared, int index, int[] dst);

    // ---------------------------------------------------------------- asynchronous copies (sm_80+)

    /**
     * Starts copying the 16 bytes {@code src[srcIndex .. srcIndex+3]} into {@code shared[index .. index+3]}
     * without holding registers or waiting for the data; both indices must be multiples of 4. The copy belongs to
     * the calling thread's current group, which {@link #cpAsyncCommit()} closes; the shared words may be read only
     * after {@link #cpAsyncWait(int)} has seen the group complete. GPU: {@code cp.async.cg.shared.global [dst],
     * [src], 16} (L2 only, not L1). CPU: an immediate copy, so a kernel that reads before waiting still works
     * there: the emulator cannot catch that mistake, the GPU check ({@code decode-check}) can.
     */
    public abstract void cpAsync16(int[] shared, int index, I32Buffer src, long srcIndex);

    /**
     * {@link #cpAsync16(int[], int, I32Buffer, long)} from an f32 buffer: the four floats {@code src[srcIndex ..
     * srcIndex+3]} land in {@code shared[index .. index+3]} as their raw bits ({@link Float#floatToRawIntBits}).
     */
    public abstract void cpAsync16(int[] shared, int index, F32Buffer src, long srcIndex);

    /**
     * Asks the GPU's L2 cache to fetch the {@code bytes} bytes that start at word {@code index} of {@code src}, for a
     * read that comes soon (typically by another block); a hint with no effect on any result and nothing to wait
     * for. {@code index} must be a multiple of 4 (16-byte aligned) and {@code bytes} a positive multiple of 16, and
     * the range must lie inside {@code src}. GPU: {@code cp.async.bulk.prefetch.L2.global [src], bytes} (sm_90).
     * CPU: checks the range, then does nothing.
     */
    public abstract void prefetchL2(I32Buffer src, long index, int bytes);

    /**
     * Waits until the kernel queued ahead of this one has finished and its writes are visible. Needed, before the
     * first read of that kernel's results, by kernels launched with {@link LaunchConfig#earlyLaunch()}; returns at
     * once otherwise. GPU: {@code griddepcontrol.wait} (sm_90; nothing on sm_80). CPU: no-op (kernels run one after
     * the other).
     */
    public abstract void gridDependencyWait();

    /**
     * Lets the kernel queued after this one, if it was launched early, start its blocks once every block of this
     * kernel has called this (or ended); it says nothing about this kernel's writes, which the next kernel waits for
     * with {@link #gridDependencyWait()}. GPU: {@code griddepcontrol.launch_dependents} (sm_90; nothing on sm_80).
     * CPU: no-op.
     */
    public abstract void launchDependents();

    // ---------------------------------------------------------------- bulk copies and their barriers (sm_90)

    /**
     * Makes words {@code index, index + 1} of {@code shared} (8-byte aligned: {@code index} even) a transaction
     * barrier for {@link #bulkCopy}: each of its phases completes once {@code arrivals} threads have arrived
     * ({@link #mbarrierArriveExpect}) and every byte they announced has landed. One thread initialises it, and the
     * threads that use it meet ({@link #syncWarp()} or {@link #barrier()}) before they do. GPU:
     * {@code mbarrier.init.shared::cta.b64}, then {@code fence.mbarrier_init.release.cluster} so that the copy engine
     * sees the initialised barrier. CPU: the emulator keeps the barrier's arrivals, bytes and phases itself.
     */
    public abstract void mbarrierInit(int[] shared, int index, int arrivals);

    /**
     * Announces {@code bytes} bytes of bulk copies that will complete on barrier {@code index} in its current phase,
     * and arrives there (one of its {@code arrivals}). The copies may be issued before or after this call. GPU:
     * {@code mbarrier.arrive.expect_tx.shared::cta.b64 _, [bar], bytes}. CPU: counted in the emulator's barrier.
     */
    public abstract void mbarrierArriveExpect(int[] shared, int index, int bytes);

    /**
     * Starts copying {@code bytes} bytes (a positive multiple of 16) from word {@code srcIndex} of {@code src} to word
     * {@code index} of {@code shared} (both 16-byte aligned: multiples of 4) through the copy engine, with no registers
     * held and no thread waiting; the bytes count towards barrier {@code mbarrier}'s current phase, and the shared
     * words may be read once {@link #mbarrierWait} has seen that phase complete. GPU: {@code
     * cp.async.bulk.shared::cluster.global.mbarrier::complete_tx::bytes [dst], [src], bytes, [bar]} (sm_90). CPU: an
     * immediate copy whose bytes then count as landed, so a wait whose phase cannot complete (bytes announced but
     * never copied) fails the launch instead of hanging; a read without any wait still works there, as with
     * {@link #cpAsync16}, and only the GPU (wrong data, {@code compute-sanitizer racecheck}) shows it.
     */
    public abstract void bulkCopy(int[] shared, int index, I32Buffer src, long srcIndex, int bytes, int mbarrier);

    /**
     * Waits until the phase of barrier {@code index} whose parity is {@code parity} (0 or 1; phases alternate) has
     * completed; the bulk copies counted in that phase are then visible to the calling thread. GPU: a loop on
     * {@code mbarrier.try_wait.parity.shared::cta.b64}. CPU: blocks the emulated thread until the phase is over; a
     * phase that can never complete fails the launch with the waiting threads' lines.
     */
    public abstract void mbarrierWait(int[] shared, int index, int parity);

    /**
     * Orders the calling thread's earlier shared-memory writes before later bulk copies into the same words (the
     * copy engine is another "proxy" of the memory model). GPU: {@code fence.proxy.async.shared::cta}. CPU: no-op.
     */
    public abstract void fenceProxyAsync();

    /**
     * Memory fence, GPU-wide: this thread's global-memory accesses before the fence are ordered before its accesses
     * after it for every thread of the GPU. With a barrier and an atomic it publishes data to another block (writers:
     * stores, fence, barrier, one thread's atomic; reader: that atomic's value seen, fence, barrier, then
     * {@link F32Buffer#getCoherent} loads). GPU: {@code fence.acq_rel.gpu}. CPU: a full fence.
     */
    public abstract void threadFence();

    /**
     * A pause of about {@code nanoseconds} (at most 1 ms) in a loop that waits for another block, so the waiting warp
     * leaves its issue slots to others. GPU: {@code nanosleep.u32}. CPU: the emulated thread yields its carrier.
     */
    public abstract void nanosleep(int nanoseconds);

    /**
     * Warp collective: four 8 x 8 matrices of 16-bit elements from shared memory, transposed. Lane l gives in
     * {@code index} the word index of row {@code l & 7} of matrix {@code l >> 3} (8 elements, 16 bytes, a multiple of
     * 4); {@code dst[m]} receives of matrix m the elements (row 2 (l & 3), column l >> 2) in its low half and (row
     * 2 (l & 3) + 1, column l >> 2) in its high half: for a row-major [k][n] tile, the B fragment of
     * {@code mma.m16n8k16} (two matrices per fragment: k 0..7 and 8..15). GPU:
     * {@code ldmatrix.sync.aligned.m8n8.x4.trans.shared.b16}; {@code dst} a constant-size local array of 4.
     */
    public abstract void ldmatrixX4Trans(int[] shared, int index, int[] dst);

    /** Closes the calling thread's current group of {@link #cpAsync16} copies. GPU: {@code cp.async.commit_group}. */
    public abstract void cpAsyncCommit();

    /**
     * Waits until at most {@code pending} (a compile-time constant) of the calling thread's committed groups are
     * still in flight; the newest groups are the ones left pending. Orders only the calling thread's own copies: other
     * threads need a {@link #barrier()} as well. GPU: {@code cp.async.wait_group pending}. CPU: no-op.
     */
    public abstract void cpAsyncWait(int pending);

    // ---------------------------------------------------------------- warp collectives

    /** Value of lane {@code laneId() ^ mask}. GPU: {@code shfl.sync.bfly.b32 d, v, mask, 31, 0xffffffff}. */
    public abstract float shuffleXor(float v, int mask);

    /** Integer form of {@link #shuffleXor(float, int)}. */
    public abstract int shuffleXor(int v, int mask);

    /**
     * Value of lane {@code laneId() + delta}, or the caller's own value when that lane is past 31.
     * GPU: {@code shfl.sync.down.b32 d, v, delta, 31, 0xffffffff}.
     */
    public abstract float shuffleDown(float v, int delta);

    /** Integer form of {@link #shuffleDown(float, int)}. */
    public abstract int shuffleDown(int v, int delta);

    /** Value of lane {@code srcLane & 31}. GPU: {@code shfl.sync.idx.b32 d, v, srcLane, 31, 0xffffffff}. */
    public abstract float shuffleIdx(float v, int srcLane);

    /** Integer form of {@link #shuffleIdx(float, int)}. */
    public abstract int shuffleIdx(int v, int srcLane);

    /**
     * Sum over the 32 lanes, returned to every lane, in butterfly order (xor 16, 8, 4, 2, 1) on both
     * devices so results agree bit for bit. GPU: five {@code shfl.sync.bfly} + {@code add.rn.f32}.
     */
    public abstract float warpSum(float v);

    /** Max over the 32 lanes ({@link Math#max(float, float)}: NaN wins). GPU: five shuffles + {@code max.NaN.f32}. */
    public abstract float warpMax(float v);

    /** Integer sum over the warp (wrapping). GPU: {@code redux.sync.add.s32}. */
    public abstract int warpSum(int v);

    /** Integer max over the warp. GPU: {@code redux.sync.max.s32}. */
    public abstract int warpMax(int v);

    /** Bit {@code i} set when lane {@code i}'s predicate is true. GPU: {@code vote.sync.ballot.b32}. */
    public abstract int ballot(boolean predicate);

    /**
     * Warp-wide tensor-core product {@code d = a * b + c} of a 16x16 bf16 A (row-major), a 16x8 bf16 B
     * (column-major) and a 16x8 f32 C, each lane holding its fragment: {@code a} four words (eight packed
     * bf16), {@code b} two words, {@code c} and {@code d} four floats, in the PTX fragment layout
     * (g = lane/4, t = lane%4; A rows g and g+8, cols 2t, 2t+1, +8; B rows 2t, 2t+1, +8, col g;
     * C rows g, g+8, cols 2t, 2t+1). GPU: {@code mma.sync.aligned.m16n8k16.row.col.f32.bf16.bf16.f32}.
     * CPU: the 32 lanes' fragments are assembled into matrices, multiplied in f32, and scattered back.
     */
    public abstract void mmaBf16(float[] d, int[] a, int[] b, float[] c);

    /** As {@link #mmaBf16} with f16 inputs. GPU: {@code mma.sync.aligned.m16n8k16.row.col.f32.f16.f16.f32}. */
    public abstract void mmaF16(float[] d, int[] a, int[] b, float[] c);

    // ---------------------------------------------------------------- math (pure, same on every thread)

    /** 2^x. GPU: {@code ex2.approx.ftz.f32} (about 2 ulp, subnormals flushed). CPU: {@code Math.pow(2, x)}. */
    public static float exp2(float x) {
        return (float) Math.pow(2.0, x);
    }

    /** log2(x). GPU: {@code lg2.approx.ftz.f32}. CPU: {@code Math.log(x) / Math.log(2)}. */
    public static float log2(float x) {
        return (float) (Math.log(x) / Math.log(2.0));
    }

    /** 1 / sqrt(x). GPU: {@code rsqrt.approx.ftz.f32}. CPU: {@code 1 / Math.sqrt(x)}. */
    public static float rsqrt(float x) {
        return (float) (1.0 / Math.sqrt(x));
    }

    /** a * b + c with one rounding. GPU: {@code fma.rn.f32}. CPU: {@link Math#fma(float, float, float)}. */
    public static float fma(float a, float b, float c) {
        return Math.fma(a, b, c);
    }

    /**
     * Marks a loop bound for full unrolling: {@code for (int i = 0; i < KernelContext.unroll(8); i++)}.
     * {@code n} must be a compile-time constant. GPU: the loop body is replicated {@code n} times, which lets
     * constant-size local arrays live in registers. CPU: returns {@code n}.
     */
    public static int unroll(int n) {
        return n;
    }

    // ---------------------------------------------------------------- conversions and packing

    /** bf16 bits to f32. GPU: {@code cvt.f32.bf16}. */
    public static float bf16ToFloat(short bits) {
        return DType.bf16ToFloat(bits);
    }

    /** f32 to bf16 bits, round to nearest even. GPU: {@code cvt.rn.bf16.f32}. */
    public static short floatToBf16(float v) {
        return DType.floatToBf16(v);
    }

    /** f16 bits to f32. GPU: {@code cvt.f32.f16}. */
    public static float f16ToFloat(short bits) {
        return Float.float16ToFloat(bits);
    }

    /** f32 to f16 bits, round to nearest even. GPU: {@code cvt.rn.f16.f32}. */
    public static short floatToF16(float v) {
        return Float.floatToFloat16(v);
    }

    /** Two floats packed as bf16x2, {@code lo} in bits 0..15. GPU: {@code cvt.rn.bf16x2.f32 d, hi, lo}. */
    public static int packBf16x2(float lo, float hi) {
        return (floatToBf16(lo) & 0xFFFF) | (floatToBf16(hi) << 16);
    }

    /** Two floats packed as f16x2, {@code lo} in bits 0..15. GPU: {@code cvt.rn.f16x2.f32 d, hi, lo}. */
    public static int packF16x2(float lo, float hi) {
        return (floatToF16(lo) & 0xFFFF) | (floatToF16(hi) << 16);
    }

    /** Low bf16 of a packed word as f32. GPU: {@code shl.b32 t, w, 16}. */
    public static float lowBf16(int packed) {
        return Float.intBitsToFloat(packed << 16);
    }

    /** High bf16 of a packed word as f32. GPU: {@code and.b32 t, w, 0xFFFF0000}. */
    public static float highBf16(int packed) {
        return Float.intBitsToFloat(packed & 0xFFFF0000);
    }

    /** Low f16 of a packed word as f32. GPU: {@code cvt.f32.f16} of the low half. */
    public static float lowF16(int packed) {
        return Float.float16ToFloat((short) packed);
    }

    /** High f16 of a packed word as f32. GPU: {@code cvt.f32.f16} of the high half. */
    public static float highF16(int packed) {
        return Float.float16ToFloat((short) (packed >>> 16));
    }
}

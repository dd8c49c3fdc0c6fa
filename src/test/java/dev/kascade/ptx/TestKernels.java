package dev.kascade.ptx;

import dev.kascade.kernel.BF16Buffer;
import dev.kascade.kernel.Const;
import dev.kascade.kernel.F16Buffer;
import dev.kascade.kernel.F32Buffer;
import dev.kascade.kernel.I32Buffer;
import dev.kascade.kernel.I64Buffer;
import dev.kascade.kernel.Kernel;
import dev.kascade.kernel.KernelContext;
import dev.kascade.kernel.ReadOnly;

/** Small kernels that exercise the compiler's lowering rules (development corpus for PtxCompilerTest). */
final class TestKernels {
    private TestKernels() {
    }

    static final int TILE = 256;
    static final float LOG2E = (float) (1.0 / Math.log(2.0));

    /**
     * c = a + b, 16-byte accesses in a grid-stride loop. Thread layout: one float4 per thread per iteration;
     * memory: 12 bytes of traffic per element.
     */
    @Kernel
    static void vectorAdd(KernelContext ctx, @ReadOnly F32Buffer a, @ReadOnly F32Buffer b, F32Buffer c, int n4) {
        float[] va = new float[4];
        float[] vb = new float[4];
        float[] vc = new float[4];
        int stride = ctx.gridDim() * ctx.blockDim();
        for (int i = ctx.globalIdx(); i < n4; i += stride) {
            a.load4(4L * i, va);
            b.load4(4L * i, vb);
            for (int k = 0; k < 4; k++) vc[k] = va[k] + vb[k];
            c.store4(4L * i, vc);
        }
    }

    /** y = alpha * x + y, one element per thread. */
    @Kernel
    static void saxpy(KernelContext ctx, float alpha, @ReadOnly F32Buffer x, F32Buffer y, int n) {
        int i = ctx.globalIdx();
        if (i < n) {
            y.set(i, alpha * x.get(i) + y.get(i));
        }
    }

    /** Block sum: shared-memory tree then one atomic per block. */
    @Kernel
    static void blockSum(KernelContext ctx, @ReadOnly F32Buffer x, F32Buffer out, int n) {
        float[] tile = ctx.sharedF32(TILE);
        int t = ctx.threadIdx();
        int i = ctx.globalIdx();
        tile[t] = i < n ? x.get(i) : 0f;
        ctx.barrier();
        for (int s = ctx.blockDim() / 2; s >= 32; s >>= 1) {
            if (t < s) tile[t] += tile[t + s];
            ctx.barrier();
        }
        if (t < 32) {
            float v = ctx.warpSum(tile[t]);
            if (t == 0) out.atomicAdd(0, v);
        }
    }

    /** One warp per row: max, exp2 and sum with warp reductions; cols is a specialisation constant. */
    @Kernel
    static void rowSoftmax(KernelContext ctx, @ReadOnly F32Buffer x, F32Buffer y, int rows, @Const int cols) {
        int row = ctx.blockIdx() * (ctx.blockDim() / 32) + ctx.warpId();
        if (row >= rows) return;
        long base = (long) row * cols;
        float m = Float.NEGATIVE_INFINITY;
        for (int j = ctx.laneId(); j < cols; j += 32) m = Math.max(m, x.get(base + j));
        m = ctx.warpMax(m);
        float sum = 0f;
        for (int j = ctx.laneId(); j < cols; j += 32) sum += KernelContext.exp2((x.get(base + j) - m) * LOG2E);
        sum = ctx.warpSum(sum);
        float inv = 1f / sum;
        for (int j = ctx.laneId(); j < cols; j += 32) {
            y.set(base + j, KernelContext.exp2((x.get(base + j) - m) * LOG2E) * inv);
        }
    }

    /** Java semantics corner cases: shifts, NaN compares, casts, integer division, ternaries. */
    @Kernel
    static void semantics(KernelContext ctx, @ReadOnly I32Buffer in, @ReadOnly F32Buffer f, I32Buffer out, I64Buffer wide) {
        int i = ctx.globalIdx();
        int a = in.get(i);
        int s = in.get(i + 1);
        out.set(8L * i, a << s);
        out.set(8L * i + 1, a >> s);
        out.set(8L * i + 2, a >>> s);
        float x = f.get(i);
        float y = f.get(i + 1);
        out.set(8L * i + 3, x < y ? 1 : 2);
        out.set(8L * i + 4, (int) x);
        out.set(8L * i + 5, a / s + a % s);
        out.set(8L * i + 6, x >= y && a != 0 || s == 3 ? 7 : 9);
        out.set(8L * i + 7, Float.isNaN(x) ? (byte) a : (short) s);
        long w = (long) a << s;
        wide.set(i, w + (long) (x * y) + Math.max(w, 5L));
    }

    /** bf16 and f16 conversions: 16-byte loads, packing, stores. */
    @Kernel
    static void convert(KernelContext ctx, @ReadOnly BF16Buffer src, BF16Buffer dst, F16Buffer half, F32Buffer f, I32Buffer packed) {
        int i = ctx.globalIdx();
        float[] v = new float[8];
        src.load8(8L * i, v);
        for (int k = 0; k < KernelContext.unroll(8); k++) v[k] = v[k] * 2f;
        dst.store8(8L * i, v);
        half.store8(8L * i, v);
        f.set(i, src.get(i) + half.get(i) + KernelContext.lowBf16(src.getPair(2L * i)));
        packed.set(i, KernelContext.packBf16x2(v[0], v[1]));
        dst.set(i + 1, f.get(i));
        half.setRaw(i, KernelContext.floatToF16(v[2]));
    }

    /** One warp computes a 16x8 tile D = A * B with bf16 tensor cores (fragments straight from global memory). */
    @Kernel
    static void mmaTile(KernelContext ctx, @ReadOnly I32Buffer aFrag, @ReadOnly I32Buffer bFrag, F32Buffer d) {
        int lane = ctx.laneId();
        int[] a = new int[4];
        int[] b = new int[2];
        float[] acc = new float[4];
        aFrag.load4(4L * lane, a);
        b[0] = bFrag.get(2L * lane);
        b[1] = bFrag.get(2L * lane + 1);
        ctx.mmaBf16(acc, a, b, acc);
        ctx.mmaF16(acc, a, b, acc);
        F32Buffer out = d;
        for (int k = 0; k < 4; k++) out.set(4L * lane + k, acc[k]);
    }

    /** Atomics: float max by CAS on global and shared memory, shared int add, ballot. */
    @Kernel
    static void atomics(KernelContext ctx, @ReadOnly F32Buffer x, F32Buffer max, I32Buffer counts, int n) {
        int[] hist = ctx.sharedI32(32);
        float[] best = ctx.sharedF32(1);
        int t = ctx.threadIdx();
        if (t < 32) hist[t] = 0;
        if (t == 0) best[0] = Float.NEGATIVE_INFINITY;
        ctx.barrier();
        int i = ctx.globalIdx();
        float v = i < n ? x.get(i) : 0f;
        ctx.atomicAdd(hist, Float.floatToRawIntBits(v) & 31, 1);
        ctx.atomicMax(best, 0, v);
        int votes = ctx.ballot(v > 0f);
        ctx.barrier();
        if (t < 32) counts.atomicAdd(t, hist[t] + Integer.bitCount(votes));
        if (t == 0) max.atomicMax(0, best[0]);
    }

    static int classify(int v) {
        switch (v) {
            case 0:
                return 10;
            case 1:
            case 2:
                return 20;
            case 7:
                return 70;
            default:
                return -1;
        }
    }

    static float clampUnit(float v) {
        return v < 0f ? 0f : Math.min(v, 1f);
    }

    /** Switches, helpers (inlined), while loops and long arithmetic. */
    @Kernel
    static void control(KernelContext ctx, I32Buffer data, F32Buffer f, int n, @Const int mode) {
        int i = ctx.globalIdx();
        if (i >= n) return;
        int v = data.get(i);
        int r = classify(v) + classify(mode);
        int steps = 0;
        while (v != 1 && steps < 100) {
            v = (v & 1) == 0 ? v / 2 : 3 * v + 1;
            steps++;
        }
        switch (v % 3) {
            case 0 -> r += 5;
            case 1 -> r -= 5;
            default -> r ^= 3;
        }
        data.set(i, r + steps);
        f.set(i, clampUnit(f.get(i)) + (float) Math.sqrt(f.get(i)));
    }

    /** A dot product with a register accumulator array and a helper that fills it. */
    static void accumulate(float[] acc, F32Buffer x, long base) {
        for (int k = 0; k < KernelContext.unroll(4); k++) acc[k] += x.get(base + k);
    }

    @Kernel
    static void registerArrays(KernelContext ctx, @ReadOnly F32Buffer x, F32Buffer out, @Const int chunks) {
        float[] acc = new float[4];
        long base = (long) ctx.globalIdx() * 4 * chunks;
        for (int c = 0; c < chunks; c++) accumulate(acc, x, base + 4L * c);
        float total = 0;
        for (int k = 0; k < 4; k++) total += acc[k];
        out.set(ctx.globalIdx(), total);
    }

    /** Dynamic shared memory, shuffles and double arithmetic. */
    @Kernel
    static void dynamicShared(KernelContext ctx, @ReadOnly F32Buffer x, F32Buffer y) {
        float[] buf = ctx.dynamicSharedF32();
        int t = ctx.threadIdx();
        buf[t] = x.get(ctx.globalIdx());
        ctx.barrier();
        float left = buf[(t + ctx.blockDim() - 1) % ctx.blockDim()];
        float down = ctx.shuffleDown(left, 1);
        float idx = ctx.shuffleIdx(down, 0);
        double d = (double) idx * 0.5;
        y.set(ctx.globalIdx(), (float) d + ctx.shuffleXor(left, 1));
    }

    /** A helper whose first instruction is a loop header. */
    static int digits(int v) {
        while (v != 0) {
            v /= 10;
            if (v == 3) return -1;
        }
        return v + 1;
    }

    /** Loop shapes: do-while, labeled continue, break out of nested loops, a countdown with a long accumulator. */
    @Kernel
    static void loops(KernelContext ctx, @ReadOnly I32Buffer in, I64Buffer out, int n) {
        int i = ctx.globalIdx();
        if (i >= n) return;
        int v = in.get(i);
        long acc = 0;
        int k = 0;
        do {
            acc += (long) v * k;
            k++;
        } while (k < (v & 7));
        outer:
        for (int a = 0; a < 6; a++) {
            for (int b = 0; b < 6; b++) {
                if (((v >>> a) & 1) == 0) continue outer;
                if (a * b > v % 11) break outer;
                acc ^= (long) a << (b * 7);
            }
        }
        acc += digits(v);
        int countdown = v & 15;
        while (true) {
            if (countdown-- <= 0) break;
            acc = acc * 31 + countdown;
        }
        out.set(i, acc);
    }
}

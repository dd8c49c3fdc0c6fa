package dev.kascade.ptx;

import dev.kascade.kernel.BF16Buffer;
import dev.kascade.kernel.Const;
import dev.kascade.kernel.F32Buffer;
import dev.kascade.kernel.I32Buffer;
import dev.kascade.kernel.I64Buffer;
import dev.kascade.kernel.Kernel;
import dev.kascade.kernel.KernelContext;
import dev.kascade.kernel.ReadOnly;

/** One tiny kernel per lowering rule, inspected by PtxCompilerTest. */
final class LoweringKernels {
    private LoweringKernels() {
    }

    @Kernel
    static void shifts(KernelContext ctx, I32Buffer io, I64Buffer wide) {
        int a = io.get(0);
        int s = io.get(1);
        io.set(2, a << s);
        io.set(3, a << 35);
        wide.set(0, wide.get(1) >>> s);
    }

    @Kernel
    static void negativeOffsets(KernelContext ctx, I32Buffer io, int k) {
        io.set(k - 2, io.get(k - 1) + io.atomicAdd(k - 3, 1)); // constant offsets -8, -4 and -12 from io + 4k
    }

    @Kernel
    static void nonAsciiSource(KernelContext ctx, I32Buffer out) {
        out.set(ctx.globalIdx(), 1); // x ≠ y — the PTX quotes this line, and ptxas takes ASCII only
    }

    @Kernel
    static void lessThan(KernelContext ctx, F32Buffer f, I32Buffer out) {
        out.set(0, f.get(0) < f.get(1) ? 1 : 0);
    }

    @Kernel
    static void greaterThan(KernelContext ctx, F32Buffer f, I32Buffer out) {
        out.set(0, f.get(0) > f.get(1) ? 1 : 0);
    }

    @Kernel
    static void notEqual(KernelContext ctx, F32Buffer f, I32Buffer out) {
        out.set(0, f.get(0) != f.get(1) ? 1 : 0);
    }

    @Kernel
    static void equal(KernelContext ctx, F32Buffer f, I32Buffer out) {
        out.set(0, f.get(0) == f.get(1) ? 1 : 0);
    }

    @Kernel
    static void floatToInt(KernelContext ctx, F32Buffer f, I32Buffer out, I64Buffer wide) {
        out.set(0, (int) f.get(0));
        wide.set(0, (long) f.get(1));
    }

    @Kernel
    static void noContraction(KernelContext ctx, F32Buffer f) {
        float a = f.get(0);
        float b = f.get(1);
        float c = f.get(2);
        f.set(3, a * b + c);
        f.set(4, a / b);
        f.set(5, KernelContext.fma(a, b, c));
        f.set(6, Math.max(a, b));
        f.set(7, (float) Math.sqrt(a));
    }

    @Kernel
    static void intDivision(KernelContext ctx, I32Buffer io) {
        int a = io.get(0);
        int b = io.get(1);
        io.set(2, a / b);
        io.set(3, a % b);
        io.set(4, a * b + 0x7fffffff);
    }

    @Kernel
    static void packOrder(KernelContext ctx, F32Buffer f, I32Buffer out) {
        float lo = f.get(0);
        float hi = f.get(1);
        out.set(0, KernelContext.packBf16x2(lo, hi));
    }

    @Kernel
    static void specialised(KernelContext ctx, F32Buffer out, float scale, @Const int width, long count) {
        float[] tile = ctx.sharedF32(256);
        int t = ctx.threadIdx();
        tile[t] = scale * width;
        ctx.barrier();
        out.set(t + count, tile[(t + 1) % width]);
    }

    @Kernel
    static void unrolled(KernelContext ctx, @ReadOnly BF16Buffer x, F32Buffer out) {
        float[] v = new float[8];
        x.load8(8L * ctx.globalIdx(), v);
        float sum = 0f;
        for (int k = 0; k < KernelContext.unroll(8); k++) sum += v[k] * v[k];
        out.set(ctx.globalIdx(), sum);
    }

    @Kernel
    static void constantFolding(KernelContext ctx, I32Buffer out) {
        int a = 7;
        int b = a << 33;
        out.set(0, b / 3 + (int) 2.9f + (int) Float.NaN + Math.max(-4, 2));
    }
}

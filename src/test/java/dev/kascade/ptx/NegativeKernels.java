package dev.kascade.ptx;

import dev.kascade.kernel.Const;
import dev.kascade.kernel.F32Buffer;
import dev.kascade.kernel.Kernel;
import dev.kascade.kernel.KernelContext;
import dev.kascade.kernel.ReadOnly;

/**
 * Kernels the compiler must reject. Each offending line carries a marker comment {@code // ERR:tag} that
 * the test uses to check the reported line.
 */
final class NegativeKernels {
    private NegativeKernels() {
    }

    static int counter;

    @Kernel
    static void objects(KernelContext ctx, F32Buffer out) {
        StringBuilder sb = new StringBuilder(); // ERR:objects
        out.set(0, sb.length());
    }

    @Kernel
    static void divergentBarrier(KernelContext ctx, F32Buffer out) {
        if (ctx.threadIdx() < 7) {
            ctx.barrier(); // ERR:barrier
        }
        out.set(ctx.globalIdx(), 1f);
    }

    @Kernel
    static void barrierAfterEarlyReturn(KernelContext ctx, F32Buffer out, int n) {
        if (ctx.globalIdx() >= n) return;
        ctx.barrier(); // ERR:early
        out.set(ctx.globalIdx(), 1f);
    }

    @Kernel
    static void divergentShuffle(KernelContext ctx, F32Buffer out) {
        float v = out.get(ctx.globalIdx());
        if (ctx.laneId() < 16) {
            v = ctx.warpSum(v); // ERR:shuffle
        }
        out.set(ctx.globalIdx(), v);
    }

    static int fib(int n) {
        return n < 2 ? n : fib(n - 1) + fib(n - 2); // ERR:recursion
    }

    @Kernel
    static void recursion(KernelContext ctx, F32Buffer out) {
        out.set(0, fib(ctx.threadIdx()));
    }

    @Kernel
    static void dynamicIndex(KernelContext ctx, F32Buffer out, int k) {
        float[] acc = new float[4];
        acc[k & 3] = 1f; // ERR:index
        out.set(0, acc[0]);
    }

    @Kernel
    static void mathExp(KernelContext ctx, F32Buffer out) {
        out.set(0, (float) Math.exp(out.get(0))); // ERR:exp
    }

    @Kernel
    static void writeReadOnly(KernelContext ctx, @ReadOnly F32Buffer in) {
        in.set(0, 1f); // ERR:readonly
    }

    @Kernel
    static void mutableStatic(KernelContext ctx, F32Buffer out) {
        out.set(0, counter); // ERR:static
    }

    @Kernel
    static void exceptions(KernelContext ctx, F32Buffer out, int n) {
        if (n < 0) throw new IllegalArgumentException("n"); // ERR:throw
        out.set(0, n);
    }

    @Kernel
    static void bufferLength(KernelContext ctx, F32Buffer out) {
        out.set(0, out.length()); // ERR:length
    }

    @Kernel
    static void floatRemainder(KernelContext ctx, F32Buffer out) {
        out.set(0, out.get(0) % 3f); // ERR:frem
    }

    @Kernel
    static void sharedNotConstant(KernelContext ctx, F32Buffer out, int n) {
        float[] s = ctx.sharedF32(n); // ERR:shared
        s[0] = 1f;
        out.set(0, s[0]);
    }

    @Kernel
    static void asyncWaitNotConstant(KernelContext ctx, dev.kascade.kernel.I32Buffer in, F32Buffer out, int n) {
        int[] s = ctx.sharedI32(128);
        ctx.cpAsync16(s, 4 * (ctx.threadIdx() & 31), in, 4L * ctx.threadIdx());
        ctx.cpAsyncCommit();
        ctx.cpAsyncWait(n); // ERR:asyncwait
        out.set(0, s[0]);
    }

    @Kernel
    static void constKernel(KernelContext ctx, F32Buffer out, @Const int size) {
        out.set(0, size);
    }

    @Kernel
    static void divergentSyncWarp(KernelContext ctx, F32Buffer out) {
        if (ctx.laneId() < 16) {
            ctx.syncWarp(); // ERR:syncwarp
        }
        out.set(ctx.globalIdx(), 1f);
    }

    @Kernel(minBlocksPerSm = 2)
    static void blocksPerSmWithoutMaxThreads(KernelContext ctx, F32Buffer out) {
        out.set(ctx.globalIdx(), 1f);
    }
}

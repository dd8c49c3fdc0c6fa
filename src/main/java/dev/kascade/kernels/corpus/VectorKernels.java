package dev.kascade.kernels.corpus;

import dev.kascade.kernel.F32Buffer;
import dev.kascade.kernel.Kernel;
import dev.kascade.kernel.KernelContext;
import dev.kascade.kernel.ReadOnly;

/** Element-wise streaming kernels: the memory-bandwidth probes of the corpus. */
public final class VectorKernels {
    /** Floats per vector access: one 16-byte {@code ld.global.v4.f32}. */
    public static final int VEC = 4;

    private VectorKernels() {
    }

    /*
     * c = a + b over n floats (the bandwidth kernel).
     * Thread layout: 1-D grid of 1-D blocks; global thread g handles the 4-float chunks g, g+T, g+2T, ... where T is
     * the number of threads in the grid (grid-stride loop), so any grid covers any n. The n % 4 tail elements are
     * handled by scalar accesses of global threads 0..2.
     * Memory traffic: 8 bytes read and 4 bytes written per element, as 16-byte vector accesses.
     * Algorithm: load4 a and b, add lane by lane (add.rn.f32), store4 c.
     */
    @Kernel
    public static void vectorAdd(KernelContext ctx, @ReadOnly F32Buffer a, @ReadOnly F32Buffer b, F32Buffer c, int n) {
        float[] va = new float[VEC];
        float[] vb = new float[VEC];
        float[] vc = new float[VEC];
        long stride = (long) ctx.gridDim() * ctx.blockDim() * VEC;
        long vecEnd = n - n % VEC;
        for (long i = (long) ctx.globalIdx() * VEC; i < vecEnd; i += stride) {
            a.load4(i, va);
            b.load4(i, vb);
            for (int k = 0; k < KernelContext.unroll(VEC); k++) {
                vc[k] = va[k] + vb[k];
            }
            c.store4(i, vc);
        }
        long tail = vecEnd + ctx.globalIdx();
        if (tail < n) {
            c.set(tail, a.get(tail) + b.get(tail));
        }
    }

    /*
     * dst = src over n floats.
     * Thread layout: 1-D grid-stride loop, one element per thread per step.
     * Memory traffic: 4 bytes read and 4 written per element, scalar (coalesced across the warp).
     * Algorithm: a plain copy; the reference point for scalar access bandwidth.
     */
    @Kernel
    public static void copy(KernelContext ctx, @ReadOnly F32Buffer src, F32Buffer dst, int n) {
        long stride = (long) ctx.gridDim() * ctx.blockDim();
        for (long i = ctx.globalIdx(); i < n; i += stride) {
            dst.set(i, src.get(i));
        }
    }

    /*
     * y = alpha * x + y over n floats.
     * Thread layout: one element per thread; threads past n do nothing.
     * Memory traffic: 8 bytes read and 4 written per element.
     * Algorithm: a multiply then an add, each rounded (mul.rn + add.rn, never fused, as in Java).
     */
    @Kernel
    public static void saxpy(KernelContext ctx, float alpha, @ReadOnly F32Buffer x, F32Buffer y, int n) {
        int i = ctx.globalIdx();
        if (i < n) {
            y.set(i, alpha * x.get(i) + y.get(i));
        }
    }
}

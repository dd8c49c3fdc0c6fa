package dev.kascade.kernels.corpus;

import dev.kascade.kernel.BF16Buffer;
import dev.kascade.kernel.F16Buffer;
import dev.kascade.kernel.F32Buffer;
import dev.kascade.kernel.I32Buffer;
import dev.kascade.kernel.Kernel;
import dev.kascade.kernel.KernelContext;
import dev.kascade.kernel.ReadOnly;

/** f16 and bf16 storage: 16-byte vector loads and stores, conversions and packing. */
public final class HalfKernels {
    /** Halves per 16-byte vector access. */
    public static final int VEC = 8;
    /** Words {@link #packHalves} writes per pair. */
    public static final int PACK_WORDS = 4;
    /** Floats {@link #packHalves} writes per pair. */
    public static final int UNPACK_FLOATS = 6;

    private HalfKernels() {
    }

    /*
     * wide = f32(in); out = f16(in * scale) over n halves.
     * Thread layout: grid-stride loop over 8-half chunks (as VectorKernels.vectorAdd); the n % 8 tail is scalar.
     * Memory traffic: 2 bytes read, 4 + 2 written per element; the halves move as 16-byte vectors.
     * Algorithm: load8 (ld.global.v4.b32 + cvt.f32.f16), mul.rn.f32, store8 (cvt.rn.f16.f32 + st.global.v4.b32).
     */
    @Kernel
    public static void f16RoundTrip(KernelContext ctx, @ReadOnly F16Buffer in, F32Buffer wide, F16Buffer out,
                                    float scale, int n) {
        float[] v = new float[VEC];
        long stride = (long) ctx.gridDim() * ctx.blockDim() * VEC;
        long vecEnd = n - n % VEC;
        for (long i = (long) ctx.globalIdx() * VEC; i < vecEnd; i += stride) {
            in.load8(i, v);
            for (int k = 0; k < KernelContext.unroll(VEC); k++) {
                wide.set(i + k, v[k]);
                v[k] = v[k] * scale;
            }
            out.store8(i, v);
        }
        long tail = vecEnd + ctx.globalIdx();
        if (tail < n) {
            float f = in.get(tail);
            wide.set(tail, f);
            out.set(tail, f * scale);
        }
    }

    /*
     * wide = f32(in); out = bf16(in * scale) over n bf16 values.
     * Thread layout and traffic: as f16RoundTrip.
     * Algorithm: load8 (cvt.f32.bf16), mul.rn.f32, store8 (cvt.rn.bf16.f32, round to nearest even).
     */
    @Kernel
    public static void bf16RoundTrip(KernelContext ctx, @ReadOnly BF16Buffer in, F32Buffer wide, BF16Buffer out,
                                     float scale, int n) {
        float[] v = new float[VEC];
        long stride = (long) ctx.gridDim() * ctx.blockDim() * VEC;
        long vecEnd = n - n % VEC;
        for (long i = (long) ctx.globalIdx() * VEC; i < vecEnd; i += stride) {
            in.load8(i, v);
            for (int k = 0; k < KernelContext.unroll(VEC); k++) {
                wide.set(i + k, v[k]);
                v[k] = v[k] * scale;
            }
            out.store8(i, v);
        }
        long tail = vecEnd + ctx.globalIdx();
        if (tail < n) {
            float f = in.get(tail);
            wide.set(tail, f);
            out.set(tail, f * scale);
        }
    }

    /*
     * For pair p (floats lo = x[2p], hi = x[2p+1]):
     *   words[4p]   = packBf16x2(lo, hi)           words[4p+1] = packF16x2(lo, hi)
     *   words[4p+2] = raw.getPair(2p)              words[4p+3] = bf16 bits of lo | f16 bits of hi << 16
     *   floats[6p..6p+5] = lowBf16, highBf16 of word 0; lowF16, highF16 of word 1; bf16ToFloat, f16ToFloat of word 3.
     * Thread layout: one pair per thread; threads past pairs do nothing.
     * Memory traffic: 8 + 4 bytes read, 16 + 24 written per pair.
     * Algorithm: cvt.rn.bf16x2.f32 / cvt.rn.f16x2.f32 packing, shift/mask unpacking, scalar cvt both ways.
     */
    @Kernel
    public static void packHalves(KernelContext ctx, @ReadOnly F32Buffer x, @ReadOnly BF16Buffer raw,
                                  I32Buffer words, F32Buffer floats, int pairs) {
        int p = ctx.globalIdx();
        if (p < pairs) {
            float lo = x.get(2L * p);
            float hi = x.get(2L * p + 1);
            int pb = KernelContext.packBf16x2(lo, hi);
            int ph = KernelContext.packF16x2(lo, hi);
            short sb = KernelContext.floatToBf16(lo);
            short sh = KernelContext.floatToF16(hi);
            int mixed = (sb & 0xFFFF) | (sh << 16);
            long w = (long) p * PACK_WORDS;
            words.set(w, pb);
            words.set(w + 1, ph);
            words.set(w + 2, raw.getPair(2L * p));
            words.set(w + 3, mixed);
            long f = (long) p * UNPACK_FLOATS;
            floats.set(f, KernelContext.lowBf16(pb));
            floats.set(f + 1, KernelContext.highBf16(pb));
            floats.set(f + 2, KernelContext.lowF16(ph));
            floats.set(f + 3, KernelContext.highF16(ph));
            floats.set(f + 4, KernelContext.bf16ToFloat((short) mixed));
            floats.set(f + 5, KernelContext.f16ToFloat((short) (mixed >>> 16)));
        }
    }
}

package dev.kascade.kernels.corpus;

import dev.kascade.kernel.F32Buffer;
import dev.kascade.kernel.I32Buffer;
import dev.kascade.kernel.I64Buffer;
import dev.kascade.kernel.Kernel;
import dev.kascade.kernel.KernelContext;
import dev.kascade.kernel.ReadOnly;

/**
 * Java semantics that PTX does not give for free (ptx-notes 5.6): masked shift counts, wrapping overflow,
 * truncating division, saturating float-to-int casts with NaN to 0, NaN-aware comparisons. Every result must
 * match plain Java bit for bit. Division by zero is undefined on the GPU, so divisors of 0 are replaced by 1.
 */
public final class JavaSemanticsKernels {
    /** Ints {@link #intSemantics} writes per element. */
    public static final int INT_OUTPUTS = 16;
    /** Ints {@link #floatSemantics} writes per element. */
    public static final int FLOAT_INT_OUTPUTS = 10;
    /** Floats {@link #floatSemantics} writes per element. */
    public static final int FLOAT_OUTPUTS = 5;
    /** Longs {@link #longSemantics} writes per element. */
    public static final int LONG_OUTPUTS = 12;

    private JavaSemanticsKernels() {
    }

    /*
     * Integer operators on x = a[i], y = b[i]: variable and constant shifts (counts >= 32 and negative), wrapping
     * add/sub/mul/neg, truncating / and % (negative operands, MIN_VALUE / -1), narrowing casts.
     * Thread layout: one element per thread. Memory traffic: 8 bytes read, 64 written per element.
     */
    @Kernel
    public static void intSemantics(KernelContext ctx, @ReadOnly I32Buffer a, @ReadOnly I32Buffer b, I32Buffer out,
                                    int n) {
        int i = ctx.globalIdx();
        if (i >= n) {
            return;
        }
        int x = a.get(i);
        int y = b.get(i);
        int d = y == 0 ? 1 : y;
        long o = (long) i * INT_OUTPUTS;
        out.set(o, x << y);
        out.set(o + 1, x >> y);
        out.set(o + 2, x >>> y);
        out.set(o + 3, x << 35);
        out.set(o + 4, x >> 40);
        out.set(o + 5, x >>> -3);
        out.set(o + 6, x + y);
        out.set(o + 7, x - y);
        out.set(o + 8, x * y);
        out.set(o + 9, -x);
        out.set(o + 10, x / d);
        out.set(o + 11, x % d);
        out.set(o + 12, (short) x);
        out.set(o + 13, (byte) x);
        out.set(o + 14, (char) x);
        out.set(o + 15, (x ^ y) & ~(x | 0x0F0F0F0F));
    }

    /*
     * Float casts and comparisons on f = a[i], g = b[i] (inputs include NaN, infinities, -0, 1e10, subnormals):
     * ints: (int) f, (int) g, (int) (long) f, and the six comparisons f<g, f<=g, f>g, f>=g, f==g, f!=g as 0/1, plus
     * f != f (NaN test); floats: f+g, f-g, f*g, f/g (all .rn, IEEE), (float) (int) f.
     * Thread layout: one element per thread. Memory traffic: 8 bytes read, 60 written per element.
     */
    @Kernel
    public static void floatSemantics(KernelContext ctx, @ReadOnly F32Buffer a, @ReadOnly F32Buffer b,
                                      I32Buffer ints, F32Buffer floats, int n) {
        int i = ctx.globalIdx();
        if (i >= n) {
            return;
        }
        float f = a.get(i);
        float g = b.get(i);
        long o = (long) i * FLOAT_INT_OUTPUTS;
        ints.set(o, (int) f);
        ints.set(o + 1, (int) g);
        ints.set(o + 2, (int) (long) f);
        ints.set(o + 3, f < g ? 1 : 0);
        ints.set(o + 4, f <= g ? 1 : 0);
        ints.set(o + 5, f > g ? 1 : 0);
        ints.set(o + 6, f >= g ? 1 : 0);
        ints.set(o + 7, f == g ? 1 : 0);
        ints.set(o + 8, f != g ? 1 : 0);
        ints.set(o + 9, f != f ? 1 : 0);
        long p = (long) i * FLOAT_OUTPUTS;
        floats.set(p, f + g);
        floats.set(p + 1, f - g);
        floats.set(p + 2, f * g);
        floats.set(p + 3, f / g);
        floats.set(p + 4, (float) (int) f);
    }

    /*
     * Long arithmetic on x = a[i], y = b[i], f = c[i]: widening multiply, 64-bit shifts by variable counts (masked
     * to 6 bits) and constants >= 64, wrapping multiply, truncating / and % (MIN_VALUE / -1 included), narrowing
     * to int, (long) f saturating with NaN to 0, unsigned-style masking.
     * Thread layout: one element per thread. Memory traffic: 12 bytes read, 96 written per element.
     */
    @Kernel
    public static void longSemantics(KernelContext ctx, @ReadOnly I32Buffer a, @ReadOnly I32Buffer b,
                                     @ReadOnly F32Buffer c, I64Buffer out, int n) {
        int i = ctx.globalIdx();
        if (i >= n) {
            return;
        }
        int x = a.get(i);
        int y = b.get(i);
        float f = c.get(i);
        long wide = (long) x * y;
        long q = ((long) x << 32) | (y & 0xFFFFFFFFL);
        long d = y == 0 ? 1L : (long) y;
        long o = (long) i * LONG_OUTPUTS;
        out.set(o, wide);
        out.set(o + 1, q);
        out.set(o + 2, q << y);
        out.set(o + 3, q >> y);
        out.set(o + 4, q >>> y);
        out.set(o + 5, q << 70);
        out.set(o + 6, q * q);
        out.set(o + 7, q / d);
        out.set(o + 8, q % d);
        out.set(o + 9, (int) q);
        out.set(o + 10, (long) f);
        out.set(o + 11, Long.MIN_VALUE / (x == Integer.MIN_VALUE ? -1L : d));
    }
}

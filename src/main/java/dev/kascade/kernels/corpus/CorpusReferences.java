package dev.kascade.kernels.corpus;

import dev.kascade.kernel.KernelContext;

/**
 * Plain sequential Java references for the corpus kernels, written from the definitions (not from the kernel
 * code): the self-test and the unit tests compare every kernel with these. Where the order of float
 * operations is part of the contract (warp butterflies, the block tree), the reference follows the same
 * order so the comparison is bit-exact; elsewhere it computes in float64.
 */
public final class CorpusReferences {
    private static final int W = KernelContext.WARP_SIZE;

    private CorpusReferences() {
    }

    /** a + b element-wise (each sum rounded to f32). */
    public static float[] add(float[] a, float[] b) {
        float[] c = new float[a.length];
        for (int i = 0; i < a.length; i++) {
            c[i] = a[i] + b[i];
        }
        return c;
    }

    /** alpha * x + y with two roundings (no fused multiply-add, as Java evaluates it). */
    public static float[] saxpy(float alpha, float[] x, float[] y) {
        float[] out = new float[x.length];
        for (int i = 0; i < x.length; i++) {
            float p = alpha * x[i];
            out[i] = p + y[i];
        }
        return out;
    }

    /** The 32 values of warp {@code w} (element 32w + lane), {@code pad} past the end. */
    static float[] lanes(float[] x, int w, float pad) {
        float[] v = new float[W];
        for (int l = 0; l < W; l++) {
            int i = w * W + l;
            v[l] = i < x.length ? x[i] : pad;
        }
        return v;
    }

    /** Per warp: the sum of its 32 values in butterfly order (pairs 16 apart first, then 8, 4, 2, 1). */
    public static float[] warpSums(float[] x, int warps) {
        float[] out = new float[warps];
        for (int w = 0; w < warps; w++) {
            float[] v = lanes(x, w, 0f);
            for (int d = W / 2; d >= 1; d /= 2) {
                float[] next = new float[W];
                for (int l = 0; l < W; l++) {
                    next[l] = v[l] + v[l ^ d];
                }
                v = next;
            }
            out[w] = v[0];
        }
        return out;
    }

    /** Per warp: the maximum of its values, NaN if any is NaN. */
    public static float[] warpMaxes(float[] x, int warps) {
        float[] out = new float[warps];
        for (int w = 0; w < warps; w++) {
            float m = Float.NEGATIVE_INFINITY;
            for (float v : lanes(x, w, Float.NEGATIVE_INFINITY)) {
                m = Float.isNaN(v) || Float.isNaN(m) ? Float.NaN : Math.max(m, v);
            }
            out[w] = m;
        }
        return out;
    }

    /**
     * Per warp: lane 0 and lane 31 after v += (lane + d < 32 ? v[lane + d] : v[lane]) for d = 16, 8, 4, 2, 1.
     */
    public static float[] warpSumDown(float[] x, int warps) {
        float[] out = new float[2 * warps];
        for (int w = 0; w < warps; w++) {
            float[] v = lanes(x, w, 0f);
            for (int d = W / 2; d >= 1; d /= 2) {
                float[] next = new float[W];
                for (int l = 0; l < W; l++) {
                    next[l] = v[l] + (l + d < W ? v[l + d] : v[l]);
                }
                v = next;
            }
            out[2 * w] = v[0];
            out[2 * w + 1] = v[W - 1];
        }
        return out;
    }

    /** Per warp: wrapping sum, max, and the bit mask of lanes holding a positive value. */
    public static int[] warpIntReduce(int[] x, int warps) {
        int[] out = new int[3 * warps];
        for (int w = 0; w < warps; w++) {
            int sum = 0;
            int max = Integer.MIN_VALUE;
            int mask = 0;
            for (int l = 0; l < W; l++) {
                int i = w * W + l;
                if (i < x.length) {
                    sum += x[i];
                    max = Math.max(max, x[i]);
                    if (x[i] > 0) {
                        mask |= 1 << l;
                    }
                }
            }
            out[3 * w] = sum;
            out[3 * w + 1] = max;
            out[3 * w + 2] = mask;
        }
        return out;
    }

    /** Per element: the value of lane ^ 5, of lane + 3 (own past 31), of lane (7 lane + warp) mod 32. */
    public static float[] warpShuffle(float[] x) {
        float[] out = new float[3 * x.length];
        for (int i = 0; i < x.length; i++) {
            int w = i / W;
            int l = i % W;
            float[] v = lanes(x, w, 0f);
            out[3 * i] = v[l ^ 5];
            out[3 * i + 1] = l + 3 < W ? v[l + 3] : v[l];
            out[3 * i + 2] = v[(7 * l + w) & (W - 1)];
        }
        return out;
    }

    /**
     * Per block b of a grid of {@code blocks}: each thread t sums elements b*bs + t, + blocks*bs, ... in order,
     * then the block adds pairs s apart for s = bs/2 .. 1 (tree order).
     */
    public static float[] blockSums(float[] x, int blocks, int blockSize) {
        float[] out = new float[blocks];
        for (int b = 0; b < blocks; b++) {
            float[] part = new float[blockSize];
            for (int t = 0; t < blockSize; t++) {
                float acc = 0f;
                for (long i = (long) b * blockSize + t; i < x.length; i += (long) blocks * blockSize) {
                    acc += x[(int) i];
                }
                part[t] = acc;
            }
            for (int s = blockSize / 2; s > 0; s /= 2) {
                for (int t = 0; t < s; t++) {
                    part[t] += part[t + s];
                }
            }
            out[b] = part[0];
        }
        return out;
    }

    /** Counts of floorMod(v, bins), then the maximum value. */
    public static int[] histogram(int[] values, int bins) {
        int[] out = new int[bins + 1];
        out[bins] = Integer.MIN_VALUE;
        for (int v : values) {
            out[Math.floorMod(v, bins)]++;
            out[bins] = Math.max(out[bins], v);
        }
        return out;
    }

    /** Per block of {@code blockSize} consecutive elements: sum (in f64) and max. */
    public static double[] blockSumMax(float[] x, int blocks, int blockSize) {
        double[] out = new double[2 * blocks];
        for (int b = 0; b < blocks; b++) {
            double s = 0;
            double m = Double.NEGATIVE_INFINITY;
            for (int i = b * blockSize; i < Math.min(x.length, (b + 1) * blockSize); i++) {
                s += x[i];
                m = Math.max(m, x[i]);
            }
            out[2 * b] = s;
            out[2 * b + 1] = m;
        }
        return out;
    }

    /** The transpose of a rows x cols row-major matrix. */
    public static float[] transpose(float[] in, int rows, int cols) {
        float[] out = new float[in.length];
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < cols; c++) {
                out[c * rows + r] = in[r * cols + c];
            }
        }
        return out;
    }

    /** Row softmax in float64. */
    public static double[] softmax(float[] x, int rows, int cols) {
        double[] out = new double[rows * cols];
        for (int r = 0; r < rows; r++) {
            double m = Double.NEGATIVE_INFINITY;
            for (int c = 0; c < cols; c++) {
                m = Math.max(m, x[r * cols + c]);
            }
            double s = 0;
            for (int c = 0; c < cols; c++) {
                s += Math.exp(x[r * cols + c] - m);
            }
            for (int c = 0; c < cols; c++) {
                out[r * cols + c] = Math.exp(x[r * cols + c] - m) / s;
            }
        }
        return out;
    }

    /** f16 bits times {@code scale}, rounded back to f16 bits (nearest even). */
    public static short[] scaleF16(short[] in, float scale) {
        short[] out = new short[in.length];
        for (int i = 0; i < in.length; i++) {
            out[i] = Float.floatToFloat16(Float.float16ToFloat(in[i]) * scale);
        }
        return out;
    }

    /** bf16 bits times {@code scale}, rounded back to bf16 bits (nearest even). */
    public static short[] scaleBf16(short[] in, float scale) {
        short[] out = new short[in.length];
        for (int i = 0; i < in.length; i++) {
            out[i] = toBf16(Float.intBitsToFloat(in[i] << 16) * scale);
        }
        return out;
    }

    /**
     * f32 to bf16 bits, round to nearest even, written from the definition: keep the top 16 bits, add one
     * unit when the dropped 16 bits exceed half, or equal half with an odd kept part. NaN stays a quiet NaN.
     */
    public static short toBf16(float v) {
        int bits = Float.floatToRawIntBits(v);
        if (Float.isNaN(v)) {
            return (short) ((bits >>> 16) | 0x40);
        }
        int kept = bits >>> 16;
        int dropped = bits & 0xFFFF;
        if (dropped > 0x8000 || (dropped == 0x8000 && (kept & 1) == 1)) {
            kept++;
        }
        return (short) kept;
    }

    /** The words and floats of {@link HalfKernels#packHalves}, from the definitions. */
    public static void packHalves(float[] x, short[] raw, int[] words, float[] floats) {
        for (int p = 0; p < x.length / 2; p++) {
            float lo = x[2 * p];
            float hi = x[2 * p + 1];
            int pb = (toBf16(lo) & 0xFFFF) | (toBf16(hi) & 0xFFFF) << 16;
            int ph = (Float.floatToFloat16(lo) & 0xFFFF) | (Float.floatToFloat16(hi) & 0xFFFF) << 16;
            int mixed = (toBf16(lo) & 0xFFFF) | (Float.floatToFloat16(hi) & 0xFFFF) << 16;
            words[4 * p] = pb;
            words[4 * p + 1] = ph;
            words[4 * p + 2] = (raw[2 * p] & 0xFFFF) | (raw[2 * p + 1] & 0xFFFF) << 16;
            words[4 * p + 3] = mixed;
            floats[6 * p] = Float.intBitsToFloat((pb & 0xFFFF) << 16);
            floats[6 * p + 1] = Float.intBitsToFloat(pb & 0xFFFF0000);
            floats[6 * p + 2] = Float.float16ToFloat((short) ph);
            floats[6 * p + 3] = Float.float16ToFloat((short) (ph >>> 16));
            floats[6 * p + 4] = Float.intBitsToFloat((mixed & 0xFFFF) << 16);
            floats[6 * p + 5] = Float.float16ToFloat((short) (mixed >>> 16));
        }
    }

    /** The three outputs of {@link ControlFlowKernels#controlFlow} per input, computed bit by bit. */
    public static int[] controlFlow(int[] in) {
        int[] out = new int[3 * in.length];
        for (int i = 0; i < in.length; i++) {
            int x = in[i];
            int acc = 0;
            int bits = x & 0xFFFF;
            while (bits != 0) {
                int k = Integer.numberOfTrailingZeros(bits);
                bits &= bits - 1;
                int r = k % 4;
                if (r == 0) {
                    acc += k;
                } else if (r == 1) {
                    acc ^= x >>> 3;
                } else if (r == 2) {
                    acc = acc * 3 + 1;
                } else {
                    acc -= k * k;
                }
                if (acc > 1000 && acc % 2 == 0) {
                    break;
                }
                if (acc > 1000) {
                    acc -= 500;
                }
            }
            int mixed = switch (x & 7) {
                case 0, 1, 2 -> acc;
                case 3, 4, 5 -> -acc;
                default -> acc >> 2;
            };
            int c = (x & 0xFF) + 1;
            int steps = 0;
            for (; steps < ControlFlowKernels.MAX_STEPS && c != 1; steps++) {
                c = c % 2 == 0 ? c / 2 : 3 * c + 1;
            }
            int count = (x > 0 && (x & 4) != 0 ? 1 : 0)
                    + (x < -1000 || (x & 0x30) == 0x30 ? 2 : 0)
                    + ((x != 0 && (x & 1) == 1) || steps > 20 ? 4 : 0);
            out[3 * i] = mixed;
            out[3 * i + 1] = steps;
            out[3 * i + 2] = count;
        }
        return out;
    }

    /** The {@link JavaSemanticsKernels#intSemantics} outputs, evaluated by the JVM (Java semantics by definition). */
    public static int[] intSemantics(int[] a, int[] b) {
        int k = JavaSemanticsKernels.INT_OUTPUTS;
        int[] out = new int[k * a.length];
        for (int i = 0; i < a.length; i++) {
            int x = a[i];
            int y = b[i];
            int d = y == 0 ? 1 : y;
            int[] r = {x << y, x >> y, x >>> y, x << 35, x >> 40, x >>> -3, x + y, x - y, x * y, -x, x / d, x % d,
                (short) x, (byte) x, (char) x, (x ^ y) & ~(x | 0x0F0F0F0F)};
            System.arraycopy(r, 0, out, k * i, k);
        }
        return out;
    }

    /** The {@link JavaSemanticsKernels#floatSemantics} int outputs (casts and comparisons as 0/1). */
    public static int[] floatSemanticsInts(float[] a, float[] b) {
        int k = JavaSemanticsKernels.FLOAT_INT_OUTPUTS;
        int[] out = new int[k * a.length];
        for (int i = 0; i < a.length; i++) {
            float f = a[i];
            float g = b[i];
            int[] r = {(int) f, (int) g, (int) (long) f, f < g ? 1 : 0, f <= g ? 1 : 0, f > g ? 1 : 0, f >= g ? 1 : 0,
                f == g ? 1 : 0, f != g ? 1 : 0, Float.isNaN(f) ? 1 : 0};
            System.arraycopy(r, 0, out, k * i, k);
        }
        return out;
    }

    /** The {@link JavaSemanticsKernels#floatSemantics} float outputs (IEEE, round to nearest even). */
    public static float[] floatSemanticsFloats(float[] a, float[] b) {
        int k = JavaSemanticsKernels.FLOAT_OUTPUTS;
        float[] out = new float[k * a.length];
        for (int i = 0; i < a.length; i++) {
            float f = a[i];
            float g = b[i];
            float[] r = {f + g, f - g, f * g, f / g, (float) (int) f};
            System.arraycopy(r, 0, out, k * i, k);
        }
        return out;
    }

    /** The {@link JavaSemanticsKernels#longSemantics} outputs. */
    public static long[] longSemantics(int[] a, int[] b, float[] c) {
        int k = JavaSemanticsKernels.LONG_OUTPUTS;
        long[] out = new long[k * a.length];
        for (int i = 0; i < a.length; i++) {
            int x = a[i];
            int y = b[i];
            long wide = (long) x * y;
            long q = ((long) x << 32) | (y & 0xFFFFFFFFL);
            long d = y == 0 ? 1L : y;
            long[] r = {wide, q, q << y, q >> y, q >>> y, q << 70, q * q, q / d, q % d, (int) q, (long) c[i],
                Long.MIN_VALUE / (x == Integer.MIN_VALUE ? -1L : d)};
            System.arraycopy(r, 0, out, k * i, k);
        }
        return out;
    }

    /**
     * y = W x with the kernel's order: lane l of a row's warp accumulates fma(w, x, acc) over its 8-column chunks
     * 8l, 8l + 256, ... in column order; the 32 lane sums are then added in butterfly order. Bit-exact.
     */
    public static float[] bf16Gemv(float[] w, float[] x, int rows, int cols) {
        float[] y = new float[rows];
        for (int r = 0; r < rows; r++) {
            float[] lane = new float[W];
            for (int l = 0; l < W; l++) {
                float acc = 0f;
                for (int c = l * RowKernels.VEC; c < cols; c += RowKernels.WARP_SPAN) {
                    for (int k = 0; k < RowKernels.VEC; k++) {
                        acc = Math.fma(w[r * cols + c + k], x[c + k], acc);
                    }
                }
                lane[l] = acc;
            }
            y[r] = warpSums(lane, 1)[0];
        }
        return y;
    }

    /** RMSNorm in float64: x * weight / sqrt(mean(x^2) + eps). */
    public static double[] rmsNorm(float[] x, float[] weight, int rows, int cols, float eps) {
        double[] y = new double[rows * cols];
        for (int r = 0; r < rows; r++) {
            double sq = 0;
            for (int c = 0; c < cols; c++) {
                sq += (double) x[r * cols + c] * x[r * cols + c];
            }
            double scale = 1 / Math.sqrt(sq / cols + eps);
            for (int c = 0; c < cols; c++) {
                y[r * cols + c] = x[r * cols + c] * scale * weight[c];
            }
        }
        return y;
    }

    /** float64 product of a (m x k, row-major) and bt (n x k, row-major, i.e. B transposed). */
    public static double[] matmulTransposed(float[] a, float[] bt, int m, int n, int k) {
        double[] c = new double[m * n];
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                double s = 0;
                for (int p = 0; p < k; p++) {
                    s += (double) a[i * k + p] * bt[j * k + p];
                }
                c[i * n + j] = s;
            }
        }
        return c;
    }
}

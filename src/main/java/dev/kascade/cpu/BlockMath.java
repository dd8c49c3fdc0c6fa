package dev.kascade.cpu;

import static dev.kascade.cpu.Rows.F;
import static dev.kascade.cpu.Rows.L;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;

/**
 * f32 building blocks of attention on L1-resident blocks: logits of a key block against a few query
 * rows, the online-softmax update, and the P.V accumulation. All work on plain {@code float[]} scratch
 * with the preferred float species.
 *
 * <p>Layouts: a key or value block is {@code [nb][d]} (row j at {@code j * d}); query rows are
 * {@code [rows][d]}; logits/probabilities are {@code [rows][BLOCK]} with the tail of each row padded by
 * {@code -inf} (logits) or 0 (probabilities); accumulators are {@code [rows][d]}.
 */
public final class BlockMath {
    /** Keys per block in the decode kernels: 32 rows of d=128 f32 = 16 KB, stays in L1. */
    public static final int BLOCK = 32;

    static {
        if (BLOCK % (2 * L) != 0) {
            throw new ExceptionInInitializerError("BLOCK " + BLOCK + " must be a multiple of two vectors (" + 2 * L + ")");
        }
    }

    private BlockMath() {
    }

    /**
     * {@code s[h * stride + j] = q_h . k_j} for {@code h < rows}, {@code j < nb}; each row padded with {@code -inf}
     * up to {@code stride} (a multiple of two vectors, at least {@code nb}). Query rows are read in groups of four so
     * every loaded key chunk feeds four FMAs; the four dot products are reduced across lanes once per key.
     */
    public static void logits(float[] q, int qOff, int rows, int d, float[] kb, int nb, float[] s, int stride) {
        int vecEnd = d - d % L;
        int h = 0;
        for (; h + 4 <= rows; h += 4) {
            int q0 = qOff + h * d, q1 = q0 + d, q2 = q1 + d, q3 = q2 + d;
            for (int j = 0; j < nb; j++) {
                int kOff = j * d;
                FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
                for (int c = 0; c < vecEnd; c += L) {
                    FloatVector k = FloatVector.fromArray(F, kb, kOff + c);
                    a0 = FloatVector.fromArray(F, q, q0 + c).fma(k, a0);
                    a1 = FloatVector.fromArray(F, q, q1 + c).fma(k, a1);
                    a2 = FloatVector.fromArray(F, q, q2 + c).fma(k, a2);
                    a3 = FloatVector.fromArray(F, q, q3 + c).fma(k, a3);
                }
                float s0 = a0.reduceLanes(VectorOperators.ADD), s1 = a1.reduceLanes(VectorOperators.ADD);
                float s2 = a2.reduceLanes(VectorOperators.ADD), s3 = a3.reduceLanes(VectorOperators.ADD);
                for (int c = vecEnd; c < d; c++) {
                    float kc = kb[kOff + c];
                    s0 += q[q0 + c] * kc;
                    s1 += q[q1 + c] * kc;
                    s2 += q[q2 + c] * kc;
                    s3 += q[q3 + c] * kc;
                }
                s[h * stride + j] = s0;
                s[(h + 1) * stride + j] = s1;
                s[(h + 2) * stride + j] = s2;
                s[(h + 3) * stride + j] = s3;
            }
        }
        for (; h < rows; h++) {
            int q0 = qOff + h * d;
            for (int j = 0; j < nb; j++) {
                int kOff = j * d;
                FloatVector a0 = FloatVector.zero(F);
                for (int c = 0; c < vecEnd; c += L) {
                    a0 = FloatVector.fromArray(F, q, q0 + c).fma(FloatVector.fromArray(F, kb, kOff + c), a0);
                }
                float s0 = a0.reduceLanes(VectorOperators.ADD);
                for (int c = vecEnd; c < d; c++) {
                    s0 += q[q0 + c] * kb[kOff + c];
                }
                s[h * stride + j] = s0;
            }
        }
        if (nb < stride) {
            for (int r = 0; r < rows; r++) {
                java.util.Arrays.fill(s, r * stride + nb, r * stride + stride, Float.NEGATIVE_INFINITY);
            }
        }
    }

    /**
     * Online-softmax step for one row: with running max {@code m[row]} and sum {@code l[row]}, turns the
     * row's logits {@code s[row*BLOCK..]} into {@code exp(s - mNew)} in place, updates m and l, and
     * rescales the row's accumulator {@code acc[accOff..accOff+d)} (null: no accumulator).
     */
    public static void softmaxStep(float[] s, int row, float[] m, float[] l, int mlOff,
                                   float[] acc, int accOff, int d) {
        softmaxStep(s, row, m, l, mlOff, acc, accOff, d, BLOCK);
    }

    /** As above, with logit rows {@code stride} floats apart (a multiple of two vectors; the whole row is used). */
    public static void softmaxStep(float[] s, int row, float[] m, float[] l, int mlOff,
                                   float[] acc, int accOff, int d, int stride) {
        int base = row * stride;
        // Two running maxima (stride is a multiple of two vectors), each a compare and a blend: Java's max is a
        // longer chain (NaN and -0.0 rules), and one chain of it made the max pass half the softmax's time for
        // 512-key blocks (softmax step 1.23-1.32 ns per key and KV head with compare/blend, 1.51-1.71 with two
        // chains of max, 2.36-2.64 with one). A NaN logit is skipped here but still turns its exp, the row's sum and
        // the output into NaN; a row with nothing but NaN and -inf is caught below.
        FloatVector mx = FloatVector.broadcast(F, Float.NEGATIVE_INFINITY);
        FloatVector my = mx;
        for (int j = 0; j < stride; j += 2 * L) {
            FloatVector a = FloatVector.fromArray(F, s, base + j);
            FloatVector b = FloatVector.fromArray(F, s, base + j + L);
            mx = mx.blend(a, mx.compare(VectorOperators.LT, a));
            my = my.blend(b, my.compare(VectorOperators.LT, b));
        }
        float blockMax = mx.max(my).reduceLanes(VectorOperators.MAX);
        float mOld = m[mlOff + row];
        float mNew = Math.max(mOld, blockMax);
        if (mNew == Float.NEGATIVE_INFINITY) {
            if (!anyNaN(s, base, stride)) {
                java.util.Arrays.fill(s, base, base + stride, 0f);
                return; // nothing visible yet in this row
            }
            mNew = Float.NaN; // NaN logits and nothing finite yet: the row's result is NaN, as with NaN inputs anywhere
        }
        FloatVector mv = FloatVector.broadcast(F, mNew);
        FloatVector sum = FloatVector.zero(F);
        for (int j = 0; j < stride; j += L) {
            FloatVector p = VectorExp.exp(FloatVector.fromArray(F, s, base + j).sub(mv));
            p.intoArray(s, base + j);
            sum = sum.add(p);
        }
        float scale = mOld == Float.NEGATIVE_INFINITY ? 0f : (float) Math.exp(mOld - mNew);
        l[mlOff + row] = l[mlOff + row] * scale + sum.reduceLanes(VectorOperators.ADD);
        m[mlOff + row] = mNew;
        if (acc != null && scale != 1f) {
            scale(acc, accOff, d, scale);
        }
    }

    private static boolean anyNaN(float[] s, int off, int n) {
        for (int j = off; j < off + n; j++) {
            if (Float.isNaN(s[j])) return true;
        }
        return false;
    }

    /** {@code a[off..off+n) *= f}. */
    public static void scale(float[] a, int off, int n, float f) {
        int c = 0;
        FloatVector fv = FloatVector.broadcast(F, f);
        for (; c <= n - L; c += L) {
            FloatVector.fromArray(F, a, off + c).mul(fv).intoArray(a, off + c);
        }
        for (; c < n; c++) {
            a[off + c] *= f;
        }
    }

    /**
     * {@code acc[h] += sum_j p[h*BLOCK + j] * v_j} for {@code h < rows}, {@code j < nb}. Outer loop over
     * d-chunks of two vectors so that 4 rows x 2 accumulator vectors stay in registers while the value block streams
     * from L1.
     */
    public static void accumulate(float[] p, int rows, float[] vb, int nb, int d, float[] acc, int accOff) {
        accumulate(p, rows, vb, nb, d, acc, accOff, BLOCK);
    }

    /** As above, with logit rows {@code stride} floats apart (a multiple of two vectors, at least {@code nb}). */
    public static void accumulate(float[] p, int rows, float[] vb, int nb, int d, float[] acc, int accOff, int stride) {
        int vecEnd = d - d % L;
        int h = 0;
        for (; h + 4 <= rows; h += 4) {
            int o0 = accOff + h * d, o1 = o0 + d, o2 = o1 + d, o3 = o2 + d;
            int p0 = h * stride, p1 = p0 + stride, p2 = p1 + stride, p3 = p2 + stride;
            int c = 0;
            for (; c + 2 * L <= vecEnd; c += 2 * L) {
                // Two vectors of each row a pass: eight FMA chains, enough to cover the FMA latency on both pipes
                // (four chains, one vector a pass, leave half of them idle).
                FloatVector a0 = FloatVector.fromArray(F, acc, o0 + c), b0 = FloatVector.fromArray(F, acc, o0 + c + L);
                FloatVector a1 = FloatVector.fromArray(F, acc, o1 + c), b1 = FloatVector.fromArray(F, acc, o1 + c + L);
                FloatVector a2 = FloatVector.fromArray(F, acc, o2 + c), b2 = FloatVector.fromArray(F, acc, o2 + c + L);
                FloatVector a3 = FloatVector.fromArray(F, acc, o3 + c), b3 = FloatVector.fromArray(F, acc, o3 + c + L);
                for (int j = 0; j < nb; j++) {
                    FloatVector v = FloatVector.fromArray(F, vb, j * d + c);
                    FloatVector w = FloatVector.fromArray(F, vb, j * d + c + L);
                    FloatVector x = FloatVector.broadcast(F, p[p0 + j]);
                    a0 = v.fma(x, a0);
                    b0 = w.fma(x, b0);
                    x = FloatVector.broadcast(F, p[p1 + j]);
                    a1 = v.fma(x, a1);
                    b1 = w.fma(x, b1);
                    x = FloatVector.broadcast(F, p[p2 + j]);
                    a2 = v.fma(x, a2);
                    b2 = w.fma(x, b2);
                    x = FloatVector.broadcast(F, p[p3 + j]);
                    a3 = v.fma(x, a3);
                    b3 = w.fma(x, b3);
                }
                a0.intoArray(acc, o0 + c);
                b0.intoArray(acc, o0 + c + L);
                a1.intoArray(acc, o1 + c);
                b1.intoArray(acc, o1 + c + L);
                a2.intoArray(acc, o2 + c);
                b2.intoArray(acc, o2 + c + L);
                a3.intoArray(acc, o3 + c);
                b3.intoArray(acc, o3 + c + L);
            }
            for (; c < vecEnd; c += L) {
                FloatVector a0 = FloatVector.fromArray(F, acc, o0 + c);
                FloatVector a1 = FloatVector.fromArray(F, acc, o1 + c);
                FloatVector a2 = FloatVector.fromArray(F, acc, o2 + c);
                FloatVector a3 = FloatVector.fromArray(F, acc, o3 + c);
                for (int j = 0; j < nb; j++) {
                    FloatVector v = FloatVector.fromArray(F, vb, j * d + c);
                    a0 = v.fma(FloatVector.broadcast(F, p[p0 + j]), a0);
                    a1 = v.fma(FloatVector.broadcast(F, p[p1 + j]), a1);
                    a2 = v.fma(FloatVector.broadcast(F, p[p2 + j]), a2);
                    a3 = v.fma(FloatVector.broadcast(F, p[p3 + j]), a3);
                }
                a0.intoArray(acc, o0 + c);
                a1.intoArray(acc, o1 + c);
                a2.intoArray(acc, o2 + c);
                a3.intoArray(acc, o3 + c);
            }
            for (; c < d; c++) { // c = vecEnd: the elements past the last whole vector
                float x0 = acc[o0 + c], x1 = acc[o1 + c], x2 = acc[o2 + c], x3 = acc[o3 + c];
                for (int j = 0; j < nb; j++) {
                    float v = vb[j * d + c];
                    x0 += p[p0 + j] * v;
                    x1 += p[p1 + j] * v;
                    x2 += p[p2 + j] * v;
                    x3 += p[p3 + j] * v;
                }
                acc[o0 + c] = x0;
                acc[o1 + c] = x1;
                acc[o2 + c] = x2;
                acc[o3 + c] = x3;
            }
        }
        for (; h < rows; h++) {
            int o0 = accOff + h * d;
            int p0 = h * stride;
            for (int c = 0; c < vecEnd; c += L) {
                FloatVector a0 = FloatVector.fromArray(F, acc, o0 + c);
                for (int j = 0; j < nb; j++) {
                    a0 = FloatVector.fromArray(F, vb, j * d + c).fma(FloatVector.broadcast(F, p[p0 + j]), a0);
                }
                a0.intoArray(acc, o0 + c);
            }
            for (int c = vecEnd; c < d; c++) {
                float x0 = acc[o0 + c];
                for (int j = 0; j < nb; j++) {
                    x0 += p[p0 + j] * vb[j * d + c];
                }
                acc[o0 + c] = x0;
            }
        }
    }

    /**
     * Prefill logits against a transposed key block: {@code s[row * BLOCK + j] = q_row . k_j} for
     * {@code row < rows}, all {@code j < BLOCK}, with {@code kt[c * BLOCK + j]} (zero-padded past the
     * block's keys). Micro-kernel: 4 query rows x 2L keys, so each step does 2 key loads, 4 query
     * broadcasts and 8 FMAs, and no lane reduction is needed.
     */
    public static void logitsTransposed(float[] q, int qOff, int rows, int d, float[] kt, float[] s) {
        int row = 0;
        for (; row + 4 <= rows; row += 4) {
            int q0 = qOff + row * d, q1 = q0 + d, q2 = q1 + d, q3 = q2 + d;
            for (int j = 0; j < BLOCK; j += 2 * L) {
                FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
                FloatVector b0 = a0, b1 = a0, b2 = a0, b3 = a0;
                for (int c = 0; c < d; c++) {
                    FloatVector k0 = FloatVector.fromArray(F, kt, c * BLOCK + j);
                    FloatVector k1 = FloatVector.fromArray(F, kt, c * BLOCK + j + L);
                    FloatVector x0 = FloatVector.broadcast(F, q[q0 + c]);
                    FloatVector x1 = FloatVector.broadcast(F, q[q1 + c]);
                    FloatVector x2 = FloatVector.broadcast(F, q[q2 + c]);
                    FloatVector x3 = FloatVector.broadcast(F, q[q3 + c]);
                    a0 = k0.fma(x0, a0);
                    b0 = k1.fma(x0, b0);
                    a1 = k0.fma(x1, a1);
                    b1 = k1.fma(x1, b1);
                    a2 = k0.fma(x2, a2);
                    b2 = k1.fma(x2, b2);
                    a3 = k0.fma(x3, a3);
                    b3 = k1.fma(x3, b3);
                }
                int o = row * BLOCK + j;
                a0.intoArray(s, o);
                b0.intoArray(s, o + L);
                a1.intoArray(s, o + BLOCK);
                b1.intoArray(s, o + BLOCK + L);
                a2.intoArray(s, o + 2 * BLOCK);
                b2.intoArray(s, o + 2 * BLOCK + L);
                a3.intoArray(s, o + 3 * BLOCK);
                b3.intoArray(s, o + 3 * BLOCK + L);
            }
        }
        for (; row < rows; row++) {
            int q0 = qOff + row * d;
            for (int j = 0; j < BLOCK; j += L) {
                FloatVector a0 = FloatVector.zero(F);
                for (int c = 0; c < d; c++) {
                    a0 = FloatVector.fromArray(F, kt, c * BLOCK + j).fma(FloatVector.broadcast(F, q[q0 + c]), a0);
                }
                a0.intoArray(s, row * BLOCK + j);
            }
        }
    }
}

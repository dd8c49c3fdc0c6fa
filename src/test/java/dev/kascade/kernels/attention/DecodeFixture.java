package dev.kascade.kernels.attention;

import dev.kascade.kernel.BF16Buffer;
import dev.kascade.kernel.F16Buffer;
import dev.kascade.kernel.F32Buffer;
import dev.kascade.kernel.I32Buffer;
import dev.kascade.kernel.KernelBuffer;
import dev.kascade.tensor.DType;
import java.lang.foreign.Arena;
import java.util.Random;

/**
 * Random decode inputs (never zeros) in kernel buffers, with float64 copies of exactly the stored values
 * for the references. q ~ N(0, qStd^2) so that softmax is peaked enough for top-k to matter.
 */
final class DecodeFixture {
    final DecodeShape shape;
    final DType dtype;
    final F32Buffer q;
    final KvLayer kv;
    final I32Buffer lengths;
    final F32Buffer out;
    final double[] qd;
    final double[] kd;
    final double[] vd;
    final int[] len;

    DecodeFixture(Arena arena, DecodeShape shape, DType dtype, int[] lengths, long seed) {
        this.shape = shape;
        this.dtype = dtype;
        this.len = lengths.clone();
        Random rnd = new Random(seed);
        long nq = shape.queryElements();
        long nc = shape.cacheElements();
        q = F32Buffer.allocate(arena, nq);
        qd = new double[(int) nq];
        for (int i = 0; i < nq; i++) {
            float x = (float) (rnd.nextGaussian() * 2.5);
            q.set(i, x);
            qd[i] = x;
        }
        KernelBuffer k = cache(arena, dtype, nc);
        KernelBuffer v = cache(arena, dtype, nc);
        kd = new double[(int) nc];
        vd = new double[(int) nc];
        for (int i = 0; i < nc; i++) {
            kd[i] = store(k, i, (float) rnd.nextGaussian());
            vd[i] = store(v, i, (float) (rnd.nextDouble() * 2 - 1));
        }
        kv = new KvLayer(k, v);
        this.lengths = I32Buffer.allocate(arena, shape.batch());
        for (int b = 0; b < shape.batch(); b++) this.lengths.set(b, lengths[b]);
        out = F32Buffer.allocate(arena, nq);
        for (int i = 0; i < nq; i++) out.set(i, Float.NaN); // poison: every output must be written
    }

    private static KernelBuffer cache(Arena arena, DType dtype, long n) {
        return switch (dtype) {
            case BF16 -> BF16Buffer.allocate(arena, n);
            case F16 -> F16Buffer.allocate(arena, n);
            default -> throw new IllegalArgumentException("dtype: " + dtype);
        };
    }

    /** Stores x and returns the value actually stored. */
    private static double store(KernelBuffer buffer, long i, float x) {
        if (buffer instanceof BF16Buffer bf) {
            bf.set(i, x);
            return bf.get(i);
        }
        F16Buffer h = (F16Buffer) buffer;
        h.set(i, x);
        return h.get(i);
    }

    long cacheRow(int b, int g, int key) {
        return (((long) b * shape.kvHeads() + g) * shape.capacity() + key) * shape.headDim();
    }

    /** Natural-log logits q_h . k / sqrt(d) of query head h over keys 0..n-1. */
    double[] logits(int b, int h) {
        int d = shape.headDim();
        int g = h / shape.groupSize();
        double[] s = new double[len[b]];
        int qOff = (b * shape.qHeads() + h) * d;
        for (int key = 0; key < len[b]; key++) {
            long kOff = cacheRow(b, g, key);
            double dot = 0;
            for (int e = 0; e < d; e++) dot += qd[qOff + e] * kd[(int) (kOff + e)];
            s[key] = dot / Math.sqrt(d);
        }
        return s;
    }

    /** Natural log-sum-exp of head h's logits over {@code keys} (all visible keys if null). */
    double lse(int b, int h, int[] keys) {
        return logSumExp(logits(b, h), keys);
    }

    /** softmax over {@code keys} (all keys if null) of head h, times V. */
    double[] attend(int b, int h, int[] keys) {
        int d = shape.headDim();
        int g = h / shape.groupSize();
        double[] s = logits(b, h);
        double lse = logSumExp(s, keys);
        double[] o = new double[d];
        int count = keys == null ? len[b] : keys.length;
        for (int j = 0; j < count; j++) {
            int key = keys == null ? j : keys[j];
            double p = Math.exp(s[key] - lse);
            long vOff = cacheRow(b, g, key);
            for (int e = 0; e < d; e++) o[e] += p * vd[(int) (vOff + e)];
        }
        return o;
    }

    /** Post-softmax pooled score of every key for KV head g: sum over its r heads of exp(logit - lse). */
    double[] pooled(int b, int g) {
        double[] sum = new double[len[b]];
        for (int i = 0; i < shape.groupSize(); i++) {
            int h = g * shape.groupSize() + i;
            double[] s = logits(b, h);
            double lse = logSumExp(s, null);
            for (int key = 0; key < sum.length; key++) sum[key] += Math.exp(s[key] - lse);
        }
        return sum;
    }

    private static double logSumExp(double[] s, int[] keys) {
        int count = keys == null ? s.length : keys.length;
        double m = Double.NEGATIVE_INFINITY;
        for (int j = 0; j < count; j++) m = Math.max(m, s[keys == null ? j : keys[j]]);
        double sum = 0;
        for (int j = 0; j < count; j++) sum += Math.exp(s[keys == null ? j : keys[j]] - m);
        return m + Math.log(sum);
    }

    /**
     * Sort-based exact top-k: order by score descending, equal scores by position ascending (the CPU's tie
     * rule), keep k, return the positions ascending.
     */
    static int[] topK(float[] scores, int n, int k) {
        Integer[] order = new Integer[n];
        for (int i = 0; i < n; i++) order[i] = i;
        java.util.Arrays.sort(order, (a, c) -> {
            int cmp = Float.compare(scores[c], scores[a]);
            return cmp != 0 ? cmp : Integer.compare(a, c);
        });
        int[] top = new int[k];
        for (int i = 0; i < k; i++) top[i] = order[i];
        java.util.Arrays.sort(top);
        return top;
    }
}

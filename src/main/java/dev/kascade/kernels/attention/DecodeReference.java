package dev.kascade.kernels.attention;

import java.util.Arrays;

/**
 * Float64 decode attention over the values exactly as stored (cache elements after bf16/f16 rounding), the
 * oracle the GPU kernels are checked against in tests and in {@code kascade decode-check}.
 Logits are computed once per (sequence, head) and kept.
 */
public final class DecodeReference {
    private final DecodeShape shape;
    private final double[] q;
    private final double[] k;
    private final double[] v;
    private final int[] lengths;
    private final double[][] logits;

    /**
     * @param q       {@code [batch][qHeads][headDim]}
     * @param k       {@code [batch][kvHeads][capacity][headDim]}
     * @param v       as {@code k}
     * @param lengths keys visible to each sequence
     */
    public DecodeReference(DecodeShape shape, double[] q, double[] k, double[] v, int[] lengths) {
        if (q.length != shape.queryElements() || k.length != shape.cacheElements() || v.length != k.length
                || lengths.length != shape.batch()) {
            throw new IllegalArgumentException("q, k, v, lengths: sizes do not match " + shape);
        }
        this.shape = shape;
        this.q = q;
        this.k = k;
        this.v = v;
        this.lengths = lengths.clone();
        this.logits = new double[shape.batch() * shape.qHeads()][];
    }

    private long row(int b, int g, int key) {
        return (((long) b * shape.kvHeads() + g) * shape.capacity() + key) * shape.headDim();
    }

    /** Natural-log logits {@code q_h . k / sqrt(d)} of query head h over keys 0..n_b-1 (shared, do not modify). */
    public double[] logits(int b, int h) {
        int slot = b * shape.qHeads() + h;
        if (logits[slot] == null) logits[slot] = computeLogits(b, h);
        return logits[slot];
    }

    private double[] computeLogits(int b, int h) {
        int d = shape.headDim();
        int g = h / shape.groupSize();
        double[] s = new double[lengths[b]];
        int qOff = (b * shape.qHeads() + h) * d;
        for (int key = 0; key < s.length; key++) {
            int kOff = (int) row(b, g, key);
            double dot = 0;
            for (int e = 0; e < d; e++) dot += q[qOff + e] * k[kOff + e];
            s[key] = dot / Math.sqrt(d);
        }
        return s;
    }

    /** Natural log-sum-exp of head h's logits over {@code keys} (all visible keys if null). */
    public double lse(int b, int h, int[] keys) {
        return logSumExp(logits(b, h), keys);
    }

    /** Softmax over {@code keys} (all visible keys if null) of head h, times V: {@code headDim} values. */
    public double[] attend(int b, int h, int[] keys) {
        int d = shape.headDim();
        int g = h / shape.groupSize();
        double[] s = logits(b, h);
        double lse = logSumExp(s, keys);
        double[] o = new double[d];
        int count = keys == null ? lengths[b] : keys.length;
        for (int j = 0; j < count; j++) {
            int key = keys == null ? j : keys[j];
            double p = Math.exp(s[key] - lse);
            int vOff = (int) row(b, g, key);
            for (int e = 0; e < d; e++) o[e] += p * v[vOff + e];
        }
        return o;
    }

    /** Post-softmax pooled score of every key for KV head g: sum over its r heads of exp(logit - lse). */
    public double[] pooled(int b, int g) {
        double[] sum = new double[lengths[b]];
        for (int i = 0; i < shape.groupSize(); i++) {
            double[] s = logits(b, g * shape.groupSize() + i);
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
     * Sort-based exact top-k of {@code scores[0..n)}: by score descending ({@link Float#compare}), equal scores
     * by position ascending (the CPU's tie rule); the k positions returned ascending.
     */
    public static int[] topK(float[] scores, int n, int k) {
        Integer[] order = new Integer[n];
        for (int i = 0; i < n; i++) order[i] = i;
        Arrays.sort(order, (a, c) -> {
            int cmp = Float.compare(scores[c], scores[a]);
            return cmp != 0 ? cmp : Integer.compare(a, c);
        });
        int[] top = new int[k];
        for (int i = 0; i < k; i++) top[i] = order[i];
        Arrays.sort(top);
        return top;
    }
}

package dev.kascade.cpu;

import dev.kascade.tensor.DType;
import dev.kascade.tensor.Tensor;
import java.lang.foreign.Arena;
import java.util.Random;

/**
 * Plain float64 attention, written for clarity: the oracle every CPU kernel is tested against. Reads the
 * stored (already rounded) tensor elements, so the only difference from a kernel is f32 arithmetic.
 */
public final class Reference {
    private Reference() {
    }

    // Stored values of the tensors made by random(), read back once: they are never written afterwards.
    private static final java.util.Map<Tensor, float[]> VALUES =
            java.util.Collections.synchronizedMap(new java.util.WeakHashMap<>());

    /** A tensor of N(0, 1) values (scaled by {@code sigma}) stored in {@code dtype}; do not write it later. */
    public static Tensor random(Arena arena, Random rnd, DType dtype, double sigma, long... shape) {
        Tensor t = Tensor.allocate(arena, dtype, shape);
        for (long i = 0; i < t.size(); i++) {
            t.setFlat(i, (float) (rnd.nextGaussian() * sigma));
        }
        VALUES.put(t, t.toFloatArray());
        return t;
    }

    private static float[] values(Tensor t) {
        float[] v = VALUES.get(t);
        return v != null ? v : t.toFloatArray();
    }

    private static long kvIndex(Tensor k, int b, int g, int pos) {
        if (pos < 0 || pos >= k.dim(2)) throw new IndexOutOfBoundsException("pos " + pos);
        return ((b * k.dim(1) + g) * k.dim(2) + pos) * k.dim(3);
    }

    /** Logit of query row {@code qRow} (flat [..][d] index base) against key {@code pos} of (b, g). */
    public static double logit(Tensor q, long qBase, Tensor k, int b, int g, int pos, int d) {
        float[] qv = values(q);
        float[] kv = values(k);
        long kBase = kvIndex(k, b, g, pos);
        double s = 0;
        for (int c = 0; c < d; c++) {
            s += (double) qv[(int) (qBase + c)] * kv[(int) (kBase + c)];
        }
        return s / Math.sqrt(d);
    }

    /**
     * Attention of one query row over the given key positions of (b, g): softmax-weighted V, in f64.
     * {@code qBase} is the flat index of the query row's first element.
     */
    public static double[] attend(Tensor q, long qBase, Tensor k, Tensor v, int b, int g, int[] keys, int d) {
        double[] s = new double[keys.length];
        double m = Double.NEGATIVE_INFINITY;
        for (int j = 0; j < keys.length; j++) {
            s[j] = logit(q, qBase, k, b, g, keys[j], d);
            m = Math.max(m, s[j]);
        }
        double sum = 0;
        for (int j = 0; j < keys.length; j++) {
            s[j] = Math.exp(s[j] - m);
            sum += s[j];
        }
        double[] o = new double[d];
        float[] vv = values(v);
        for (int j = 0; j < keys.length; j++) {
            long vBase = kvIndex(v, b, g, keys[j]);
            for (int c = 0; c < d; c++) {
                o[c] += s[j] / sum * vv[(int) (vBase + c)];
            }
        }
        return o;
    }

    /** Log-sum-exp of the logits of one query row over the keys. */
    public static double lse(Tensor q, long qBase, Tensor k, int b, int g, int[] keys, int d) {
        double m = Double.NEGATIVE_INFINITY;
        double[] s = new double[keys.length];
        for (int j = 0; j < keys.length; j++) {
            s[j] = logit(q, qBase, k, b, g, keys[j], d);
            m = Math.max(m, s[j]);
        }
        double sum = 0;
        for (double x : s) sum += Math.exp(x - m);
        return m + Math.log(sum);
    }

    /** {@code 0, 1, ..., n-1}. */
    public static int[] range(int n) {
        int[] r = new int[n];
        for (int i = 0; i < n; i++) r[i] = i;
        return r;
    }

    /** Largest |a - b| relative to max(1, |b|) over the arrays. */
    public static double maxError(float[] actual, int aOff, double[] expected) {
        double e = 0;
        for (int i = 0; i < expected.length; i++) {
            e = Math.max(e, Math.abs(actual[aOff + i] - expected[i]) / Math.max(1, Math.abs(expected[i])));
        }
        return e;
    }
}

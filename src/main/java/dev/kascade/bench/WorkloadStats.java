package dev.kascade.bench;

import java.util.Arrays;

/**
 * Measures what a {@link SyntheticWorkload} promises, in float64 from freshly generated rows: the softmax mass
 * on the heavy keys (sparsity) and the overlap of heavy sets between layers (persistence). Used by the tests,
 * by {@code kascade bench workload} and to write the numbers in docs/benchmarks.md.
 */
public final class WorkloadStats {
    private WorkloadStats() {
    }

    /**
     * Dense softmax probabilities of the decode query of head {@code h} (position n-1) over all n keys of its
     * KV head, in float64.
     */
    public static double[] decodeProbabilities(SyntheticLayer layer, int b, int h) {
        WorkloadSpec s = layer.spec();
        int d = s.headDim();
        int n = s.context();
        int g = h / s.groupSize();
        float[] q = new float[d];
        float[] k = new float[d];
        layer.queryRow(b, h, n - 1, q);
        double[] p = new double[n];
        double scale = 1 / Math.sqrt(d);
        double max = Double.NEGATIVE_INFINITY;
        for (int j = 0; j < n; j++) {
            layer.keyRow(b, g, j, k);
            double dot = 0;
            for (int i = 0; i < d; i++) dot += (double) q[i] * k[i];
            p[j] = dot * scale;
            max = Math.max(max, p[j]);
        }
        double sum = 0;
        for (int j = 0; j < n; j++) {
            p[j] = Math.exp(p[j] - max);
            sum += p[j];
        }
        for (int j = 0; j < n; j++) p[j] /= sum;
        return p;
    }

    /** Share of head {@code h}'s decode softmax mass that sits on the heavy keys of its KV head. */
    public static double heavyMassShare(SyntheticLayer layer, int b, int h) {
        double[] p = decodeProbabilities(layer, b, h);
        int g = h / layer.spec().groupSize();
        double mass = 0;
        for (int j = 0; j < p.length; j++) {
            if (layer.isHeavy(b, g, j)) mass += p[j];
        }
        return mass;
    }

    /** Mean of {@link #heavyMassShare} over all sequences and query heads of a layer. */
    public static double meanHeavyMassShare(SyntheticLayer layer) {
        WorkloadSpec s = layer.spec();
        double total = 0;
        for (int b = 0; b < s.batch(); b++) {
            for (int h = 0; h < s.qHeads(); h++) total += heavyMassShare(layer, b, h);
        }
        return total / (s.batch() * s.qHeads());
    }

    /** Share of the mass on the {@code k} largest probabilities of {@code p}. */
    public static double topKMass(double[] p, int k) {
        double[] sorted = p.clone();
        Arrays.sort(sorted);
        double mass = 0;
        for (int i = sorted.length - 1; i >= Math.max(0, sorted.length - k); i--) mass += sorted[i];
        return mass;
    }

    /** |A intersect B| / |A| for two position sets over [0, n). */
    public static double overlap(int[] a, int[] b, int n) {
        boolean[] in = new boolean[n];
        for (int x : b) in[x] = true;
        int common = 0;
        for (int x : a) if (in[x]) common++;
        return a.length == 0 ? 0 : (double) common / a.length;
    }
}

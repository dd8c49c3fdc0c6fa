package dev.kascade.bench;

import dev.kascade.tensor.Tensor;
import java.util.stream.IntStream;

/**
 * Dense decode attention in float64 from the stored tensors: the reference Kascade's output and index sets are
 * measured against. Keeps every query head's softmax probabilities for the mass-recall figure.
 *
 * <p>Parallel split: one task per (sequence, KV head); it reads each of the n K rows and V rows once and serves
 * the r query heads of the group. Memory: K and V bytes once, plus {@code r * n} doubles of probabilities.
 */
final class DecodeReference {
    private final int qHeads;
    private final int headDim;
    private final int n;
    private final double[][] probabilities; // [b * Hq + h][n]
    private final double[] output;          // [b][Hq][d]

    /** Computes dense attention of {@code q [B][Hq][d]} over all n keys of {@code k, v [B][G][n][d]}. */
    DecodeReference(Tensor q, Tensor k, Tensor v) {
        int batch = (int) q.dim(0);
        this.qHeads = (int) q.dim(1);
        this.headDim = (int) q.dim(2);
        int kvHeads = (int) k.dim(1);
        this.n = (int) k.dim(2);
        int r = qHeads / kvHeads;
        int d = headDim;
        probabilities = new double[batch * qHeads][];
        output = new double[batch * qHeads * d];
        IntStream.range(0, batch * kvHeads).parallel().forEach(bg -> {
            int b = bg / kvHeads;
            int g = bg % kvHeads;
            float[][] qs = new float[r][d];
            StoredRows qRows = new StoredRows(q, d);
            for (int i = 0; i < r; i++) qRows.read((long) b * qHeads + g * r + i, qs[i]);
            double[][] p = new double[r][n];
            float[] row = new float[d];
            StoredRows kRows = new StoredRows(k, d);
            double scale = 1 / Math.sqrt(d);
            for (int j = 0; j < n; j++) {
                kRows.read((long) bg * n + j, row);
                for (int i = 0; i < r; i++) {
                    double dot = 0;
                    for (int c = 0; c < d; c++) dot += (double) qs[i][c] * row[c];
                    p[i][j] = dot * scale;
                }
            }
            for (int i = 0; i < r; i++) softmaxInPlace(p[i]);
            StoredRows vRows = new StoredRows(v, d);
            double[][] acc = new double[r][d];
            for (int j = 0; j < n; j++) {
                vRows.read((long) bg * n + j, row);
                for (int i = 0; i < r; i++) {
                    double w = p[i][j];
                    for (int c = 0; c < d; c++) acc[i][c] += w * row[c];
                }
            }
            for (int i = 0; i < r; i++) {
                int h = g * r + i;
                probabilities[b * qHeads + h] = p[i];
                System.arraycopy(acc[i], 0, output, (b * qHeads + h) * d, d);
            }
        });
    }

    private static void softmaxInPlace(double[] x) {
        double max = Double.NEGATIVE_INFINITY;
        for (double v : x) max = Math.max(max, v);
        double sum = 0;
        for (int j = 0; j < x.length; j++) {
            x[j] = Math.exp(x[j] - max);
            sum += x[j];
        }
        for (int j = 0; j < x.length; j++) x[j] /= sum;
    }

    /** Dense softmax probability of key {@code j} for query head {@code h} of sequence {@code b}. */
    double probability(int b, int h, int j) {
        return probabilities[b * qHeads + h][j];
    }

    /** Share of (b, h)'s dense softmax mass on the given positions. */
    double massOn(int b, int h, int[] positions) {
        double[] p = probabilities[b * qHeads + h];
        double m = 0;
        for (int j : positions) m += p[j];
        return m;
    }

    /** {@code ||out - reference||_2 / ||reference||_2} over the whole {@code [B][Hq][d]} output. */
    double relativeError(Tensor out) {
        double num = 0;
        double den = 0;
        for (int i = 0; i < output.length; i++) {
            double diff = out.getFlat(i) - output[i];
            num += diff * diff;
            den += output[i] * output[i];
        }
        return Math.sqrt(num / den);
    }
}

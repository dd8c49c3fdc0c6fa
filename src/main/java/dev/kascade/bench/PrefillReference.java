package dev.kascade.bench;

import dev.kascade.tensor.Tensor;
import java.util.stream.IntStream;

/**
 * Dense causal attention in float64 for a sample of prompt positions, from the stored tensors: the prefill
 * reference for Kascade's output and mass recall. A full T x T reference would cost as much as dense prefill
 * itself per layer; a spread sample of positions measures the same averages.
 *
 * <p>Parallel split: one task per (sequence, sampled position, KV head); it reads the K and V rows
 * {@code [0, t]} once and serves the r query heads of the group. Keeps each row's probabilities.
 */
final class PrefillReference {
    private final int qHeads;
    private final int headDim;
    private final int tokens;
    private final int[] positions;
    private final double[][] probabilities; // [(b * S + i) * Hq + h][t + 1]
    private final double[] output;          // [(b * S + i) * Hq + h][d]

    /**
     * @param q         {@code [B][Hq][T][d]}
     * @param k         {@code [B][G][T][d]}, the prompt's keys
     * @param positions sampled query positions, each in {@code [0, T)}
     */
    PrefillReference(Tensor q, Tensor k, Tensor v, int[] positions) {
        int batch = (int) q.dim(0);
        this.qHeads = (int) q.dim(1);
        this.tokens = (int) q.dim(2);
        this.headDim = (int) q.dim(3);
        this.positions = positions.clone();
        int kvHeads = (int) k.dim(1);
        int n = (int) k.dim(2);
        int r = qHeads / kvHeads;
        int d = headDim;
        int samples = positions.length;
        probabilities = new double[batch * samples * qHeads][];
        output = new double[batch * samples * qHeads * d];
        IntStream.range(0, batch * samples * kvHeads).parallel().forEach(task -> {
            int g = task % kvHeads;
            int i = (task / kvHeads) % samples;
            int b = task / kvHeads / samples;
            int t = positions[i];
            float[][] qs = new float[r][d];
            StoredRows qRows = new StoredRows(q, d);
            for (int hh = 0; hh < r; hh++) qRows.read(((long) b * qHeads + g * r + hh) * tokens + t, qs[hh]);
            double[][] p = new double[r][t + 1];
            float[] row = new float[d];
            StoredRows kRows = new StoredRows(k, d);
            double scale = 1 / Math.sqrt(d);
            long base = ((long) b * kvHeads + g) * n;
            for (int j = 0; j <= t; j++) {
                kRows.read(base + j, row);
                for (int hh = 0; hh < r; hh++) {
                    double dot = 0;
                    for (int c = 0; c < d; c++) dot += (double) qs[hh][c] * row[c];
                    p[hh][j] = dot * scale;
                }
            }
            for (int hh = 0; hh < r; hh++) softmaxInPlace(p[hh]);
            StoredRows vRows = new StoredRows(v, d);
            double[][] acc = new double[r][d];
            for (int j = 0; j <= t; j++) {
                vRows.read(base + j, row);
                for (int hh = 0; hh < r; hh++) {
                    for (int c = 0; c < d; c++) acc[hh][c] += p[hh][j] * row[c];
                }
            }
            for (int hh = 0; hh < r; hh++) {
                int slot = (b * samples + i) * qHeads + g * r + hh;
                probabilities[slot] = p[hh];
                System.arraycopy(acc[hh], 0, output, slot * d, d);
            }
        });
    }

    /** {@code count} positions spread over {@code [0, T)}: the middle of {@code count} equal stretches. */
    static int[] spread(int tokens, int count) {
        int c = Math.min(tokens, count);
        int[] p = new int[c];
        for (int i = 0; i < c; i++) p[i] = (int) ((i + 0.5) * tokens / c);
        return p;
    }

    int[] positions() {
        return positions.clone();
    }

    /** Dense probability mass of (b, sample i, head h) on positions {@code set} plus {@code [from, t]}. */
    double massOn(int b, int i, int h, int[] set, int from) {
        double[] p = probabilities[(b * positions.length + i) * qHeads + h];
        int t = positions[i];
        double m = 0;
        for (int j : set) {
            if (j < from) m += p[j]; // selected keys lie before the tile start; never count the diagonal twice
        }
        for (int j = from; j <= t; j++) m += p[j];
        return m;
    }

    /** Relative L2 error of the sampled rows of {@code out [B][Hq][T][d]} against the reference. */
    double relativeError(Tensor out) {
        double num = 0;
        double den = 0;
        int samples = positions.length;
        int batch = output.length / (samples * qHeads * headDim);
        for (int b = 0; b < batch; b++) {
            for (int i = 0; i < samples; i++) {
                for (int h = 0; h < qHeads; h++) {
                    int slot = (b * samples + i) * qHeads + h;
                    long row = ((long) b * qHeads + h) * tokens + positions[i];
                    for (int c = 0; c < headDim; c++) {
                        double ref = output[slot * headDim + c];
                        double diff = out.getFlat(row * headDim + c) - ref;
                        num += diff * diff;
                        den += ref * ref;
                    }
                }
            }
        }
        return Math.sqrt(num / den);
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
}

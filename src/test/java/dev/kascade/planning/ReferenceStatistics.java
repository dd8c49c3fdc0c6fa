package dev.kascade.planning;

import java.util.Arrays;
import java.util.Comparator;
import java.util.stream.IntStream;

/**
 * A plain float64 implementation of the spec's statistics, written straight from the definitions with no
 * attention to speed: the oracle the recorder is tested against. Inputs are f32 arrays in the recorder's
 * layouts: queries {@code [T][Hq][d]}, keys {@code [T][G][d]}, residual and attention output {@code [T][D]}.
 */
final class ReferenceStatistics {
    private ReferenceStatistics() {
    }

    /** One prompt: per layer tensors. */
    record Prompt(int tokens, int prefill, float[][] queries, float[][] keys, float[][] residual, float[][] attn) {
    }

    /** Per-prompt S (min over steps) as [a][b][gb][ga]; NaN when the prompt had no step. Also returns per-step values. */
    static double[][][][][] perStep(CalibrationSettings s, Prompt p) {
        int[][] steps = steps(s, p.tokens(), p.prefill());
        int l = s.layers();
        int g = s.kvHeads();
        double[][][][][] out = new double[steps.length][l][l][g][g];
        for (int st = 0; st < steps.length; st++) {
            int[] step = steps[st];
            double[][][] pooled = new double[l][g][];
            double[][] diag = new double[l][g];
            int[][][] sets = new int[l][g][];
            for (int layer = 0; layer < l; layer++) {
                for (int kv = 0; kv < g; kv++) {
                    double[] d = new double[1];
                    pooled[layer][kv] = pooled(s, p.queries()[layer], p.keys()[layer], p.tokens(), kv, step, d);
                    diag[layer][kv] = d[0];
                    sets[layer][kv] = topK(pooled[layer][kv], s.topK());
                }
            }
            for (int a = 0; a < l; a++) {
                for (int b = a; b < l; b++) {
                    for (int gb = 0; gb < g; gb++) {
                        double best = mass(pooled[b][gb], sets[b][gb]);
                        for (int ga = 0; ga < g; ga++) {
                            out[st][a][b][gb][ga] = (mass(pooled[b][gb], sets[a][ga]) + diag[b][gb]) / (best + diag[b][gb]);
                        }
                    }
                }
            }
        }
        return out;
    }

    /** Same step rule as the recorder's documentation: tiles with start s > k, decode tokens with t + 1 > k. */
    static int[][] steps(CalibrationSettings s, int tokens, int prefill) {
        java.util.List<int[]> out = new java.util.ArrayList<>();
        for (int t0 = 0; t0 < prefill; t0 += s.tile()) {
            if (t0 > s.topK()) out.add(new int[] {t0, Math.min(t0 + s.tile(), prefill), t0});
        }
        for (int t = prefill; t < Math.min(tokens, prefill + s.maxDecodeSteps()); t++) {
            if (t + 1 > s.topK()) out.add(new int[] {t, t + 1, t + 1});
        }
        return out.toArray(new int[0][]);
    }

    /** Pooled post-softmax probabilities over keys 0..s-1 of KV head kv; diag[0] receives the mass on s..t. */
    static double[] pooled(CalibrationSettings s, float[] q, float[] k, int tokens, int kv, int[] step, double[] diag) {
        int hq = s.qHeads();
        int g = s.kvHeads();
        int d = s.headDim();
        int r = hq / g;
        double[] out = new double[step[2]];
        for (int t = step[0]; t < step[1]; t++) {
            for (int h = kv * r; h < (kv + 1) * r; h++) {
                double[] logits = new double[t + 1];
                double max = Double.NEGATIVE_INFINITY;
                for (int j = 0; j <= t; j++) {
                    double dot = 0;
                    for (int i = 0; i < d; i++) dot += (double) q[(t * hq + h) * d + i] * k[(j * g + kv) * d + i];
                    logits[j] = dot / Math.sqrt(d);
                    max = Math.max(max, logits[j]);
                }
                double sum = 0;
                for (int j = 0; j <= t; j++) sum += Math.exp(logits[j] - max);
                for (int j = 0; j <= t; j++) {
                    double prob = Math.exp(logits[j] - max) / sum;
                    if (j < step[2]) out[j] += prob;
                    else diag[0] += prob;
                }
            }
        }
        return out;
    }

    static int[] topK(double[] v, int k) {
        return IntStream.range(0, v.length).boxed()
                .sorted(Comparator.<Integer>comparingDouble(j -> -v[j]).thenComparingInt(j -> j))
                .limit(k).mapToInt(Integer::intValue).sorted().toArray();
    }

    static double mass(double[] v, int[] set) {
        double m = 0;
        for (int j : set) m += v[j];
        return m;
    }

    /** The full statistics: S averaged over prompts with steps (min over steps each), w averaged over prompts. */
    static double[][][][] recovery(CalibrationSettings s, Prompt... prompts) {
        int l = s.layers();
        int g = s.kvHeads();
        double[][][][] sum = new double[l][l][g][g];
        int counted = 0;
        for (Prompt p : prompts) {
            double[][][][][] per = perStep(s, p);
            if (per.length == 0) continue;
            counted++;
            for (int a = 0; a < l; a++) {
                for (int b = a; b < l; b++) {
                    for (int gb = 0; gb < g; gb++) {
                        for (int ga = 0; ga < g; ga++) {
                            double min = Double.POSITIVE_INFINITY;
                            for (double[][][][] step : per) min = Math.min(min, step[a][b][gb][ga]);
                            sum[a][b][gb][ga] += min;
                        }
                    }
                }
            }
        }
        for (double[][][] x : sum) for (double[][] y : x) for (double[] z : y) for (int i = 0; i < z.length; i++) z[i] /= counted;
        return sum;
    }

    static double importance(CalibrationSettings s, int layer, Prompt... prompts) {
        double total = 0;
        for (Prompt p : prompts) {
            double sum = 0;
            int dim = s.hidden();
            for (int t = 0; t < p.tokens(); t++) {
                double xx = 0, zz = 0, xz = 0;
                for (int i = 0; i < dim; i++) {
                    double x = p.residual()[layer][t * dim + i];
                    double z = x + p.attn()[layer][t * dim + i];
                    xx += x * x;
                    zz += z * z;
                    xz += x * z;
                }
                sum += 1 - xz / Math.sqrt(xx * zz);
            }
            total += sum / p.tokens();
        }
        return total / prompts.length;
    }

    static String describe(double[] v) {
        return Arrays.toString(v);
    }
}

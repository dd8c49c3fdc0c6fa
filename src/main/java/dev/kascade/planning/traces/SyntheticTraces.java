package dev.kascade.planning.traces;

import dev.kascade.tensor.DType;
import dev.kascade.tensor.Tensor;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Synthetic calibration traces with a planted anchor structure, so the planner's answer is known.
 *
 * <p>Construction (all deterministic in the seed):
 * <ul>
 *   <li>The planted anchors cut the layers into segments; segment {@code s} owns, per canonical head
 *       {@code c}, a random direction {@code u[s][c]} and, per prompt, a random set {@code H[s][c]} of heavy
 *       key positions spread over the prompt ({@code T/16} of them, between 4 and 24, so they fit in the
 *       statistics' k = 64 with room to spare).</li>
 *   <li>Layer {@code j} of segment {@code s} has a head permutation {@code pi_j} (the identity on planted
 *       anchors, random elsewhere): its KV head {@code g} plays canonical head {@code pi_j(g)}. Its keys are
 *       noise plus {@code b * u} at the heavy positions; the queries of the heads of group {@code g} are
 *       {@code sqrt(d) * u} plus noise. Heavy keys get logits near 4.5, the others about N(0, 0.5^2).</li>
 *   <li>So within a segment the heavy keys (and the top-k index sets) coincide through {@code pi}, and at
 *       each planted anchor they change completely. An anchor placed anywhere but a segment start leaves
 *       the layers before it to the previous segment's anchor, whose index sets recover about a fifth of
 *       the mass; the planted set is therefore the unique optimum for K = |planted|, with head mapping
 *       {@code headMap[j][g] = pi_j(g)} ({@link #plantedHeadMap()}).</li>
 *   <li>Importance: residual inputs are random; the attention output is an independent random vector
 *       scaled by {@code gamma_j} in [0.4, 1.6], so {@code w_j ~ 1 - 1/sqrt(1 + gamma_j^2)} varies by layer
 *       between about 0.07 and 0.47.</li>
 * </ul>
 */
public final class SyntheticTraces {
    /** Logit of a heavy key: a = sqrt(d) query weight times this key weight, over sqrt(d). */
    private static final double HEAVY_KEY = 4.5;
    private static final double KEY_NOISE = 0.5;
    private static final double QUERY_NOISE = 0.3;

    /**
     * @param length total positions per prompt, including {@code decode} generated tokens at the end
     */
    public record Spec(int layers, int qHeads, int kvHeads, int headDim, int hidden, int prompts, int length,
                       int decode, int[] plantedAnchors, long seed, DType storage) {
        public Spec {
            new TraceHeader(layers, qHeads, kvHeads, headDim, hidden, storage, "");
            if (prompts <= 0) throw new IllegalArgumentException("prompts: expected > 0 but got " + prompts);
            if (length <= 0) throw new IllegalArgumentException("length: expected > 0 tokens but got " + length);
            if (decode < 0 || decode >= length) {
                throw new IllegalArgumentException("decode: expected 0.." + (length - 1) + " decoded tokens but got " + decode);
            }
            if (plantedAnchors == null || plantedAnchors.length == 0) {
                throw new IllegalArgumentException("plantedAnchors: expected at least layer 0");
            }
            plantedAnchors = plantedAnchors.clone();
            for (int i = 0; i < plantedAnchors.length; i++) {
                int a = plantedAnchors[i];
                if (a < 0 || a >= layers) {
                    throw new IllegalArgumentException("plantedAnchors: layer " + a + " out of range [0, " + layers + ")");
                }
                if (i > 0 && a <= plantedAnchors[i - 1]) {
                    throw new IllegalArgumentException("plantedAnchors: expected strictly increasing layers but got "
                            + Arrays.toString(plantedAnchors));
                }
            }
            if (plantedAnchors[0] != 0) {
                throw new IllegalArgumentException("plantedAnchors: must start with layer 0 but got " + Arrays.toString(plantedAnchors));
            }
        }

        @Override
        public int[] plantedAnchors() {
            return plantedAnchors.clone();
        }

        public TraceHeader header() {
            return new TraceHeader(layers, qHeads, kvHeads, headDim, hidden, storage,
                    "synthetic: planted anchors " + Arrays.toString(plantedAnchors) + ", seed " + seed);
        }
    }

    /** Receives generated layers in file order. */
    @FunctionalInterface
    public interface Sink {
        void accept(TraceLayer layer) throws IOException;
    }

    private final Spec spec;
    private final int[] segment;
    private final int[][] permutation;
    private final double[] gamma;
    private final float[][][] direction; // [segment][canonical head][d]

    public SyntheticTraces(Spec spec) {
        this.spec = spec;
        int l = spec.layers();
        int g = spec.kvHeads();
        int[] planted = spec.plantedAnchors();
        SplittableRandom rnd = new SplittableRandom(spec.seed());
        segment = new int[l];
        permutation = new int[l][];
        gamma = new double[l];
        int s = -1;
        for (int j = 0, next = 0; j < l; j++) {
            boolean anchor = next < planted.length && planted[next] == j;
            if (anchor) {
                s++;
                next++;
            }
            segment[j] = s;
            permutation[j] = anchor ? identity(g) : shuffle(identity(g), rnd);
            gamma[j] = 0.4 + 1.2 * rnd.nextDouble();
        }
        direction = new float[planted.length][g][];
        for (float[][] seg : direction) {
            for (int c = 0; c < g; c++) seg[c] = unitVector(spec.headDim(), rnd);
        }
    }

    public Spec spec() {
        return spec;
    }

    /** {@code headMap[j][g] = pi_j(g)}: the head mapping the planner should find for the planted anchors. */
    public int[][] plantedHeadMap() {
        int[][] out = new int[permutation.length][];
        for (int j = 0; j < out.length; j++) out[j] = permutation[j].clone();
        return out;
    }

    /** Generates every prompt and layer, in file order, into {@code sink}. */
    public void generate(Sink sink) throws IOException {
        for (int p = 0; p < spec.prompts(); p++) generatePrompt(p, sink);
    }

    /** Writes the traces to {@code path}; {@code progress} is told after each prompt. */
    public void write(Path path, TraceCalibration.Progress progress) throws IOException {
        try (TraceWriter w = TraceWriter.create(path, spec.header())) {
            for (int p = 0; p < spec.prompts(); p++) {
                generatePrompt(p, w::write);
                if (progress != null) progress.promptDone(p + 1, spec.prompts());
            }
        }
    }

    private void generatePrompt(int prompt, Sink sink) throws IOException {
        int t = spec.length();
        int d = spec.headDim();
        int hq = spec.qHeads();
        int g = spec.kvHeads();
        int r = hq / g;
        int hidden = spec.hidden();
        SplittableRandom rnd = new SplittableRandom(spec.seed() * 1_000_003L + 7919L * (prompt + 1));
        int heavyCount = Math.max(4, Math.min(24, t / 16));
        boolean[][][] heavy = new boolean[direction.length][g][];
        for (boolean[][] seg : heavy) {
            for (int c = 0; c < g; c++) seg[c] = randomSubset(t, Math.min(heavyCount, t), rnd);
        }
        float qScale = (float) Math.sqrt(d);
        float keyWeight = (float) HEAVY_KEY;
        for (int j = 0; j < spec.layers(); j++) {
            int s = segment[j];
            float[] q = new float[t * hq * d];
            float[] k = new float[t * g * d];
            for (int pos = 0; pos < t; pos++) {
                for (int kv = 0; kv < g; kv++) {
                    int c = permutation[j][kv];
                    float[] u = direction[s][c];
                    int kBase = (pos * g + kv) * d;
                    boolean isHeavy = heavy[s][c][pos];
                    for (int i = 0; i < d; i++) {
                        k[kBase + i] = (float) (KEY_NOISE * noise(rnd)) + (isHeavy ? keyWeight * u[i] : 0f);
                    }
                    for (int h = kv * r; h < (kv + 1) * r; h++) {
                        int qBase = (pos * hq + h) * d;
                        for (int i = 0; i < d; i++) q[qBase + i] = qScale * u[i] + (float) (QUERY_NOISE * noise(rnd));
                    }
                }
            }
            float[] x = new float[t * hidden];
            float[] y = new float[t * hidden];
            for (int i = 0; i < x.length; i++) {
                x[i] = (float) noise(rnd);
                y[i] = (float) (gamma[j] * noise(rnd));
            }
            sink.accept(new TraceLayer(prompt, j, t - spec.decode(),
                    Tensor.wrap(q, t, hq, d), Tensor.wrap(k, t, g, d), Tensor.wrap(x, t, hidden), Tensor.wrap(y, t, hidden)));
        }
    }

    /** Unit-variance noise, uniform on [-sqrt 3, sqrt 3] (cheap, and enough for planted structure). */
    private static double noise(SplittableRandom rnd) {
        return (rnd.nextDouble() * 2 - 1) * 1.7320508075688772;
    }

    private static float[] unitVector(int d, SplittableRandom rnd) {
        double[] v = new double[d];
        double norm = 0;
        while (norm < 1e-6) {
            norm = 0;
            for (int i = 0; i < d; i++) {
                v[i] = noise(rnd);
                norm += v[i] * v[i];
            }
        }
        norm = Math.sqrt(norm);
        float[] out = new float[d];
        for (int i = 0; i < d; i++) out[i] = (float) (v[i] / norm);
        return out;
    }

    private static boolean[] randomSubset(int n, int count, SplittableRandom rnd) {
        int[] idx = identity(n);
        shuffle(idx, rnd);
        boolean[] out = new boolean[n];
        for (int i = 0; i < count; i++) out[idx[i]] = true;
        return out;
    }

    private static int[] identity(int n) {
        int[] a = new int[n];
        for (int i = 0; i < n; i++) a[i] = i;
        return a;
    }

    private static int[] shuffle(int[] a, SplittableRandom rnd) {
        for (int i = a.length - 1; i > 0; i--) {
            int j = rnd.nextInt(i + 1);
            int t = a[i];
            a[i] = a[j];
            a[j] = t;
        }
        return a;
    }
}

package dev.kascade.planning;

import dev.kascade.tensor.Tensor;
import java.util.Arrays;
import java.util.stream.IntStream;

/**
 * Online calibration statistics for anchor selection, fed from a model's forward pass one layer at a time
 * (spec, "Anchor selection"). The tensors are read during the call and not kept.
 *
 * <p>Use: for each prompt, {@link #beginPrompt}, then {@link #recordLayer} for layers {@code 0..L-1} in
 * forward order, then {@link #endPrompt}; finally {@link #statistics()}.
 *
 * <p>What it accumulates, per prompt:
 * <ul>
 *   <li>the steps: prefill tiles of {@code tile} tokens whose start {@code s} has more than {@code k} keys
 *       before it (selection bound {@code s}, diagonal block {@code s..t}), and up to {@code maxDecodeSteps}
 *       decode tokens {@code t} with more than {@code k} visible keys (selection over {@code 0..t}, no
 *       diagonal); shorter steps would select every key and give {@code S = 1}, so they are skipped;</li>
 *   <li>per layer, step and KV head, the top-k index set of the pooled post-softmax scores (kept until the
 *       prompt ends: {@code L * steps * G * k} ints);</li>
 *   <li>{@code S[a][b][gb][ga] = (massB(I[a][ga]) + diag) / (massB(I[b][gb]) + diag)} for every earlier or
 *       equal layer {@code a}, reduced by the minimum over the prompt's steps;</li>
 *   <li>{@code w_b}: the mean over tokens of {@code 1 - cos(x_b, x_b + Attn_b(x_b))}.</li>
 * </ul>
 * Across prompts it keeps only sums ({@code L^2 G^2 + L} doubles): {@code S} averaged over the prompts that
 * had at least one step, {@code w_b} over all prompts. Memory is independent of the number of prompts.
 *
 * <p>Not thread-safe: one forward pass feeds one recorder. Work inside a call runs on the common
 * fork-join pool, one KV head per task.
 */
public final class CalibrationRecorder {
    private final CalibrationSettings settings;
    private final int layers;
    private final int kvHeads;
    private final int k;

    private final double[] recoverySum;
    private final double[] importanceSum;
    private int prompts;
    private int promptsWithSteps;
    private long totalSteps;

    // The prompt in progress.
    private boolean inPrompt;
    private int tokens;
    private int prefillTokens;
    private int nextLayer;
    private int[][] steps;          // {t0, t1, s}
    private int[][] topSets;        // [layer] -> [step][g][k]
    private final double[] promptMin;
    private final double[] promptImportance;

    public CalibrationRecorder(CalibrationSettings settings) {
        if (settings == null) throw new IllegalArgumentException("settings: expected CalibrationSettings but got null");
        this.settings = settings;
        this.layers = settings.layers();
        this.kvHeads = settings.kvHeads();
        this.k = settings.topK();
        int size = Math.multiplyExact(Math.multiplyExact(layers * layers, kvHeads), kvHeads);
        this.recoverySum = new double[size];
        this.promptMin = new double[size];
        this.importanceSum = new double[layers];
        this.promptImportance = new double[layers];
    }

    public CalibrationSettings settings() {
        return settings;
    }

    /**
     * Starts a prompt of {@code tokens} positions whose first {@code prefillTokens} are the prompt proper
     * (prefill tiles) and the rest decoded tokens (decode steps).
     */
    public void beginPrompt(int tokens, int prefillTokens) {
        if (inPrompt) {
            throw new IllegalStateException("beginPrompt: the previous prompt was not ended (call endPrompt after layer "
                    + (layers - 1) + ")");
        }
        if (tokens <= 0) throw new IllegalArgumentException("tokens: expected > 0 but got " + tokens);
        if (prefillTokens <= 0 || prefillTokens > tokens) {
            throw new IllegalArgumentException("prefillTokens: expected 1.." + tokens + " but got " + prefillTokens);
        }
        this.tokens = tokens;
        this.prefillTokens = prefillTokens;
        this.steps = planSteps(tokens, prefillTokens);
        this.topSets = new int[layers][];
        Arrays.fill(promptMin, Double.POSITIVE_INFINITY);
        Arrays.fill(promptImportance, 0);
        this.nextLayer = 0;
        this.inPrompt = true;
    }

    /** The steps of a prompt as {@code {t0, t1, s}}: rows {@code t0..t1-1}, selection over keys {@code 0..s-1}. */
    int[][] planSteps(int tokens, int prefillTokens) {
        int tile = settings.tile();
        int count = 0;
        int[][] buf = new int[(prefillTokens + tile - 1) / tile + settings.maxDecodeSteps()][];
        for (int s = 0; s < prefillTokens; s += tile) {
            if (s > k) buf[count++] = new int[] {s, Math.min(s + tile, prefillTokens), s};
        }
        int decodeEnd = Math.min(tokens, prefillTokens + settings.maxDecodeSteps());
        for (int t = prefillTokens; t < decodeEnd; t++) {
            if (t + 1 > k) buf[count++] = new int[] {t, t + 1, t + 1};
        }
        return Arrays.copyOf(buf, count);
    }

    /**
     * Records one layer of the prompt in progress. Layers must come in forward order 0, 1, ..., L-1.
     *
     * @param queries         {@code [T][Hq][d]} post-RoPE queries (any storage type)
     * @param keys            {@code [T][G][d]} post-RoPE keys
     * @param residual        {@code [T][hidden]} the layer's residual input {@code x_b}
     * @param attentionOutput {@code [T][hidden]} the attention block's output {@code Attn_b(x_b)}, after the
     *                        output projection (before it is added to the residual)
     */
    public void recordLayer(int layer, Tensor queries, Tensor keys, Tensor residual, Tensor attentionOutput) {
        if (!inPrompt) throw new IllegalStateException("recordLayer: no prompt in progress (call beginPrompt first)");
        if (layer != nextLayer) {
            throw new IllegalArgumentException("layer: expected layer " + nextLayer
                    + " next (layers are recorded in forward order) but got " + layer);
        }
        requireShape("queries", queries, tokens, settings.qHeads(), settings.headDim());
        requireShape("keys", keys, tokens, kvHeads, settings.headDim());
        requireShape("residual", residual, tokens, settings.hidden());
        requireShape("attentionOutput", attentionOutput, tokens, settings.hidden());

        promptImportance[layer] = meanImportance(residual, attentionOutput, tokens, settings.hidden());
        if (steps.length > 0) {
            PooledScores scores = new PooledScores(queries, keys, settings.qHeads(), kvHeads, settings.headDim());
            recordRecovery(layer, scores);
        }
        nextLayer++;
    }

    private static void requireShape(String name, Tensor t, long... expected) {
        if (t == null) throw new IllegalArgumentException(name + ": expected a tensor of shape " + Arrays.toString(expected) + " but got null");
        t.requireShape(name, expected);
    }

    /** Ends the prompt: folds its per-prompt minima and importance into the running sums. */
    public void endPrompt() {
        if (!inPrompt) throw new IllegalStateException("endPrompt: no prompt in progress");
        if (nextLayer != layers) {
            throw new IllegalStateException("endPrompt: only layers 0.." + (nextLayer - 1) + " of " + layers + " were recorded");
        }
        for (int l = 0; l < layers; l++) importanceSum[l] += promptImportance[l];
        if (steps.length > 0) {
            for (int i = 0; i < promptMin.length; i++) {
                if (promptMin[i] != Double.POSITIVE_INFINITY) recoverySum[i] += promptMin[i];
            }
            promptsWithSteps++;
            totalSteps += steps.length;
        }
        prompts++;
        topSets = null;
        inPrompt = false;
    }

    /** Prompts ended so far. */
    public int prompts() {
        return prompts;
    }

    /**
     * The averaged statistics so far.
     *
     * @throws IllegalStateException when no prompt had a step (all prompts too short for {@code k})
     */
    public CalibrationStats statistics() {
        if (prompts == 0) throw new IllegalStateException("statistics: no prompt was recorded");
        if (promptsWithSteps == 0) {
            throw new IllegalStateException("statistics: no prompt was long enough: a step needs more than k = " + k
                    + " keys before it (a prefill tile starting after position " + k + " or a decoded token at position >= " + k + ")");
        }
        int g2 = kvHeads * kvHeads;
        double[] recovery = new double[recoverySum.length];
        for (int a = 0; a < layers; a++) {
            for (int b = 0; b < layers; b++) {
                int base = (a * layers + b) * g2;
                for (int i = 0; i < g2; i++) {
                    recovery[base + i] = a <= b ? recoverySum[base + i] / promptsWithSteps : Double.NaN;
                }
            }
        }
        double[] importance = new double[layers];
        for (int l = 0; l < layers; l++) importance[l] = importanceSum[l] / prompts;
        return new CalibrationStats(settings, recovery, importance, prompts, promptsWithSteps, totalSteps);
    }

    /*
     * Recovery ratios of layer b against every layer a <= b, over the prompt's steps.
     * Parallel split: per step, one task per KV head (pooled scores and top-k of head gb), then one task per
     *   reuse head gb (ratios against all anchor heads of all earlier layers); no shared writes.
     * Work per step: the pooled scores (rows * s * d multiply-adds) dominate; the ratios cost
     *   (b+1) * G * G * k loads.
     */
    private void recordRecovery(int b, PooledScores scores) {
        int[] sets = new int[steps.length * kvHeads * k];
        topSets[b] = sets;
        float[][] pooled = new float[kvHeads][tokens];
        float[][] scratch = new float[kvHeads][scores.scratchSize()];
        dev.kascade.algorithm.TopK[] selectors = new dev.kascade.algorithm.TopK[kvHeads]; // one per head: not thread-safe
        for (int g = 0; g < kvHeads; g++) selectors[g] = new dev.kascade.algorithm.TopK();
        double[] diag = new double[kvHeads];
        double[] best = new double[kvHeads];
        int g2 = kvHeads * kvHeads;
        for (int st = 0; st < steps.length; st++) {
            int[] step = steps[st];
            int stepIndex = st;
            IntStream.range(0, kvHeads).parallel().forEach(g -> {
                float[] p = pooled[g];
                diag[g] = scores.pool(g, step[0], step[1], step[2], p, scratch[g]);
                int[] idx = new int[k];
                selectors[g].select(p, 0, step[2], k, idx, 0); // exact; ties to the lower position; ascending
                double m = 0;
                for (int j : idx) m += p[j];
                best[g] = m;
                System.arraycopy(idx, 0, sets, (stepIndex * kvHeads + g) * k, k);
            });
            IntStream.range(0, kvHeads).parallel().forEach(gb -> {
                float[] p = pooled[gb];
                double denominator = best[gb] + diag[gb];
                for (int a = 0; a <= b; a++) {
                    int[] aSets = topSets[a];
                    int minBase = (a * layers + b) * g2 + gb * kvHeads;
                    for (int ga = 0; ga < kvHeads; ga++) {
                        int off = (stepIndex * kvHeads + ga) * k;
                        double m = 0;
                        for (int i = 0; i < k; i++) m += p[aSets[off + i]];
                        double ratio = denominator > 0 ? (m + diag[gb]) / denominator : 1.0;
                        // Float sums can exceed the exact top-k mass by rounding; S is at most 1 by definition.
                        ratio = Math.min(1.0, ratio);
                        if (ratio < promptMin[minBase + ga]) promptMin[minBase + ga] = ratio;
                    }
                }
            });
        }
    }

    /** Mean over tokens of {@code 1 - cos(x, x + y)}; tokens where either vector is zero count as 0. */
    static double meanImportance(Tensor residual, Tensor attentionOutput, int tokens, int hidden) {
        double total = 0;
        long flat = 0;
        for (int t = 0; t < tokens; t++) {
            double xx = 0;
            double zz = 0;
            double xz = 0;
            for (int i = 0; i < hidden; i++, flat++) {
                double x = residual.getFlat(flat);
                double z = x + attentionOutput.getFlat(flat);
                if (!Double.isFinite(z)) {
                    throw new IllegalArgumentException("residual/attentionOutput: expected finite values but token " + t
                            + " element " + i + " is " + z);
                }
                xx += x * x;
                zz += z * z;
                xz += x * z;
            }
            if (xx > 0 && zz > 0) total += 1 - xz / Math.sqrt(xx * zz);
        }
        return total / tokens;
    }
}

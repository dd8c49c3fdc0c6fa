package dev.kascade.planning;

import dev.kascade.tensor.Tensor;
import dev.kascade.tensor.TensorViews;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * One layer's queries and keys of one prompt, arranged for the pooled post-softmax scores of the
 * calibration statistics (spec, "GQA pooling" and "Anchor selection").
 *
 * <p>For a query step (a prefill tile or a decode token) and a KV head {@code g}, every pooled query row
 * (a token of the step times one of the {@code r} query heads of {@code g}) gets its own softmax over all
 * keys visible to it ({@code 0..t}, causal); the probabilities are summed over the rows. Keys strictly
 * before the step's selection bound {@code s} form the pooled score vector a top-k is taken on; the mass
 * on keys {@code s..t} is the step's diagonal block, always attended.
 *
 * <p>Layout: queries head-major {@code [Hq][T][d]}, pre-scaled by {@code 1/sqrt(d)}; keys transposed per
 * KV head, {@code [G][d][Tp]} with {@code Tp} the token count rounded up to the vector length (zero
 * padding), so the logit loop runs along keys with no horizontal reductions.
 */
final class PooledScores {
    private static final VectorSpecies<Float> SPECIES = FloatVector.SPECIES_PREFERRED;
    private static final int LANES = SPECIES.length();

    private final int tokens;
    private final int qHeads;
    private final int kvHeads;
    private final int headDim;
    private final int group;
    private final int paddedTokens;
    private final float[] q;
    private final float[] kt;

    /**
     * Copies a layer's tensors into the kernel layout (converting f16/bf16 to f32).
     *
     * @param queries {@code [T][Hq][d]}, post-RoPE
     * @param keys    {@code [T][G][d]}, post-RoPE
     */
    PooledScores(Tensor queries, Tensor keys, int qHeads, int kvHeads, int headDim) {
        this.tokens = (int) queries.dim(0);
        this.qHeads = qHeads;
        this.kvHeads = kvHeads;
        this.headDim = headDim;
        this.group = qHeads / kvHeads;
        this.paddedTokens = (tokens + LANES - 1) / LANES * LANES;
        this.q = new float[Math.multiplyExact(Math.multiplyExact(qHeads, tokens), headDim)];
        this.kt = new float[Math.multiplyExact(Math.multiplyExact(kvHeads, headDim), paddedTokens)];
        float scale = (float) (1.0 / Math.sqrt(headDim));
        float[] qs = floats(queries);
        int flat = 0;
        for (int t = 0; t < tokens; t++) {
            for (int h = 0; h < qHeads; h++) {
                int base = (h * tokens + t) * headDim;
                for (int i = 0; i < headDim; i++) {
                    float v = qs[flat++];
                    if (!Float.isFinite(v)) throw nonFinite("queries", t, h, i, v);
                    q[base + i] = v * scale;
                }
            }
        }
        float[] ks = floats(keys);
        flat = 0;
        for (int t = 0; t < tokens; t++) {
            for (int g = 0; g < kvHeads; g++) {
                int base = g * headDim * paddedTokens + t;
                for (int i = 0; i < headDim; i++) {
                    float v = ks[flat++];
                    if (!Float.isFinite(v)) throw nonFinite("keys", t, g, i, v);
                    kt[base + i * paddedTokens] = v;
                }
            }
        }
    }

    private static IllegalArgumentException nonFinite(String name, int t, int h, int i, float v) {
        return new IllegalArgumentException(name + ": expected finite values but [" + t + "][" + h + "][" + i + "] = " + v);
    }

    int tokens() {
        return tokens;
    }

    /** Scratch floats {@link #pool} needs: one logit row per query head of a group. */
    int scratchSize() {
        return group * paddedTokens;
    }

    /*
     * Pooled post-softmax scores of KV head g over one step.
     * Parallel split: none inside; callers run one KV head per thread.
     * Algorithm: for each token t of [t0, t1): logits of the r query heads of g against keys 0..t, computed
     *   four heads at a time so each key vector loaded serves four rows (vectorised along keys); then per
     *   row max, exp, sum, and the normalised probabilities are added to pooled[0..s) and to the diagonal.
     * Memory traffic: per token, d * (t+1) key floats (from cache: a head's keys are d * Tp floats) and r * d
     *   query floats; writes s floats of pooled per token.
     */
    /**
     * @param pooled  receives the pooled probabilities of keys {@code 0..s-1} (overwritten)
     * @param scratch at least {@link #scratchSize()} floats
     * @return the pooled mass on the diagonal keys {@code s..t} of each row
     */
    double pool(int g, int t0, int t1, int s, float[] pooled, float[] scratch) {
        java.util.Arrays.fill(pooled, 0, s, 0f);
        double diag = 0;
        int kBase = g * headDim * paddedTokens;
        for (int t = t0; t < t1; t++) {
            int n = t + 1;
            int blocks = (n + LANES - 1) / LANES * LANES;
            int h = 0;
            for (; h + 4 <= group; h += 4) {
                logitsFour(g * group + h, t, kBase, blocks, scratch, h * paddedTokens);
            }
            for (; h < group; h++) {
                logitsOne(g * group + h, t, kBase, blocks, scratch, h * paddedTokens);
            }
            for (h = 0; h < group; h++) {
                diag += softmaxAccumulate(scratch, h * paddedTokens, n, blocks, s, pooled);
            }
        }
        return diag;
    }

    private void logitsFour(int h, int t, int kBase, int blocks, float[] out, int outBase) {
        int q0 = (h * tokens + t) * headDim;
        int q1 = q0 + tokens * headDim;
        int q2 = q1 + tokens * headDim;
        int q3 = q2 + tokens * headDim;
        int stride = paddedTokens;
        for (int j = 0; j < blocks; j += LANES) {
            FloatVector a0 = FloatVector.zero(SPECIES);
            FloatVector a1 = FloatVector.zero(SPECIES);
            FloatVector a2 = FloatVector.zero(SPECIES);
            FloatVector a3 = FloatVector.zero(SPECIES);
            int k = kBase + j;
            for (int i = 0; i < headDim; i++, k += stride) {
                FloatVector kv = FloatVector.fromArray(SPECIES, kt, k);
                a0 = kv.fma(FloatVector.broadcast(SPECIES, q[q0 + i]), a0);
                a1 = kv.fma(FloatVector.broadcast(SPECIES, q[q1 + i]), a1);
                a2 = kv.fma(FloatVector.broadcast(SPECIES, q[q2 + i]), a2);
                a3 = kv.fma(FloatVector.broadcast(SPECIES, q[q3 + i]), a3);
            }
            a0.intoArray(out, outBase + j);
            a1.intoArray(out, outBase + stride + j);
            a2.intoArray(out, outBase + 2 * stride + j);
            a3.intoArray(out, outBase + 3 * stride + j);
        }
    }

    private void logitsOne(int h, int t, int kBase, int blocks, float[] out, int outBase) {
        int q0 = (h * tokens + t) * headDim;
        for (int j = 0; j < blocks; j += LANES) {
            FloatVector a0 = FloatVector.zero(SPECIES);
            int k = kBase + j;
            for (int i = 0; i < headDim; i++, k += paddedTokens) {
                a0 = FloatVector.fromArray(SPECIES, kt, k).fma(FloatVector.broadcast(SPECIES, q[q0 + i]), a0);
            }
            a0.intoArray(out, outBase + j);
        }
    }

    /** Softmax of row[0..n) (entries n..blocks are padding), added into pooled[0..s); returns mass on s..n-1. */
    private static double softmaxAccumulate(float[] row, int base, int n, int blocks, int s, float[] pooled) {
        for (int j = n; j < blocks; j++) row[base + j] = Float.NEGATIVE_INFINITY;
        FloatVector mv = FloatVector.broadcast(SPECIES, Float.NEGATIVE_INFINITY);
        for (int j = 0; j < blocks; j += LANES) {
            mv = mv.max(FloatVector.fromArray(SPECIES, row, base + j));
        }
        float max = mv.reduceLanes(VectorOperators.MAX);
        FloatVector sv = FloatVector.zero(SPECIES);
        for (int j = 0; j < blocks; j += LANES) {
            FloatVector e = FloatVector.fromArray(SPECIES, row, base + j).sub(max).lanewise(VectorOperators.EXP);
            e.intoArray(row, base + j);
            sv = sv.add(e);
        }
        float inv = 1f / sv.reduceLanes(VectorOperators.ADD);
        int full = s / LANES * LANES;
        int j = 0;
        for (; j < full; j += LANES) {
            FloatVector.fromArray(SPECIES, row, base + j).mul(inv).add(FloatVector.fromArray(SPECIES, pooled, j))
                    .intoArray(pooled, j);
        }
        for (; j < s; j++) pooled[j] += row[base + j] * inv;
        double diag = 0;
        for (j = s; j < n; j++) diag += row[base + j];
        return diag * inv;
    }

    /** All elements of {@code t} as f32, in flat order (one bulk conversion, not per-element access). */
    private static float[] floats(Tensor t) {
        int n = Math.toIntExact(t.size());
        float[] out = new float[n];
        TensorViews.copy(t, 0, Tensor.wrap(out, n), 0, n);
        return out;
    }
}

package dev.kascade.bench;

import java.util.Arrays;

/**
 * Shape and sparsity knobs of a {@link SyntheticWorkload}. See {@code docs/benchmarks.md} for what each knob
 * does to the attention pattern.
 *
 * @param layers        L
 * @param qHeads        Hq
 * @param kvHeads       G, divides Hq
 * @param headDim       d
 * @param context       n, cached keys per sequence (decode) or prompt length (prefill)
 * @param batch         sequences
 * @param anchors       the plan's anchor layers (must contain 0); they are where the heavy keys change abruptly
 * @param heavyFraction share of the keys that are heavy, per (layer, sequence, KV head)
 * @param logitGap      {@code alpha * beta / sqrt(d)}: how far above the noise a heavy key's logit sits
 * @param drift         share of the heavy positions replaced at each layer step inside a segment
 * @param seed          everything is a pure function of this seed and the coordinates
 */
public record WorkloadSpec(int layers, int qHeads, int kvHeads, int headDim, int context, int batch,
                           int[] anchors, double heavyFraction, double logitGap, double drift, long seed) {

    /** Default share of heavy keys: 2% of the context. */
    public static final double DEFAULT_HEAVY_FRACTION = 0.02;
    /**
     * Default logit gap. With 2% heavy keys and unit-variance noise it puts about 95% of the softmax mass on
     * the heavy keys (measured values in docs/benchmarks.md; SyntheticWorkloadTest checks 90-98%).
     */
    public static final double DEFAULT_LOGIT_GAP = 7.0;
    /** Default drift: 1% of the heavy positions move at each layer after an anchor. */
    public static final double DEFAULT_DRIFT = 0.01;
    /** The reference plan for 32-layer Llama-3.1-8B. */
    public static final int[] LLAMA_ANCHORS = {0, 2, 8, 13, 14};

    public WorkloadSpec {
        if (layers <= 0) throw new IllegalArgumentException("layers: expected > 0 but got " + layers);
        if (qHeads <= 0) throw new IllegalArgumentException("qHeads: expected > 0 but got " + qHeads);
        if (kvHeads <= 0 || qHeads % kvHeads != 0) {
            throw new IllegalArgumentException("kvHeads: expected a divisor of qHeads (" + qHeads + ") but got " + kvHeads);
        }
        if (headDim <= 0) throw new IllegalArgumentException("headDim: expected > 0 but got " + headDim);
        if (context <= 0) throw new IllegalArgumentException("context: expected > 0 but got " + context);
        if (batch <= 0) throw new IllegalArgumentException("batch: expected > 0 but got " + batch);
        if (anchors == null || anchors.length == 0) {
            throw new IllegalArgumentException("anchors: expected at least layer 0 but got none");
        }
        anchors = anchors.clone();
        Arrays.sort(anchors);
        if (anchors[0] != 0) {
            throw new IllegalArgumentException("anchors: must contain layer 0 but got " + Arrays.toString(anchors));
        }
        if (anchors[anchors.length - 1] >= layers) {
            throw new IllegalArgumentException("anchors: layer " + anchors[anchors.length - 1]
                    + " out of range [0, " + layers + ")");
        }
        if (!(heavyFraction > 0 && heavyFraction <= 1)) {
            throw new IllegalArgumentException("heavyFraction: expected (0, 1] but got " + heavyFraction);
        }
        if (!(logitGap >= 0) || Double.isInfinite(logitGap)) {
            throw new IllegalArgumentException("logitGap: expected a finite value >= 0 but got " + logitGap);
        }
        if (!(drift >= 0 && drift <= 1)) throw new IllegalArgumentException("drift: expected [0, 1] but got " + drift);
    }

    /** The default sparsity knobs with the given shape and plan anchors. */
    public static WorkloadSpec of(int layers, int qHeads, int kvHeads, int headDim, int context, int batch,
                                  int[] anchors, long seed) {
        return new WorkloadSpec(layers, qHeads, kvHeads, headDim, context, batch, anchors,
                DEFAULT_HEAVY_FRACTION, DEFAULT_LOGIT_GAP, DEFAULT_DRIFT, seed);
    }

    @Override
    public int[] anchors() {
        return anchors.clone();
    }

    /** GQA group size r. */
    public int groupSize() {
        return qHeads / kvHeads;
    }

    /** Heavy keys per (layer, sequence, KV head): {@code max(1, round(heavyFraction * context))}. */
    public int heavyCount() {
        return (int) Math.max(1, Math.min(context, Math.round(heavyFraction * context)));
    }

    public WorkloadSpec withContext(int n) {
        return new WorkloadSpec(layers, qHeads, kvHeads, headDim, n, batch, anchors, heavyFraction, logitGap, drift, seed);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof WorkloadSpec w && layers == w.layers && qHeads == w.qHeads && kvHeads == w.kvHeads
                && headDim == w.headDim && context == w.context && batch == w.batch && Arrays.equals(anchors, w.anchors)
                && heavyFraction == w.heavyFraction && logitGap == w.logitGap && drift == w.drift && seed == w.seed;
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(anchors) * 31 + Long.hashCode(seed) + 17 * context + layers;
    }

    @Override
    public String toString() {
        return "WorkloadSpec{L=" + layers + ", Hq=" + qHeads + ", G=" + kvHeads + ", d=" + headDim + ", n=" + context
                + ", batch=" + batch + ", anchors=" + Arrays.toString(anchors) + ", heavy=" + heavyFraction
                + ", gap=" + logitGap + ", drift=" + drift + ", seed=" + seed + "}";
    }
}

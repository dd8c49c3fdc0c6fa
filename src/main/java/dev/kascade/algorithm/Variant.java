package dev.kascade.algorithm;

/**
 * The paper's ablations that are not expressed by the {@link AnchorPlan} or the {@link Pooling}.
 *
 * <p>Full list of variants and where each lives: oracle top-k = {@link AnchorPlan#everyLayer}; no remap =
 * {@link AnchorPlan#identity}; pre-softmax pooling = {@link Pooling#PRE_SOFTMAX}; all heads pooled and
 * decode-only Kascade = this record.
 *
 * @param allHeadsPooled one index set for all KV heads: scores pooled over every query head of the
 *                       sequence (or tile), the same set copied to each KV head
 * @param densePrefill   decode-only Kascade: prefill runs plain dense causal attention on every layer
 */
public record Variant(boolean allHeadsPooled, boolean densePrefill) {
    /** Kascade as published: one index set per KV head, Kascade prefill. */
    public static final Variant KASCADE = new Variant(false, false);
    /** Ablation: one index set shared by all KV heads. */
    public static final Variant ALL_HEADS_POOLED = new Variant(true, false);
    /** Ablation: Kascade on decode only; prefill is dense. */
    public static final Variant DECODE_ONLY = new Variant(false, true);
}

package dev.kascade.algorithm;

/** How the query rows that share one index set are combined before top-k (spec, "GQA pooling"). */
public enum Pooling {
    /** Softmax per query row over all its visible keys, probabilities summed (Kascade's choice). */
    POST_SOFTMAX,
    /** Logits summed over the rows, then top-k (a weaker ablation). */
    PRE_SOFTMAX
}

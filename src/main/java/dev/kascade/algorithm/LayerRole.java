package dev.kascade.algorithm;

/** A layer's role in Kascade (spec, "Layer roles"). */
public enum LayerRole {
    /** Dense attention for its own output; also computes top-k indices for the layers after it. */
    LAYER0,
    /** Exact pooled post-softmax top-k, then sparse attention over the selected keys. */
    ANCHOR,
    /** Sparse attention over the index sets of the most recent anchor, through the head mapping. */
    REUSE
}

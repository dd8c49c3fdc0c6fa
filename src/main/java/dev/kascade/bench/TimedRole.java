package dev.kascade.bench;

/**
 * The attention calls a benchmark times side by side: the dense baseline and the three Kascade layer roles
 * (spec, "Layer roles").
 */
public enum TimedRole {
    /** Plain dense attention (the baseline every speedup is against). */
    DENSE,
    /** Layer 0: dense output plus the top-k index sets for the layers after it. */
    LAYER0,
    /** Anchor layer: exact pooled scores over all keys, top-k, sparse attention. */
    ANCHOR,
    /** Reuse layer: sparse attention over an anchor's index sets through the head mapping. */
    REUSE;

    public String label() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}

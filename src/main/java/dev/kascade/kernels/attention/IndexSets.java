package dev.kascade.kernels.attention;

import dev.kascade.kernel.I32Buffer;

/**
 * Top-k index sets of one anchor layer: {@code indices[batch][kvHeads][kMax]} cache positions, of which the
 * first {@code counts[b]} of each row are valid (ascending positions), one count per sequence (its budget).
 * Written by the layer-0 / anchor roles, read by the anchor's own sparse pass and by reuse layers.
 *
 * @param indices {@code batch * kvHeads * kMax} positions
 * @param counts  {@code batch} budgets k_b
 * @param kMax    row stride of {@code indices}: the budget of the full capacity
 */
public record IndexSets(I32Buffer indices, I32Buffer counts, int kMax) {
    public IndexSets {
        if (indices == null || counts == null) {
            throw new IllegalArgumentException("indices, counts: expected buffers but got " + indices + ", " + counts);
        }
        if (kMax <= 0) {
            throw new IllegalArgumentException("kMax: expected > 0 but got " + kMax);
        }
    }
}

package dev.kascade.algorithm;

/**
 * How many keys a query (decode) or a query tile (prefill) attends to: the Kascade budget.
 *
 * <p>Spec ("Budget"): {@code k = min(n, max(minimum, floor(p * n)))}, with {@code p} the top-k fraction
 * and {@code n} the keys visible; the fast kernels round {@code k} up to a multiple of 128 (capped at
 * {@code n}). When {@code n <= minimum} the attention is dense.
 *
 * @param fraction   top-k fraction p, in (0, 1]
 * @param minimum    lower bound on k (128 in the paper)
 * @param roundUpTo  k is rounded up to a multiple of this (1 = no rounding; 128 in the kernels)
 */
public record Budget(double fraction, int minimum, int roundUpTo) {
    public static final Budget PAPER = new Budget(0.10, 128, 1);

    public Budget {
        if (!(fraction > 0 && fraction <= 1)) {
            throw new IllegalArgumentException("fraction: expected a top-k fraction in (0, 1] but got " + fraction);
        }
        if (minimum <= 0) {
            throw new IllegalArgumentException("minimum: expected k minimum > 0 but got " + minimum);
        }
        if (roundUpTo <= 0) {
            throw new IllegalArgumentException("roundUpTo: expected > 0 but got " + roundUpTo);
        }
    }

    /** Keys to keep out of {@code visible} (decode: all cached keys including the current one). */
    public int keys(int visible) {
        if (visible < 0) {
            throw new IllegalArgumentException("visible: expected >= 0 keys but got " + visible);
        }
        long k = Math.max(minimum, (long) Math.floor(fraction * visible));
        if (roundUpTo > 1) {
            k = (k + roundUpTo - 1) / roundUpTo * roundUpTo;
        }
        return (int) Math.min(visible, k);
    }

    /** True when the budget covers every visible key, so attention is simply dense. */
    public boolean isDense(int visible) {
        return keys(visible) >= visible;
    }

    /**
     * Prefill rolling budget for the tile starting at {@code tileStart}: {@code max(minimum, floor(p * s))}
     * keys chosen among the {@code s = tileStart} keys strictly before the tile (spec, "Rolling budget").
     */
    public int tileKeys(int tileStart) {
        return keys(tileStart);
    }
}

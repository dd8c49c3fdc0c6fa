package dev.kascade.algorithm;

/**
 * Exact top-k selection without sorting: a radix select on the bits of the scores, O(n).
 *
 * <p>Algorithm: every float score maps to an unsigned 32-bit key with the same order ({@link #key}).
 * Three histogram passes (11 + 11 + 10 bits, most significant first) find the key {@code T} of the k-th
 * largest score; each pass only counts the scores whose higher bits equal the prefix found so far. A
 * final pass in position order emits every score with key {@code > T} and the first
 * {@code k - #(key > T)} scores with key {@code == T}.
 *
 * <p>Ties: equal scores are taken in increasing position, so <b>the lower position wins</b>; the result
 * is deterministic and equals "sort by (score descending, position ascending), keep k". Output positions
 * come out in increasing order, which makes the later gather of K/V rows walk memory forwards.
 * Ordering of special values: -0.0 ranks just below +0.0; NaN with the sign bit clear ranks above
 * +infinity (scores here are probabilities or logits, so NaN only comes from NaN inputs).
 *
 * <p>Not thread-safe: one instance (it owns a 2048-entry histogram) per worker.
 */
public final class TopK {
    private static final int[] SHIFTS = {21, 10, 0};
    private static final int[] BITS = {11, 11, 10};
    private final int[] histogram = new int[1 << 11];

    /**
     * Writes the positions {@code [0, n)} of the {@code k} largest of {@code scores[off .. off+n)} to
     * {@code out[outOff .. outOff+k)} in increasing order. {@code k >= n} selects every position.
     */
    public void select(float[] scores, int off, int n, int k, int[] out, int outOff) {
        if (k <= 0) {
            throw new IllegalArgumentException("k: expected > 0 keys to select but got " + k);
        }
        if (n < 0 || off < 0 || (long) off + n > scores.length) {
            throw new IllegalArgumentException("n: scores[" + off + " .. " + ((long) off + n) + ") outside an array of "
                    + scores.length);
        }
        if ((long) outOff + Math.min(k, n) > out.length) {
            throw new IllegalArgumentException("out: needs " + Math.min(k, n) + " entries from " + outOff
                    + " but has " + out.length);
        }
        if (k >= n) {
            for (int i = 0; i < n; i++) out[outOff + i] = i;
            return;
        }
        // Radix select of the k-th largest key.
        int prefix = 0;        // bits of T fixed so far (the most significant ones)
        int prefixMask = 0;    // which bits of the key 'prefix' fixes
        int remaining = k;     // rank of T among keys matching the prefix (1 = largest)
        for (int pass = 0; pass < SHIFTS.length; pass++) {
            int shift = SHIFTS[pass];
            int bins = 1 << BITS[pass];
            java.util.Arrays.fill(histogram, 0, bins, 0);
            for (int i = 0; i < n; i++) {
                int key = key(scores[off + i]);
                if ((key & prefixMask) == prefix) {
                    histogram[(key >>> shift) & (bins - 1)]++;
                }
            }
            int bin = bins - 1;
            while (histogram[bin] < remaining) {
                remaining -= histogram[bin];
                bin--;
            }
            prefix |= bin << shift;
            prefixMask |= (bins - 1) << shift;
        }
        int threshold = prefix;
        int ties = remaining; // how many keys equal to T are still to be taken
        int w = outOff;
        for (int i = 0; i < n; i++) {
            int key = key(scores[off + i]);
            if (Integer.compareUnsigned(key, threshold) > 0) {
                out[w++] = i;
            } else if (key == threshold && ties > 0) {
                out[w++] = i;
                ties--;
            }
        }
        if (w - outOff != k) {
            throw new IllegalStateException("top-k selected " + (w - outOff) + " of " + k + " keys");
        }
    }

    /** Unsigned key with the order of the float: flip all bits of negatives, the sign bit of the rest. */
    static int key(float f) {
        int bits = Float.floatToRawIntBits(f);
        return bits ^ ((bits >> 31) | 0x80000000);
    }
}

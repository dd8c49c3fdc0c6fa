package dev.kascade.planning;

/**
 * Exact top-k selection of indices by value, as the statistics need it: the k keys with the largest pooled
 * mass. Ties at the threshold go to the lower index, so the result is deterministic.
 */
final class TopK {
    private TopK() {
    }

    /*
     * Algorithm: quickselect (Hoare partition, median-of-three pivot) on a copy finds the k-th largest value
     * in expected O(n); one pass then takes every index above it and, in index order, enough indices equal
     * to it. Output sorted ascending. Scratch: n floats.
     */
    /**
     * @param values  scores, indices {@code 0..n-1} are candidates
     * @param n       candidates, {@code n >= k}
     * @param k       indices to select, {@code k >= 1}
     * @param out     receives k indices in ascending order
     * @param scratch at least n floats
     */
    static void select(float[] values, int n, int k, int[] out, float[] scratch) {
        if (k <= 0 || k > n) throw new IllegalArgumentException("k: expected 1.." + n + " but got " + k);
        System.arraycopy(values, 0, scratch, 0, n);
        float threshold = kthLargest(scratch, n, k);
        int above = 0;
        for (int j = 0; j < n; j++) {
            if (values[j] > threshold) above++;
        }
        int equalsWanted = k - above;
        int c = 0;
        for (int j = 0; j < n && c < k; j++) {
            float v = values[j];
            if (v > threshold) {
                out[c++] = j;
            } else if (v == threshold && equalsWanted > 0) {
                out[c++] = j;
                equalsWanted--;
            }
        }
        if (c != k) {
            throw new IllegalStateException("top-k selected " + c + " of " + k + " (NaN among the scores?)");
        }
    }

    /** The k-th largest of a[0..n) (k = 1: the maximum); permutes a. */
    private static float kthLargest(float[] a, int n, int k) {
        int target = k - 1; // position in descending order
        int lo = 0;
        int hi = n - 1;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            float x = a[lo];
            float y = a[mid];
            float z = a[hi];
            float pivot = Math.max(Math.min(x, y), Math.min(Math.max(x, y), z));
            int i = lo;
            int j = hi;
            while (i <= j) {
                while (a[i] > pivot) i++;
                while (a[j] < pivot) j--;
                if (i <= j) {
                    float t = a[i];
                    a[i] = a[j];
                    a[j] = t;
                    i++;
                    j--;
                }
            }
            if (target <= j) {
                hi = j;
            } else if (target >= i) {
                lo = i;
            } else {
                return a[target];
            }
        }
        return a[target];
    }
}

package dev.kascade.algorithm;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.Comparator;
import java.util.Random;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class TopKTest {
    /** The oracle: sort positions by (score descending, position ascending), keep k, return ascending. */
    static int[] sortOracle(float[] s, int n, int k) {
        Integer[] idx = IntStream.range(0, n).boxed().toArray(Integer[]::new);
        Arrays.sort(idx, Comparator.<Integer>comparingDouble(i -> -s[i]).thenComparingInt(i -> i));
        return Arrays.stream(idx).limit(Math.min(k, n)).mapToInt(Integer::intValue).sorted().toArray();
    }

    private static int[] select(float[] s, int n, int k) {
        int[] out = new int[Math.min(k, n)];
        new TopK().select(s, 0, n, k, out, 0);
        return out;
    }

    @Test
    void matchesTheSortOracleOnRandomScoresOfManySizes() {
        Random rnd = new Random(11);
        for (int trial = 0; trial < 300; trial++) {
            int n = 1 + rnd.nextInt(3000);
            int k = 1 + rnd.nextInt(n + 5);
            float[] s = new float[n];
            for (int i = 0; i < n; i++) s[i] = rnd.nextFloat(); // probabilities: all positive
            assertArrayEquals(sortOracle(s, n, k), select(s, n, k), "n=" + n + " k=" + k);
        }
    }

    @Test
    void tiesGoToTheLowerPosition() {
        // Worked by hand: scores 5 3 5 1 5 3, k = 2 -> the 5s at 0, 2 and 4 tie; 0 and 2 win.
        float[] s = {5, 3, 5, 1, 5, 3};
        assertArrayEquals(new int[] {0, 2}, select(s, 6, 2));
        // k = 4 -> the three 5s, then the 3s at 1 and 5 tie for one slot: 1 wins.
        assertArrayEquals(new int[] {0, 1, 2, 4}, select(s, 6, 4));
        // Heavy ties on random data: few distinct values.
        Random rnd = new Random(3);
        for (int trial = 0; trial < 200; trial++) {
            int n = 1 + rnd.nextInt(2000);
            int k = 1 + rnd.nextInt(n);
            float[] t = new float[n];
            for (int i = 0; i < n; i++) t[i] = rnd.nextInt(4) * 0.25f;
            assertArrayEquals(sortOracle(t, n, k), select(t, n, k), "n=" + n + " k=" + k);
        }
    }

    @Test
    void negativeAndSpecialValuesKeepFloatOrder() {
        // Pre-softmax pooling sums logits, which can be negative.
        Random rnd = new Random(5);
        for (int trial = 0; trial < 100; trial++) {
            int n = 1 + rnd.nextInt(1000);
            int k = 1 + rnd.nextInt(n);
            float[] s = new float[n];
            for (int i = 0; i < n; i++) s[i] = (float) (rnd.nextGaussian() * Math.pow(10, rnd.nextInt(7) - 3));
            if (n > 3) {
                s[0] = Float.NEGATIVE_INFINITY;
                s[1] = Float.POSITIVE_INFINITY;
                s[2] = 0f;
            }
            assertArrayEquals(sortOracle(s, n, k), select(s, n, k), "n=" + n + " k=" + k);
        }
    }

    @Test
    void selectsFromAnOffsetIntoAnOffset() {
        float[] s = {9, 9, 0.1f, 0.7f, 0.3f, 0.9f, 9};
        int[] out = {-1, -1, -1, -1};
        new TopK().select(s, 2, 4, 2, out, 1); // window 0.1 0.7 0.3 0.9 -> positions 1 and 3
        assertArrayEquals(new int[] {-1, 1, 3, -1}, out);
    }

    @Test
    void badArgumentsAreRejected() {
        var e = assertThrows(IllegalArgumentException.class, () -> new TopK().select(new float[4], 0, 4, 0, new int[4], 0));
        assertTrue(e.getMessage().startsWith("k:"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new TopK().select(new float[4], 2, 4, 1, new int[4], 0));
        assertTrue(e.getMessage().startsWith("n:"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new TopK().select(new float[8], 0, 8, 4, new int[2], 0));
        assertTrue(e.getMessage().startsWith("out:"), e.getMessage());
    }
}

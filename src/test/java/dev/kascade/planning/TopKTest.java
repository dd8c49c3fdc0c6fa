package dev.kascade.planning;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Arrays;
import java.util.Comparator;
import java.util.Random;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class TopKTest {
    /** Reference: full sort by value descending, ties to the lower index, result sorted by index. */
    private static int[] bySorting(float[] v, int n, int k) {
        return IntStream.range(0, n).boxed()
                .sorted(Comparator.<Integer>comparingDouble(j -> -v[j]).thenComparingInt(j -> j))
                .limit(k).mapToInt(Integer::intValue).sorted().toArray();
    }

    @Test
    void matchesSortingOnRandomAndTiedValues() {
        Random rnd = new Random(3);
        for (int trial = 0; trial < 300; trial++) {
            int n = 1 + rnd.nextInt(300);
            int k = 1 + rnd.nextInt(n);
            float[] v = new float[n + 5];
            boolean ties = trial % 3 == 0;
            for (int i = 0; i < v.length; i++) v[i] = ties ? rnd.nextInt(4) : rnd.nextFloat();
            int[] out = new int[k];
            TopK.select(v, n, k, out, new float[n]);
            assertArrayEquals(bySorting(v, n, k), out, "n=" + n + " k=" + k + " " + Arrays.toString(Arrays.copyOf(v, n)));
        }
    }

    @Test
    void rejectsBadK() {
        float[] v = {1, 2, 3};
        assertThrows(IllegalArgumentException.class, () -> TopK.select(v, 3, 0, new int[1], new float[3]));
        assertThrows(IllegalArgumentException.class, () -> TopK.select(v, 3, 4, new int[4], new float[3]));
    }
}

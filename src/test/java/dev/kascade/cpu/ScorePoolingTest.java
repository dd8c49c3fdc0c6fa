package dev.kascade.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Random;
import org.junit.jupiter.api.Test;

class ScorePoolingTest {
    @Test
    void postSoftmaxPoolingSumsEachRowsProbabilitiesLikeFloat64() {
        Random rnd = new Random(6);
        int rows = 4, n = 301; // odd: vector body and scalar tail
        float[] logits = new float[rows * n];
        for (int i = 0; i < logits.length; i++) logits[i] = (float) (rnd.nextGaussian() * 3);
        float[] pooled = new float[n];
        double[] expected = new double[n];
        for (int r = 0; r < rows; r++) {
            double m = Double.NEGATIVE_INFINITY, sum = 0;
            for (int j = 0; j < n; j++) m = Math.max(m, logits[r * n + j]);
            for (int j = 0; j < n; j++) sum += Math.exp(logits[r * n + j] - m);
            double lse = m + Math.log(sum);
            for (int j = 0; j < n; j++) expected[j] += Math.exp(logits[r * n + j] - lse);
            ScorePooling.addProbabilities(logits, r * n, (float) lse, n, pooled, 0);
        }
        double total = 0;
        for (int j = 0; j < n; j++) {
            assertEquals(expected[j], pooled[j], 1e-6 + 1e-5 * expected[j], "key " + j);
            total += pooled[j];
        }
        assertEquals(rows, total, 1e-4, "each row's probabilities sum to one");
    }

    @Test
    void preSoftmaxPoolingSumsLogits() {
        float[] logits = {1, -2, 3, 0.5f, 4, -1, 2, 2, 7, 1, 1, 1, -3, 0, 0, 0, 5};
        float[] pooled = new float[17];
        ScorePooling.addLogits(logits, 0, 17, pooled, 0);
        ScorePooling.addLogits(logits, 0, 17, pooled, 0);
        for (int j = 0; j < 17; j++) assertEquals(2 * logits[j], pooled[j]);
    }
}

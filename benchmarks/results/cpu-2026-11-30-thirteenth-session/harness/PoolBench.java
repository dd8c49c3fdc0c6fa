package dev.kascade.cpu;
import java.util.*;
public class PoolBench {
    public static void main(String[] a) {
        int n = 32768; Random r = new Random(2);
        float[] logits = new float[4 * n]; for (int i = 0; i < logits.length; i++) logits[i] = (float) (r.nextGaussian() * 2);
        float[] lse = {12f, 12.5f, 11.8f, 12.2f}; float[] p = new float[n];
        double b1 = 1e9, b2 = 1e9;
        for (int round = 0; round < 400; round++) {
            long t0 = System.nanoTime();
            for (int it = 0; it < 20; it++) { Arrays.fill(p, 0f); for (int h = 0; h < 4; h++) ScorePooling.addProbabilities(logits, h * n, lse[h], n, p, 0); }
            long t1 = System.nanoTime();
            for (int it = 0; it < 20; it++) ScorePooling.poolProbabilities(logits, 0, n, lse, 0, 4, n, p, 0);
            long t2 = System.nanoTime();
            b1 = Math.min(b1, (t1 - t0) / 20e3); b2 = Math.min(b2, (t2 - t1) / 20e3);
        }
        System.out.printf("pool 4 rows x 32K: row by row %.1f us, one pass %.1f us%n", b1, b2);
    }
}

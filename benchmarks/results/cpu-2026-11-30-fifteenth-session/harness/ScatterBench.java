package dev.kascade.cpu;

/** Throwaway: ns per block (4 rows x 512 logits) of TwoStreams.scatter vs a plain indexed loop vs arraycopy. */
public class ScatterBench {
    public static void main(String[] a) {
        int nb = 512, half = 256, rows = 4;
        int[] order = new int[nb];
        int n = TwoStreams.fill(order, 1000, 1000 + 16384, 3, half);
        int pairs = TwoStreams.pairs(1000, 1000 + 16384, 3, half);
        float[] s = new float[rows * nb];
        for (int i = 0; i < s.length; i++) s[i] = i * 0.5f;
        float[] dst = new float[rows * 40000];
        double[] best = {1e9, 1e9, 1e9};
        for (int round = 0; round < 40; round++) {
            for (int v = 0; v < 3; v++) {
                long t0 = System.nanoTime();
                for (int rep = 0; rep < 2000; rep++) {
                    for (int h = 0; h < rows; h++) {
                        if (v == 0) TwoStreams.scatter(s, h * nb, order, n, pairs, dst, h * 40000);
                        else if (v == 1) { for (int j = 0; j < n; j++) dst[h * 40000 + order[j]] = s[h * nb + j]; }
                        else System.arraycopy(s, h * nb, dst, h * 40000 + 1000, n);
                    }
                }
                double ns = (System.nanoTime() - t0) / 2000.0;
                if (round >= 10) best[v] = Math.min(best[v], ns);
            }
        }
        System.out.printf("scatter %.0f ns, indexed loop %.0f ns, arraycopy %.0f ns per block (%f)%n", best[0], best[1], best[2], dst[5000]);
    }
}

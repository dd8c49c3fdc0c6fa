package dev.kascade.planning;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kascade.algorithm.AnchorPlan;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class AnchorPlannerTest {
    /** Brute force: every anchor set {0} + (K-1)-subset of 1..L-1, scored by the objective directly. */
    private static double[] bruteForce(double[][] sim, int k, int[] bestOut) {
        int l = sim.length;
        double best = Double.NEGATIVE_INFINITY;
        for (int mask = 0; mask < 1 << (l - 1); mask++) {
            if (Integer.bitCount(mask) != k - 1) continue;
            int[] anchors = new int[k];
            int c = 1;
            for (int i = 1; i < l; i++) {
                if ((mask >> (i - 1) & 1) != 0) anchors[c++] = i;
            }
            double total = 0;
            int cur = 0;
            for (int j = 0, next = 0; j < l; j++) {
                if (next < k && anchors[next] == j) cur = anchors[next++];
                total += sim[cur][j];
            }
            if (total > best) {
                best = total;
                System.arraycopy(anchors, 0, bestOut, 0, k);
            }
        }
        return new double[] {best};
    }

    @Test
    void dynamicProgramEqualsBruteForceOnRandomSimilarities() {
        Random rnd = new Random(11);
        for (int trial = 0; trial < 200; trial++) {
            int l = 1 + rnd.nextInt(12);
            double[][] sim = new double[l][l];
            for (int a = 0; a < l; a++) {
                for (int b = a; b < l; b++) sim[a][b] = rnd.nextDouble() * (trial % 2 == 0 ? 1 : rnd.nextDouble());
            }
            for (int k = 1; k <= Math.min(5, l); k++) {
                int[] expected = new int[k];
                double best = bruteForce(sim, k, expected)[0];
                AnchorPlanner.AnchorChoice got = AnchorPlanner.chooseAnchors(sim, k);
                assertEquals(best, got.objective(), 1e-12, "L=" + l + " K=" + k);
                assertEquals(got.objective(), AnchorPlanner.objective(sim, got.anchors()), 1e-12);
                // random doubles make the optimum unique, so the sets must agree too
                assertArrayEquals(expected, got.anchors(), "L=" + l + " K=" + k);
            }
        }
    }

    @Test
    void anchorCountOutOfRangeIsRejected() {
        double[][] sim = new double[4][4];
        var e = assertThrows(IllegalArgumentException.class, () -> AnchorPlanner.chooseAnchors(sim, 5));
        assertTrue(e.getMessage().contains("K = 5") && e.getMessage().contains("4 layers"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> AnchorPlanner.chooseAnchors(sim, 0));
        assertTrue(e.getMessage().contains("K >= 1"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> AnchorPlanner.chooseAnchors(new double[3][2], 1));
        assertThrows(IllegalArgumentException.class, () -> AnchorPlanner.objective(sim, new int[] {1, 2}));
    }

    /** 3 layers, 2 heads, S chosen by hand so sim, head mapping and the DP can be checked on paper. */
    @Test
    void similarityHeadMappingAndPlansFromHandMadeStatistics() {
        CalibrationSettings s = CalibrationSettings.of(3, 4, 2, 8, 8);
        double[] rec = new double[3 * 3 * 2 * 2];
        java.util.Arrays.fill(rec, Double.NaN);
        // S[a][b][gb][ga] at ((a*3 + b)*2 + gb)*2 + ga
        set(rec, 0, 0, new double[][] {{1, 0.2}, {0.2, 1}});
        set(rec, 1, 1, new double[][] {{1, 0.3}, {0.3, 1}});
        set(rec, 2, 2, new double[][] {{1, 0.1}, {0.1, 1}});
        set(rec, 0, 1, new double[][] {{0.5, 0.9}, {0.8, 0.4}}); // layer 1 head 0 <- anchor head 1, head 1 <- head 0
        set(rec, 0, 2, new double[][] {{0.3, 0.2}, {0.1, 0.2}});
        set(rec, 1, 2, new double[][] {{0.7, 0.6}, {0.65, 0.9}});
        double[] w = {0.5, 0.4, 1.0};
        CalibrationStats st = new CalibrationStats(s, rec, w, 1, 1, 1);
        double[][] sim = AnchorPlanner.similarity(st);
        assertEquals(0.4 * (0.9 + 0.8) / 2, sim[0][1], 1e-12);
        assertEquals(1.0 * (0.3 + 0.2) / 2, sim[0][2], 1e-12);
        assertEquals(1.0 * (0.7 + 0.9) / 2, sim[1][2], 1e-12);
        assertEquals(0.5, sim[0][0], 1e-12);
        assertArrayEquals(new int[] {1, 0}, AnchorPlanner.headMapping(st, 0, 1));
        assertArrayEquals(new int[] {0, 1}, AnchorPlanner.headMapping(st, 1, 1));
        // K=2: {0,1} -> 0.5 + 0.4 + 0.8 = 1.7; {0,2} -> 0.5 + 0.34 + 1.0 = 1.84
        PlannedAnchors two = AnchorPlanner.plan(st, 2);
        assertArrayEquals(new int[] {0, 2}, two.plan().anchors());
        assertEquals(1.84, two.objective(), 1e-12);
        assertArrayEquals(new int[] {1, 0}, two.plan().headMap()[1]);
        assertArrayEquals(new int[] {0, 1}, two.plan().headMap()[2]);
        assertArrayEquals(new double[] {0.5, 0.34, 1.0}, two.layerScores(), 1e-12);
        List<PlannedAnchors> all = AnchorPlanner.plans(st, 1, 8);
        assertEquals(3, all.size(), "K clipped to the layer count");
        AnchorPlan manual = AnchorPlanner.planFor(st, new int[] {0, 1}).plan();
        assertArrayEquals(new int[] {0, 1}, manual.anchors());

        // evaluate() scores a plan with its own head map: the DP's plan gets the DP objective...
        assertEquals(1.84, AnchorPlanner.evaluate(st, two.plan()).objective(), 1e-12);
        // ...and a hand edit that maps layer 1 head 0 to anchor head 0 (S = 0.5 instead of 0.9) loses
        // w_1 * (0.9 - 0.5) / 2 = 0.08 on layer 1.
        int[][] edited = two.plan().headMap();
        edited[1][0] = 0;
        PlannedAnchors worse = AnchorPlanner.evaluate(st, new AnchorPlan(two.plan().anchors(), edited));
        assertEquals(1.84 - 0.08, worse.objective(), 1e-12);
        assertEquals((0.5 + 0.8) / 2, worse.recovery()[1], 1e-12);
        assertThrows(IllegalArgumentException.class, () -> AnchorPlanner.evaluate(st, AnchorPlan.identity(4, 2, 0)));
    }

    private static void set(double[] rec, int a, int b, double[][] s) {
        for (int gb = 0; gb < 2; gb++) {
            for (int ga = 0; ga < 2; ga++) rec[((a * 3 + b) * 2 + gb) * 2 + ga] = s[gb][ga];
        }
    }
}

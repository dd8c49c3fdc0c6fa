package dev.kascade.session;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kascade.algorithm.AnchorPlan;
import dev.kascade.algorithm.Budget;
import dev.kascade.algorithm.KascadeConfig;
import dev.kascade.algorithm.Pooling;
import dev.kascade.tensor.DType;
import dev.kascade.tensor.Tensor;
import java.lang.foreign.Arena;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The session check's layer-0 index-set diagnostic: equal sets, a swapped position, and its score gap. */
class SessionCheckSetReportTest {
    @Test
    void reportsDifferingRowsPositionsAndTheirGapToTheKthScore() {
        int batch = 2, qHeads = 4, kvHeads = 2, d = 64, n = 40, layers = 4;
        KascadeConfig config = new KascadeConfig(layers, qHeads, kvHeads, d, DType.F32, new Budget(0.1, 8, 8),
                Pooling.POST_SOFTMAX, 32);
        AnchorPlan plan = AnchorPlan.identity(layers, kvHeads, 0);
        Random rnd = new Random(3);
        try (Arena arena = Arena.ofShared();
             KascadeSession cpu = KascadeSession.open(config, plan, DeviceKind.CPU, batch, n)) {
            for (int layer = 0; layer < layers; layer++) {
                cpu.prefill(layer, random(arena, rnd, batch, qHeads, n, d), random(arena, rnd, batch, kvHeads, n, d),
                        random(arena, rnd, batch, kvHeads, n, d));
            }
            Tensor q = random(arena, rnd, batch, qHeads, d);
            int[][][] a = {{{0, 1, 2, 3}, {4, 5, 6, 7}}, {{1, 2, 3, 4}, {5, 6, 7, 8}}};
            int[][][] same = {{{0, 1, 2, 3}, {4, 5, 6, 7}}, {{1, 2, 3, 4}, {5, 6, 7, 8}}};
            int[][][] swapped = {{{0, 1, 2, 3}, {4, 5, 6, 9}}, {{1, 2, 3, 4}, {5, 6, 7, 8}}};
            assertEquals("layer-0 index sets of the last step: all 4 rows equal",
                    SessionCheck.compareLayer0Sets(a, same, cpu.cache(), q, qHeads, kvHeads, d));
            String report = SessionCheck.compareLayer0Sets(a, swapped, cpu.cache(), q, qHeads, kvHeads, d);
            assertTrue(report.startsWith("layer-0 index sets of the last step: 1 of 4 rows differ, 2 positions"
                    + " in only one session"), report);
            // Arbitrary (not top-k) sets: the gaps are real score differences, far above rounding.
            String gaps = report.substring(report.lastIndexOf(':') + 1).trim();
            double smallest = Double.parseDouble(gaps.split(" \\.\\. ")[0]);
            assertTrue(smallest >= 0 && Double.isFinite(smallest), report);
            String outOfRange = SessionCheck.compareLayer0Sets(a,
                    new int[][][] {{{0, 1, 2, 3}, {4, 5, 6, 7}}, {{1, 2, 3, 4}, {5, 6, 7, 99}}}, cpu.cache(), q,
                    qHeads, kvHeads, d);
            assertTrue(outOfRange.endsWith("Infinity"), outOfRange);
        }
    }

    @Test
    void nearTiesExcuseOnlyTheReuseLayersOfTheirStep() {
        double[] byLayer = {1e-7, 0.09, 1e-7, 1e-7};
        // layer 1 differs where layer 0's sets differed by a near-tie: passes up to near-ties, not exactly
        SessionCheck.Result tie = new SessionCheck.Result(0.09, true, 12, 1e-7, 1e-7, byLayer, "", 1e-7, 1, 3e-7);
        assertFalse(tie.passed(2e-3));
        assertTrue(tie.passedUpToNearTies(2e-3));
        // the same difference with a real (not near-tie) set difference fails
        SessionCheck.Result wrongSet = new SessionCheck.Result(0.09, true, 12, 1e-7, 1e-7, byLayer, "", 1e-7, 1, 0.3);
        assertFalse(wrongSet.passedUpToNearTies(2e-3));
        // a difference outside the excused layers fails, and so do different caches
        assertFalse(new SessionCheck.Result(0.09, true, 12, 1e-7, 1e-7, byLayer, "", 0.05, 1, 3e-7).passedUpToNearTies(2e-3));
        assertFalse(new SessionCheck.Result(1e-7, false, 12, 1e-7, 1e-7, byLayer, "", 1e-7, 0, 0).passedUpToNearTies(2e-3));
    }

    private static Tensor random(Arena arena, Random rnd, long... shape) {
        Tensor t = Tensor.allocate(arena, DType.F32, shape);
        for (long i = 0; i < t.size(); i++) t.setFlat(i, (float) rnd.nextGaussian());
        return t;
    }
}

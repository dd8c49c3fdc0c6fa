package dev.kascade.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kascade.algorithm.AnchorPlan;
import dev.kascade.algorithm.LayerRole;
import dev.kascade.tensor.DType;
import dev.kascade.tensor.Tensor;
import java.lang.foreign.Arena;
import java.util.Arrays;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

class SyntheticWorkloadTest {
    private static final int[] ANCHORS = {0, 2, 5};

    private static WorkloadSpec spec(int d, int n, int qHeads, int kvHeads) {
        return WorkloadSpec.of(8, qHeads, kvHeads, d, n, 2, ANCHORS, 11);
    }

    @ParameterizedTest
    @ValueSource(ints = {64, 128})
    void mostOfTheSoftmaxMassSitsOnTheHeavyTwoPercent(int d) {
        SyntheticWorkload w = new SyntheticWorkload(spec(d, 4093, 8, 2));
        for (int layer : new int[] {0, 3}) {
            SyntheticLayer l = w.layer(layer);
            double share = WorkloadStats.meanHeavyMassShare(l);
            assertTrue(share > 0.90 && share < 0.98, "layer " + layer + " d " + d + " heavy mass share " + share);
            int heavy = 0;
            for (int j = 0; j < 4093; j++) if (l.isHeavy(1, 1, j)) heavy++;
            assertEquals(Math.round(0.02 * 4093), heavy);
        }
    }

    @Test
    void withoutTheGapTheMassIsSpreadOut() {
        WorkloadSpec flat = new WorkloadSpec(3, 4, 1, 64, 2048, 1, new int[] {0}, 0.02, 0.0, 0.0, 5);
        double share = WorkloadStats.meanHeavyMassShare(new SyntheticWorkload(flat).layer(1));
        assertTrue(share < 0.06, "a zero logit gap must leave about 2% of the mass on 2% of the keys: " + share);
    }

    @Test
    void heavyKeysPersistInsideASegmentAndChangeAtAnchors() {
        int n = 8000;
        SyntheticWorkload w = new SyntheticWorkload(spec(64, n, 8, 4));
        AnchorPlan plan = w.plan();
        for (int b = 0; b < 2; b++) {
            for (int g = 0; g < 4; g++) {
                // Reuse layer 4 (segment of anchor 2) against its anchor's mapped head: two drift steps of 1%.
                double kept = WorkloadStats.overlap(w.heavyPositions(4, b, g), w.heavyPositions(2, b, plan.sourceHead(4, g)), n);
                assertTrue(kept >= 0.97 && kept < 1.0, "overlap with the mapped anchor head " + kept);
                // Adjacent reuse layers: one drift step.
                double step = WorkloadStats.overlap(w.heavyPositions(4, b, g), w.heavyPositions(3, b, g), n);
                assertTrue(step >= 0.985, "adjacent-layer overlap " + step);
                // Across the anchor at layer 5: a fresh draw, overlap near the chance level of 2%.
                double across = WorkloadStats.overlap(w.heavyPositions(5, b, g), w.heavyPositions(4, b, g), n);
                assertTrue(across < 0.08, "overlap across an anchor " + across);
            }
        }
    }

    @Test
    void reuseLayersPermuteKvHeadsSoTheHeadMappingMatters() {
        int n = 6000;
        SyntheticWorkload w = new SyntheticWorkload(spec(64, n, 8, 4));
        AnchorPlan plan = w.plan();
        assertEquals(LayerRole.REUSE, plan.role(3));
        int moved = 0;
        for (int g = 0; g < 4; g++) {
            int src = plan.sourceHead(3, g);
            if (src != g) {
                moved++;
                double identity = WorkloadStats.overlap(w.heavyPositions(3, 0, g), w.heavyPositions(2, 0, g), n);
                assertTrue(identity < 0.08, "identity mapping must miss the heavy keys: " + identity);
            }
            assertEquals(g, plan.sourceHead(2, g), "anchor layers use the identity");
        }
        assertTrue(moved >= 2, "a segment permutation moves at least two heads");
        assertNotEquals(Arrays.deepToString(w.identityPlan().headMap()), Arrays.deepToString(plan.headMap()));
    }

    @Test
    void anAnchorsTopKThroughTheHeadMapRecoversMostOfAReuseLayersMass() {
        int n = 4096;
        WorkloadSpec s = spec(64, n, 8, 2);
        SyntheticWorkload w = new SyntheticWorkload(s);
        SyntheticLayer anchor = w.layer(2);
        SyntheticLayer reuse = w.layer(4);
        int k = n / 10;
        int r = s.groupSize();
        for (int g = 0; g < 2; g++) {
            // Pooled post-softmax top-k of the anchor head, as the spec's anchor layer computes it.
            double[] pooled = new double[n];
            for (int h = g * r; h < (g + 1) * r; h++) {
                double[] p = WorkloadStats.decodeProbabilities(anchor, 0, h);
                for (int j = 0; j < n; j++) pooled[j] += p[j];
            }
            boolean[] chosen = topK(pooled, k);
            int mappedFrom = -1;
            for (int gr = 0; gr < 2; gr++) if (w.plan().sourceHead(4, gr) == g) mappedFrom = gr;
            int other = 1 - mappedFrom;
            double mapped = 0;
            double unmapped = 0;
            for (int h = 0; h < r; h++) {
                mapped += massOn(WorkloadStats.decodeProbabilities(reuse, 0, mappedFrom * r + h), chosen) / r;
                unmapped += massOn(WorkloadStats.decodeProbabilities(reuse, 0, other * r + h), chosen) / r;
            }
            assertTrue(mapped > 0.85, "mass recovered through the head map " + mapped);
            assertTrue(unmapped < 0.3, "mass recovered through the wrong head " + unmapped);
        }
    }

    @Test
    void fillsAreDeterministicNeverZeroAndMatchTheRows() {
        WorkloadSpec s = spec(64, 1000, 4, 2);
        SyntheticWorkload w = new SyntheticWorkload(s);
        SyntheticLayer layer = w.layer(3);
        try (Arena arena = Arena.ofConfined()) {
            for (DType dt : DType.values()) {
                Tensor k = Tensor.allocate(arena, dt, 2, 2, 1000, 64);
                Tensor v = Tensor.allocate(arena, dt, 2, 2, 1000, 64);
                layer.fillKeys(k);
                layer.fillValues(v);
                float[] row = new float[64];
                layer.keyRow(1, 1, 777, row);
                for (int i = 0; i < 64; i++) assertEquals(dt.roundTrip(row[i]), k.get(1, 1, 777, i));
                layer.valueRow(0, 1, 5, row);
                for (int i = 0; i < 64; i++) assertEquals(dt.roundTrip(row[i]), v.get(0, 1, 5, i));
                for (long i = 0; i < k.size(); i++) {
                    assertNotEquals(0f, k.getFlat(i));
                    assertNotEquals(0f, v.getFlat(i));
                }
                Tensor k2 = Tensor.allocate(arena, dt, 2, 2, 1000, 64);
                new SyntheticWorkload(s).layer(3).fillKeys(k2);
                assertEquals(k.segment().mismatch(k2.segment()), -1L, "same seed, same bytes");
            }
            Tensor q = Tensor.allocate(arena, DType.F32, 2, 4, 64);
            layer.fillDecodeQueries(q);
            float[] row = new float[64];
            layer.queryRow(1, 3, 999, row);
            assertEquals(row[17], q.get(1, 3, 17));
            Tensor qp = Tensor.allocate(arena, DType.BF16, 2, 4, 33, 64);
            layer.fillPrefillQueries(qp);
            layer.queryRow(1, 2, 32, row);
            assertEquals(DType.BF16.roundTrip(row[9]), qp.get(1, 2, 32, 9));
        }
    }

    @Test
    void badArgumentsAreNamed() {
        SyntheticWorkload w = new SyntheticWorkload(spec(64, 100, 4, 2));
        var e = assertThrows(IllegalArgumentException.class, () -> w.layer(8));
        assertTrue(e.getMessage().startsWith("layer"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> WorkloadSpec.of(4, 6, 4, 64, 10, 1, new int[] {0}, 1));
        assertTrue(e.getMessage().startsWith("kvHeads"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> WorkloadSpec.of(4, 4, 4, 64, 10, 1, new int[] {1, 2}, 1));
        assertTrue(e.getMessage().startsWith("anchors"), e.getMessage());
        try (Arena arena = Arena.ofConfined()) {
            Tensor wrong = Tensor.allocate(arena, DType.F32, 2, 2, 99, 64);
            e = assertThrows(IllegalArgumentException.class, () -> w.layer(0).fillKeys(wrong));
            assertTrue(e.getMessage().startsWith("k: expected shape"), e.getMessage());
        }
    }

    private static boolean[] topK(double[] scores, int k) {
        Integer[] order = new Integer[scores.length];
        for (int i = 0; i < order.length; i++) order[i] = i;
        Arrays.sort(order, (a, b) -> Double.compare(scores[b], scores[a]));
        boolean[] chosen = new boolean[scores.length];
        for (int i = 0; i < k; i++) chosen[order[i]] = true;
        return chosen;
    }

    private static double massOn(double[] p, boolean[] chosen) {
        double m = 0;
        for (int j = 0; j < p.length; j++) if (chosen[j]) m += p[j];
        return m;
    }
}

package dev.kascade.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kascade.tensor.DType;
import dev.kascade.tensor.Tensor;
import java.lang.foreign.Arena;
import org.junit.jupiter.api.Test;

/** The CPU backend's prefill path on small shapes: sampled reference, fidelity pass and timer plumbing. */
class CpuPrefillBenchTest {
    /** Tiles past position 128 are sparse (the rolling budget is the 128-key minimum below 1280 tokens). */
    private static final int T = 449;

    private static BenchSpec spec(DType dt, int qHeads, int kvHeads) {
        return new BenchSpec(BenchMode.PREFILL, "cpu", T, 1, 5, qHeads, kvHeads, 64, dt, 0.10, new int[] {0, 3}, 0, 2, 9);
    }

    @Test
    void theLastPromptRowOfTheSampledReferenceIsTheDecodeReference() {
        BenchSpec s = spec(DType.BF16, 8, 2);
        SyntheticLayer layer = new SyntheticWorkload(s.workload()).layer(2);
        try (Arena arena = Arena.ofShared()) {
            Tensor k = Tensor.allocate(arena, DType.BF16, 1, 2, T, 64);
            Tensor v = Tensor.allocate(arena, DType.BF16, 1, 2, T, 64);
            Tensor qp = Tensor.allocate(arena, DType.BF16, 1, 8, T, 64);
            Tensor qd = Tensor.allocate(arena, DType.BF16, 1, 8, 64);
            layer.fillKeys(k);
            layer.fillValues(v);
            layer.fillPrefillQueries(qp);
            layer.fillDecodeQueries(qd);
            PrefillReference pre = new PrefillReference(qp, k, v, new int[] {5, T - 1});
            DecodeReference dec = new DecodeReference(qd, k, v);
            for (int h = 0; h < 8; h++) {
                assertEquals(1.0, pre.massOn(0, 1, h, new int[0], 0), 1e-9, "all keys hold all the mass");
                assertEquals(dec.massOn(0, h, new int[] {3, 77, 400}), pre.massOn(0, 1, h, new int[] {3, 77, 400}, T), 1e-12);
            }
            // Position 5 sees keys 0..5 only: its mass on them is 1, on the diagonal from 3 it is that part.
            assertEquals(1.0, pre.massOn(0, 0, 0, new int[0], 0), 1e-9);
            assertEquals(1.0, pre.massOn(0, 0, 0, new int[] {0, 1, 2}, 3), 1e-9);
            assertEquals(0, PrefillReference.spread(100, 4)[0] / 25);
            assertEquals(87, PrefillReference.spread(100, 4)[3]);
        }
    }

    @Test
    void fidelityPassIsExactOnLayerZeroAndRecoversMostMassElsewhere() {
        BenchSpec s = spec(DType.BF16, 8, 2);
        SyntheticWorkload w = new SyntheticWorkload(s.workload());
        Fidelity f = PrefillFidelity.measure(s, w, w.plan(), Progress.silent());
        double[] err = f.relErrorByLayer();
        double[] recall = f.massRecallByLayer();
        assertTrue(err[0] < 2e-3, "layer 0 is dense: error " + err[0]);
        assertEquals(1.0, recall[0]);
        assertTrue(recall[3] > 0.9 && err[3] < 0.3, "anchor: recall " + recall[3] + " error " + err[3]);
        for (int l : new int[] {1, 2, 4}) assertTrue(recall[l] > 0.85, "reuse " + l + " recall " + recall[l]);
    }

    @Test
    void timerReturnsOneSamplePerIterationForEveryRole() {
        BenchSpec s = spec(DType.BF16, 4, 4);
        try (RoleTimer t = new CpuBackend().openTimer(s, new SyntheticWorkload(s.workload()))) {
            for (TimedRole role : TimedRole.values()) {
                double[] ms = t.time(role, 0, 2);
                assertEquals(2, ms.length);
                for (double x : ms) assertTrue(x > 0 && Double.isFinite(x), role + " " + x);
            }
        }
    }
}

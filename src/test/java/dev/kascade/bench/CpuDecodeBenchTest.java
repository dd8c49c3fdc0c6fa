package dev.kascade.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kascade.tensor.DType;
import dev.kascade.tensor.MemoryInfo;
import dev.kascade.tensor.Tensor;
import java.lang.foreign.Arena;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.api.Test;

/** The CPU backend's decode path on small shapes: reference, fidelity pass and timer plumbing. */
class CpuDecodeBenchTest {
    /**
     * Odd, and large enough that the budget (the 128-key minimum) is well below n. Kept small: the first calls
     * of Vector API kernels run interpreted, which is slow on a loaded machine.
     */
    private static final int N = 1001;

    private static BenchSpec spec(DType dt, int qHeads, int kvHeads, int d) {
        return spec(dt, qHeads, kvHeads, d, N);
    }

    private static BenchSpec spec(DType dt, int qHeads, int kvHeads, int d, int n) {
        return new BenchSpec(BenchMode.DECODE, "cpu", n, 1, 5, qHeads, kvHeads, d, dt, 0.10, new int[] {0, 3}, 0, 3, 7);
    }

    @ParameterizedTest
    @EnumSource(DType.class)
    void referenceProbabilitiesMatchTheWorkloadsOwnFloat64Softmax(DType dt) {
        BenchSpec s = spec(dt, 8, 2, 64);
        SyntheticWorkload w = new SyntheticWorkload(s.workload());
        SyntheticLayer layer = w.layer(4);
        try (Arena arena = Arena.ofShared()) {
            Tensor k = Tensor.allocate(arena, dt, 1, 2, N, 64);
            Tensor v = Tensor.allocate(arena, dt, 1, 2, N, 64);
            Tensor q = Tensor.allocate(arena, dt, 1, 8, 64);
            layer.fillKeys(k);
            layer.fillValues(v);
            layer.fillDecodeQueries(q);
            DecodeReference ref = new DecodeReference(q, k, v);
            double tol = dt == DType.F32 ? 1e-9 : 0.05; // rows rounded to 16 bits move the logits a little
            double[] p = WorkloadStats.decodeProbabilities(layer, 0, 5);
            double maxDiff = 0;
            double total = 0;
            for (int j = 0; j < N; j++) {
                maxDiff = Math.max(maxDiff, Math.abs(p[j] - ref.probability(0, 5, j)));
                total += ref.probability(0, 5, j);
            }
            assertTrue(maxDiff < tol, "max probability difference " + maxDiff);
            assertEquals(1.0, total, 1e-9);
            // The reference output equals its own probabilities times V, checked on one coordinate.
            double o = 0;
            for (int j = 0; j < N; j++) o += ref.probability(0, 3, j) * v.get(0, 0, j, 17);
            Tensor out = Tensor.allocate(arena, DType.F32, 1, 8, 64);
            for (int b = 0; b < 1; b++) {
                for (int h = 0; h < 8; h++) {
                    for (int c = 0; c < 64; c++) out.set(0f, b, h, c);
                }
            }
            assertEquals(1.0, ref.relativeError(out), 1e-12, "an all-zero output is 100% off");
            assertTrue(Math.abs(o) > 0);
        }
    }

    @Test
    void fidelityPassIsExactOnLayerZeroAndRecoversMostMassElsewhere() {
        for (int[] heads : new int[][] {{8, 2}}) {
            BenchSpec s = spec(DType.BF16, heads[0], heads[1], 64);
            SyntheticWorkload w = new SyntheticWorkload(s.workload());
            Fidelity f = DecodeFidelity.measure(s, w, w.plan(), Progress.silent());
            double[] err = f.relErrorByLayer();
            double[] recall = f.massRecallByLayer();
            assertTrue(err[0] < 2e-3, "layer 0 is dense: error " + err[0]);
            assertEquals(1.0, recall[0]);
            for (int l : new int[] {3}) {
                assertTrue(recall[l] > 0.9, "anchor " + l + " recall " + recall[l]);
                assertTrue(err[l] < 0.3, "anchor " + l + " error " + err[l]);
            }
            for (int l : new int[] {1, 2, 4}) {
                assertTrue(recall[l] > 0.85, "reuse " + l + " recall " + recall[l] + " G=" + heads[1]);
            }
        }
    }

    @Test
    void theHeadMappingMattersInTheFidelityPass() {
        BenchSpec s = spec(DType.F32, 8, 4, 64);
        SyntheticWorkload w = new SyntheticWorkload(s.workload());
        Fidelity mapped = DecodeFidelity.measure(s, w, w.plan(), Progress.silent());
        Fidelity identity = DecodeFidelity.measure(s, w, w.identityPlan(), Progress.silent());
        assertTrue(identity.massRecall() < mapped.massRecall() - 0.2,
                "identity " + identity.massRecall() + " vs mapped " + mapped.massRecall());
        assertTrue(identity.relError() > mapped.relError());
    }

    @Test
    void layerCopiesKeepTheRotationAboveTheCachesWithinHalfTheMemory() {
        long mib = 1L << 20;
        assertEquals(3, CpuDecodeTimer.layerCopies(134 * mib, 22_000 * mib), "32K default: two others = 268 MiB");
        assertEquals(2, CpuDecodeTimer.layerCopies(300 * mib, -1), "a layer above the rotation still gets a second copy");
        assertEquals(CpuDecodeTimer.MAX_COPIES, CpuDecodeTimer.layerCopies(1 << 20, -1), "short contexts are capped");
        assertEquals(4, CpuDecodeTimer.layerCopies(100 * mib, -1), "three others = 300 MiB");
        assertEquals(3, CpuDecodeTimer.layerCopies(100 * mib, 600 * mib), "three copies are half of 600 MiB");
        assertEquals(1, CpuDecodeTimer.layerCopies(600 * mib, 1000 * mib), "no room for a second copy");
        assertEquals(1, CpuDecodeTimer.layerCopies(600 * mib, 0), "never fewer than one");
        assertThrows(IllegalArgumentException.class, () -> CpuDecodeTimer.layerCopies(0, -1));
    }

    @Test
    void consecutiveCallsOfAnyRoleReadDifferentCopiesHoldingTheSameLayer() {
        BenchSpec s = spec(DType.BF16, 8, 2, 64, 301);
        try (CpuDecodeTimer t = new CpuDecodeTimer(s, new SyntheticWorkload(s.workload()))) {
            int copies = t.layerCopies();
            assertEquals(CpuDecodeTimer.MAX_COPIES, copies, "a tiny layer gets the most copies");
            assertEquals(0, t.nextCopy());
            t.time(TimedRole.DENSE, 2, 3);
            assertEquals(5 % copies, t.nextCopy(), "warm-up and timed calls both rotate");
            t.time(TimedRole.REUSE, 0, 1);
            t.time(TimedRole.ANCHOR, 0, copies - 1);
            assertEquals(5 % copies, t.nextCopy(), "a full turn comes back");
        }
    }

    @Test
    void aLayerLargerThanTheMachinesMemoryIsAClearErrorBeforeAnyAllocation() {
        long available = MemoryInfo.availableBytes();
        org.junit.jupiter.api.Assumptions.assumeTrue(available > 0, "needs /proc/meminfo");
        int n = 1 << 20; // one sequence: 8 KV heads x 1M keys x 64 x bf16 x (K, V) = 2 GiB
        int batch = (int) Math.min(4096, available / (2L << 30) + 1);
        BenchSpec s = new BenchSpec(BenchMode.DECODE, "cpu", n, batch, 5, 8, 8, 64, DType.BF16, 0.10, new int[] {0, 3},
                0, 3, 7);
        var e = assertThrows(IllegalArgumentException.class,
                () -> new CpuBackend().openTimer(s, new SyntheticWorkload(s.workload())).close());
        assertTrue(e.getMessage().contains("--batch, --context") && e.getMessage().contains("GiB"), e.getMessage());
    }

    @Test
    void timerReturnsOneSamplePerIterationForEveryRole() {
        BenchSpec s = spec(DType.BF16, 8, 8, 64, 301);
        try (RoleTimer t = new CpuBackend().openTimer(s, new SyntheticWorkload(s.workload()))) {
            assertTrue(t.device().startsWith("cpu: "), t.device());
            for (TimedRole role : TimedRole.values()) {
                double[] ms = t.time(role, 1, 3);
                assertEquals(3, ms.length);
                for (double x : ms) assertTrue(x > 0 && Double.isFinite(x), role + " " + x);
            }
        }
    }
}

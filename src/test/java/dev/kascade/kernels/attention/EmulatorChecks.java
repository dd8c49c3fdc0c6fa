package dev.kascade.kernels.attention;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kascade.algorithm.Budget;
import dev.kascade.emulator.Emulator;
import dev.kascade.kernel.F32Buffer;
import dev.kascade.kernel.KernelLauncher;
import java.lang.foreign.Arena;

/**
 * Shared checks of the emulator tests: decoders on a small pretend GPU (so rows are cut into several splits
 * and the LSE merge is exercised) and comparisons with the float64 references of {@link DecodeFixture}.
 */
final class EmulatorChecks {
    private EmulatorChecks() {
    }

    static final KernelLauncher EMULATOR = Emulator::launch;
    static final int TEST_SMS = 4;
    static final int TEST_BLOCKS_PER_SM = 2;
    static final int TEST_MIN_KEYS_PER_SPLIT = 64;
    static final double ABS = 2e-5;
    static final double REL = 2e-4;

    static GpuDecode decoder(DecodeShape shape, Budget budget) {
        return new GpuDecode(EMULATOR, shape, budget, TEST_SMS, TEST_BLOCKS_PER_SM, TEST_MIN_KEYS_PER_SPLIT);
    }

    static void assertClose(double expected, double actual, String what) {
        assertTrue(Math.abs(expected - actual) <= ABS + REL * Math.abs(expected),
                what + ": expected " + expected + " but got " + actual);
    }

    /** out[b][h] equals softmax attention over {@code keys(b, h)} (null = all keys). */
    static void assertOutput(DecodeFixture fx, F32Buffer out, java.util.function.BiFunction<Integer, Integer, int[]> keys) {
        DecodeShape s = fx.shape;
        for (int b = 0; b < s.batch(); b++) {
            for (int h = 0; h < s.qHeads(); h++) {
                double[] ref = fx.attend(b, h, keys.apply(b, h));
                for (int e = 0; e < s.headDim(); e++) {
                    assertClose(ref[e], out.get(((long) b * s.qHeads() + h) * s.headDim() + e),
                            "out[" + b + "][" + h + "][" + e + "]");
                }
            }
        }
    }

    static int[] row(IndexSets sets, DecodeShape s, int b, int g) {
        int k = sets.counts().get(b);
        int[] r = new int[k];
        for (int j = 0; j < k; j++) r[j] = sets.indices().get(((long) b * s.kvHeads() + g) * sets.kMax() + j);
        return r;
    }

    /** Index sets are the exact top-k of the kernel's pooled scores, which match the float64 pooled scores. */
    static void assertIndexSets(DecodeFixture fx, GpuDecode decode, IndexSets sets) {
        assertIndexSets(fx, decode, sets, false);
    }

    /**
     * @param lseOfSelection the last merge was the anchor's sparse pass, so the LSE held is over the selected
     *                       keys rather than all keys
     */
    static void assertIndexSets(DecodeFixture fx, GpuDecode decode, IndexSets sets, boolean lseOfSelection) {
        DecodeShape s = fx.shape;
        for (int b = 0; b < s.batch(); b++) {
            int n = fx.len[b];
            assertEquals(decode.budget().keys(n), sets.counts().get(b), "counts[" + b + "]");
            for (int g = 0; g < s.kvHeads(); g++) {
                double[] ref = fx.pooled(b, g);
                float[] got = new float[n];
                for (int key = 0; key < n; key++) {
                    got[key] = decode.pooledScores().get(((long) b * s.kvHeads() + g) * decode.scoreStride() + key);
                    assertClose(ref[key], got[key], "pooled[" + b + "][" + g + "][" + key + "]");
                }
                assertArrayEquals(DecodeFixture.topK(got, n, sets.counts().get(b)), row(sets, s, b, g),
                        "index set [" + b + "][" + g + "]");
            }
            for (int h = 0; h < s.qHeads(); h++) {
                double lse = decode.lse().get((long) b * s.qHeads() + h) * Math.log(2.0);
                int[] keys = lseOfSelection ? row(sets, s, b, h / s.groupSize()) : null;
                assertClose(fx.lse(b, h, keys), lse, "lse[" + b + "][" + h + "]");
            }
        }
    }
}

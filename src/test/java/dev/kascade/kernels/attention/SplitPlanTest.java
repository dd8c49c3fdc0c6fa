package dev.kascade.kernels.attention;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class SplitPlanTest {
    private static final int SMS = SplitPlan.H200_SM_COUNT;
    private static final int PER_SM = SplitPlan.DEFAULT_BLOCKS_PER_SM;
    private static final int MIN = SplitPlan.DEFAULT_MIN_KEYS_PER_SPLIT;

    @Test
    void everyKeyBelongsToExactlyOneSplit() {
        for (int d : new int[] {64, 128, 256}) {
            for (int rows : new int[] {1, 8, 64, 512}) {
                for (int keys : new int[] {1, 127, 300, 1000, 8192, 32768, 131072}) {
                    SplitPlan p = SplitPlan.choose(rows, keys, d, SMS, PER_SM, MIN);
                    assertEquals(0, p.keysPerSplit() % SplitDecodeKernel.keysPerStep(d), p.toString());
                    assertTrue((long) p.splits() * p.keysPerSplit() >= keys, p.toString());
                    assertTrue((long) (p.splits() - 1) * p.keysPerSplit() < keys, "no empty split: " + p);
                    assertTrue(p.splits() <= SplitPlan.maxSplits(rows, SMS, PER_SM), p.toString());
                }
            }
        }
    }

    @Test
    void gridHasSeveralWavesAtTheBenchmarkShapes() {
        // batch 64 x 8 KV heads at 32K and 128K; batch 1 x 8 at 128K
        for (int[] c : new int[][] {{512, 32768}, {512, 131072}, {8, 131072}, {64, 32768}}) {
            SplitPlan p = SplitPlan.choose(c[0], c[1], 128, SMS, PER_SM, MIN);
            long blocks = (long) p.splits() * c[0];
            assertTrue(blocks >= 8L * SMS, "blocks " + blocks + " for " + p);
            assertTrue(p.keysPerSplit() >= MIN, p.toString());
        }
    }

    @Test
    void shortRowsStayInOneBlock() {
        assertEquals(new SplitPlan(1, 32), SplitPlan.choose(512, 20, 128, SMS, PER_SM, MIN));
    }

    @Test
    void rejectsNonsense() {
        assertThrows(IllegalArgumentException.class, () -> SplitPlan.choose(0, 10, 128, SMS, PER_SM, MIN));
        assertThrows(IllegalArgumentException.class, () -> SplitPlan.choose(1, 0, 128, SMS, PER_SM, MIN));
        assertThrows(IllegalArgumentException.class, () -> SplitPlan.choose(1, 10, 128, 0, PER_SM, MIN));
        assertThrows(IllegalArgumentException.class, () -> SplitPlan.choose(1, 10, 128, SMS, PER_SM, 0));
    }
}

package dev.kascade.kernels.attention;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.kascade.algorithm.Budget;
import dev.kascade.algorithm.LayerRole;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class DecodeTrafficTest {
    private static final DecodeShape BENCH = new DecodeShape(64, 32, 8, 128, 32768);

    @Test
    void denseAtBatch64And32kIsFourKilobytesPerToken() {
        int[] lengths = new int[64];
        Arrays.fill(lengths, 32768);
        assertEquals(64L * 32768 * 4096, DecodeTraffic.denseKvBytes(BENCH, 2, lengths)); // 8.59 GB
    }

    @Test
    void rolesReadTheirKeys() {
        Budget budget = new Budget(0.10, 128, 128);
        int[] lengths = {1000, 100};
        DecodeShape shape = new DecodeShape(2, 8, 2, 64, 1000);
        long row = 2 * 64 * 2; // one key of one cache over 2 KV heads, bf16
        // k = 128 of 1000; 100 of 100 (dense)
        assertEquals(2 * 1100 * row, DecodeTraffic.kvBytes(LayerRole.LAYER0, shape, 2, lengths, budget));
        assertEquals(1100 * row + 2 * 228 * row, DecodeTraffic.kvBytes(LayerRole.ANCHOR, shape, 2, lengths, budget));
        assertEquals(2 * 228 * row, DecodeTraffic.kvBytes(LayerRole.REUSE, shape, 2, lengths, budget));
        assertThrows(IllegalArgumentException.class,
                () -> DecodeTraffic.kvBytes(LayerRole.REUSE, shape, 2, new int[] {5}, budget));
    }
}

package dev.kascade.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * {@link TwoStreams}: the blocks of a range hold every key once, interleave the two halves pair by pair, and
 * {@link TwoStreams#scatter} puts each block value at its key's position (the vector runs, their scalar tails and the
 * unpaired keys of the first half).
 */
class TwoStreamsTest {
    @ParameterizedTest(name = "[{0}, {1}) half={2}")
    @CsvSource({"0, 1, 256", "0, 2, 256", "3, 10, 2", "0, 512, 256", "512, 1031, 256", "100, 1123, 256",
            "7, 100, 16", "0, 33, 16", "5, 6, 4"})
    void blocksCoverTheRangeOnceAndInterleaveTheHalves(int from, int to, int half) {
        int[] order = new int[2 * half];
        int[] seen = new int[to];
        int h = TwoStreams.firstHalf(to - from);
        for (int i = 0; ; i++) {
            int n = TwoStreams.fill(order, from, to, i, half);
            if (n == 0) break;
            assertTrue(n <= 2 * half, "block " + i + " holds " + n + " keys");
            int pairs = TwoStreams.pairs(from, to, i, half);
            for (int p = 0; p < pairs; p++) {
                assertTrue(order[2 * p] < from + h && order[2 * p + 1] >= from + h, "pair " + p + " of block " + i);
                assertEquals(order[0] + p, order[2 * p], "first stream runs on");
                assertEquals(order[1] + p, order[2 * p + 1], "second stream runs on");
            }
            for (int j = 2 * pairs; j < n; j++) {
                assertTrue(order[j] < from + h, "unpaired keys come from the first half");
            }
            for (int j = 0; j < n; j++) seen[order[j]]++;
        }
        for (int key = 0; key < to; key++) {
            assertEquals(key < from ? 0 : 1, seen[key], "key " + key);
        }
    }

    @ParameterizedTest(name = "[{0}, {1}) half={2}")
    @CsvSource({"0, 512, 256", "512, 1031, 256", "0, 7, 256", "9, 70, 32", "0, 1, 8", "11, 100, 20"})
    void scatterPutsEveryValueAtItsKey(int from, int to, int half) {
        SplittableRandom rnd = new SplittableRandom(from * 31L + to);
        int[] order = new int[2 * half];
        int dstOff = 3;
        for (int i = 0; ; i++) {
            int n = TwoStreams.fill(order, from, to, i, half);
            if (n == 0) break;
            int src = 5;
            float[] s = new float[src + n + 1];
            for (int j = 0; j < s.length; j++) s[j] = (float) rnd.nextDouble(-1, 1);
            float[] dst = new float[dstOff + to + 1];
            Arrays.fill(dst, Float.NaN);
            TwoStreams.scatter(s, src, order, n, TwoStreams.pairs(from, to, i, half), dst, dstOff);
            int written = 0;
            for (int j = 0; j < n; j++) {
                assertEquals(s[src + j], dst[dstOff + order[j]], "block " + i + " value " + j);
            }
            for (float x : dst) if (!Float.isNaN(x)) written++;
            assertEquals(n, written, "block " + i + ": values written outside the block's keys");
        }
    }
}

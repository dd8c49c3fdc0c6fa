package dev.kascade.kernels.attention;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import dev.kascade.emulator.Emulator;
import dev.kascade.kernel.F32Buffer;
import dev.kascade.kernel.I32Buffer;
import dev.kascade.kernel.LaunchConfig;
import java.lang.foreign.Arena;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The radix-select kernel (in the emulator) against a sort-based top-k, ties included. */
class TopKSelectKernelTest {
    private static final int KV_HEADS = 2;

    /** Runs the kernel on rows [batch][KV_HEADS][stride] and checks every row against the sort. */
    private static void check(float[][][] rows, int[] lengths, int[] budgets) throws Exception {
        int batch = rows.length;
        int stride = (Arrays.stream(lengths).max().orElseThrow() + 3) / 4 * 4; // 16-byte aligned rows
        int kMax = Arrays.stream(budgets).max().orElseThrow();
        try (Arena arena = Arena.ofShared()) {
            F32Buffer scores = F32Buffer.allocate(arena, (long) batch * KV_HEADS * stride);
            I32Buffer len = I32Buffer.allocate(arena, batch);
            I32Buffer k = I32Buffer.allocate(arena, batch);
            I32Buffer indices = I32Buffer.allocate(arena, (long) batch * KV_HEADS * kMax);
            for (int b = 0; b < batch; b++) {
                len.set(b, lengths[b]);
                k.set(b, budgets[b]);
                for (int g = 0; g < KV_HEADS; g++) {
                    for (int i = 0; i < lengths[b]; i++) scores.set(((long) b * KV_HEADS + g) * stride + i, rows[b][g][i]);
                }
            }
            for (long i = 0; i < indices.length(); i++) indices.set(i, -7);
            Emulator.launch(GpuDecodeKernels.SELECT, new LaunchConfig(KV_HEADS, batch, 1, TopKSelectKernel.THREADS, 1, 0),
                    scores, len, k, indices, KV_HEADS, stride, kMax);
            for (int b = 0; b < batch; b++) {
                for (int g = 0; g < KV_HEADS; g++) {
                    int[] got = new int[budgets[b]];
                    for (int j = 0; j < got.length; j++) got[j] = indices.get(((long) b * KV_HEADS + g) * kMax + j);
                    assertArrayEquals(DecodeFixture.topK(rows[b][g], lengths[b], budgets[b]), got,
                            "row b=" + b + " g=" + g + " n=" + lengths[b] + " k=" + budgets[b]);
                }
            }
        }
    }

    private static float[][][] random(int[] lengths, long seed, int distinctValues) {
        Random rnd = new Random(seed);
        float[][][] rows = new float[lengths.length][KV_HEADS][];
        for (int b = 0; b < lengths.length; b++) {
            for (int g = 0; g < KV_HEADS; g++) {
                rows[b][g] = new float[lengths[b]];
                for (int i = 0; i < lengths[b]; i++) {
                    rows[b][g][i] = distinctValues > 0 ? rnd.nextInt(distinctValues) * 0.125f + 0.5f
                            : (float) Math.exp(rnd.nextGaussian() * 4);
                }
            }
        }
        return rows;
    }

    @Test
    void distinctPositiveScoresOddLengths() throws Exception {
        int[] lengths = {1000, 301};
        check(random(lengths, 11, 0), lengths, new int[] {128, 256});
    }

    @Test
    void manyTiesLowerPositionWins() throws Exception {
        int[] lengths = {1100, 77};
        check(random(lengths, 12, 5), lengths, new int[] {300, 13});
    }

    @Test
    void longRowsSpanSeveralChunks() throws Exception {
        int[] lengths = {4100 + 5, 2049};
        check(random(lengths, 15, 40), lengths, new int[] {512, 1024});
    }

    @Test
    void wholeRowAndSingleKey() throws Exception {
        int[] lengths = {130, 129};
        check(random(lengths, 13, 3), lengths, new int[] {130, 1});
    }

    @Test
    void negativeZeroAndSubnormalScoresAreOrderedLikeFloatCompare() throws Exception {
        int[] lengths = {600};
        float[][][] rows = random(lengths, 14, 0);
        float[] special = {-0.0f, 0.0f, -1.5f, Float.MIN_VALUE, -Float.MIN_VALUE, 1e-40f, 3e38f, -3e38f, 0.0f};
        for (int g = 0; g < KV_HEADS; g++) {
            for (int i = 0; i < 600; i++) {
                if (i % 3 == 0) rows[0][g][i] = special[(i / 3) % special.length];
            }
        }
        check(rows, lengths, new int[] {400});
    }

    @Test
    void allEqualScoresTakeTheLowestPositions() throws Exception {
        int[] lengths = {4200, 999};
        float[][][] rows = new float[2][KV_HEADS][];
        for (int b = 0; b < 2; b++) {
            for (int g = 0; g < KV_HEADS; g++) {
                rows[b][g] = new float[lengths[b]];
                Arrays.fill(rows[b][g], 0.00390625f * (g + 1));
            }
        }
        check(rows, lengths, new int[] {640, 999});
    }

    @Test
    void narrowExponentRangeCrowdsTheFirstDigit() throws Exception {
        // Pooled softmax-like scores: every key in [1/4096, 1/1024), so the first 11-bit digit takes at most
        // 8 values across the whole row and each histogram copy sees thousands of equal digits.
        int[] lengths = {6001, 2050};
        Random rnd = new Random(16);
        float[][][] rows = new float[2][KV_HEADS][];
        for (int b = 0; b < 2; b++) {
            for (int g = 0; g < KV_HEADS; g++) {
                rows[b][g] = new float[lengths[b]];
                for (int i = 0; i < lengths[b]; i++) {
                    // a few exact duplicates on purpose (rounded to 2^-30 steps)
                    float v = (float) ((1.0 + 3.0 * rnd.nextDouble()) / 4096.0);
                    rows[b][g][i] = Math.round(v * 0x1p30f) * 0x1p-30f;
                }
            }
        }
        check(rows, lengths, new int[] {768, 256});
    }
}

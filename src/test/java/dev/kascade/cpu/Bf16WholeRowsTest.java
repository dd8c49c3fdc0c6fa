package dev.kascade.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@link Bf16WholeRows#accumulate} against float64 sums of the stored bf16 values, for query row counts that use its
 * two-row pass, its one-row pass, or both, over gathered positions (repeats included) and several block lengths.
 */
class Bf16WholeRowsTest {
    private static final int KEYS = 53;

    @ParameterizedTest(name = "rows={0}")
    @ValueSource(ints = {1, 2, 3, 4, 5, 8})
    void accumulateMatchesFloat64Sums(int rows) {
        int d = 4 * Bf16Pairs.CHUNK;
        SplittableRandom rnd = new SplittableRandom(71L * rows);
        try (Arena arena = Arena.ofConfined()) {
            long rowBytes = 2L * d;
            short[] bits = new short[KEYS * d];
            MemorySegment v = arena.allocate(2L * bits.length, 64);
            for (int i = 0; i < bits.length; i++) {
                bits[i] = (short) (Float.floatToRawIntBits((float) rnd.nextDouble(-2, 2)) >>> 16);
                v.setAtIndex(ValueLayout.JAVA_SHORT_UNALIGNED, i, bits[i]);
            }
            int[] positions = new int[KEYS + 7];
            for (int j = 0; j < positions.length; j++) positions[j] = rnd.nextInt(KEYS);
            int stride = 64;
            float[] p = new float[rows * stride];
            for (int i = 0; i < p.length; i++) p[i] = (float) rnd.nextDouble(0, 1);
            for (int nb : new int[] {1, 6, 37}) {
                int accOff = 3;
                float[] start = new float[accOff + rows * d + 2];
                for (int i = 0; i < start.length; i++) start[i] = (float) rnd.nextDouble(-1, 1);
                float[] acc = start.clone();
                Bf16WholeRows.accumulate(p, rows, v, 0, rowBytes, positions, 7, nb, d, acc, accOff, stride);
                float[] natural = new float[d];
                float[] startNatural = new float[d];
                for (int h = 0; h < rows; h++) {
                    Bf16Pairs.unsplit(acc, accOff + h * d, d, natural, 0);
                    Bf16Pairs.unsplit(start, accOff + h * d, d, startNatural, 0);
                    for (int e = 0; e < d; e++) {
                        double sum = startNatural[e];
                        double mag = Math.abs(sum);
                        for (int j = 0; j < nb; j++) {
                            double value = Float.intBitsToFloat(bits[positions[7 + j] * d + e] << 16);
                            double term = p[h * stride + j] * value;
                            sum += term;
                            mag += Math.abs(term);
                        }
                        assertTrue(Math.abs(natural[e] - sum) <= 1e-6 * mag + 1e-30,
                                "nb=" + nb + " h=" + h + " e=" + e + ": " + natural[e] + " vs " + sum);
                    }
                }
                for (int i = 0; i < accOff; i++) assertEquals(start[i], acc[i], "wrote below accOff");
                for (int i = accOff + rows * d; i < acc.length; i++) {
                    assertEquals(start[i], acc[i], "wrote past the rows");
                }
            }
        }
    }

    @ParameterizedTest(name = "d={0}")
    @ValueSource(ints = {64, 96, 256})
    void otherHeadDimsAreRefused(int d) {
        if (d == 4 * Bf16Pairs.CHUNK) return; // the one supported size on narrower vectors
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Bf16WholeRows.accumulate(
                new float[64], 1, MemorySegment.ofArray(new short[4 * d]), 0, 2L * d, new int[] {0}, 0, 1, d,
                new float[d], 0, 64));
        assertTrue(e.getMessage().startsWith("d:"), e.getMessage());
    }
}

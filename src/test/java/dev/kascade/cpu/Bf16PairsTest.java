package dev.kascade.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * {@link Bf16Pairs#logits} against float64 dot products of the stored bf16 keys, over key counts that leave every
 * remainder of its four-key (lane tree, rows touched first), two-key (and {@link Bf16TwoKeys} on copied query rows) and
 * one-key passes, query row counts that leave
 * rows for its one-row pass, and both key addressings (a contiguous range and gathered positions); and
 * {@link Bf16Pairs#accumulate} likewise, over head dims of an even and an odd number of chunks (its two-chunk pass and
 * the lone last chunk).
 */
class Bf16PairsTest {
    private static final int KEYS = 41;

    /** Fills {@code bits} with random bf16 values in [-2, 2) and returns a 64-byte-aligned segment holding them. */
    private static MemorySegment randomRows(Arena arena, SplittableRandom rnd, short[] bits) {
        MemorySegment rows = arena.allocate(2L * bits.length, 64);
        for (int i = 0; i < bits.length; i++) {
            bits[i] = (short) (Float.floatToRawIntBits((float) rnd.nextDouble(-2, 2)) >>> 16);
            rows.setAtIndex(ValueLayout.JAVA_SHORT_UNALIGNED, i, bits[i]);
        }
        return rows;
    }

    @ParameterizedTest(name = "d={0} rows={1}")
    @CsvSource({"64, 4", "128, 4", "128, 5", "128, 8", "256, 4"})
    void logitsMatchFloat64DotProducts(int d, int rows) {
        SplittableRandom rnd = new SplittableRandom(31L * d + rows);
        try (Arena arena = Arena.ofConfined()) {
            long rowBytes = 2L * d;
            short[] bits = new short[KEYS * d];
            MemorySegment k = randomRows(arena, rnd, bits);
            float[] q = new float[rows * d];
            for (int i = 0; i < q.length; i++) q[i] = (float) rnd.nextDouble(-1, 1);
            float[] qPairs = new float[q.length + 3];
            for (int h = 0; h < rows; h++) Bf16Pairs.split(q, h * d, d, qPairs, 3 + h * d);
            int[] positions = new int[KEYS + 5];
            for (int j = 0; j < positions.length; j++) positions[j] = rnd.nextInt(KEYS);

            // The rows laid out four at a time for Bf16TwoKeys, the block of rows h.. at copied[2 (3 + h d)].
            float[] copied = new float[2 * qPairs.length];
            for (int h = 0; h + 4 <= rows; h += 4) Bf16TwoKeys.copy(qPairs, 3 + h * d, d, copied, 2 * (3 + h * d));

            for (int nb = 1; nb <= 11; nb++) {
                int stride = 32; // a multiple of two vectors of up to 16 lanes, at least nb
                for (int variant = 0; variant < 6; variant++) {
                    boolean gathered = (variant & 1) == 1;
                    // the two-key pass only, the four-key pass (16 lanes), or Bf16TwoKeys over the copied rows
                    boolean fourKeys = variant == 2 || variant == 3;
                    boolean viaCopies = variant >= 4;
                    int first = gathered ? 0 : 7;
                    float[] s = new float[rows * stride];
                    Bf16Pairs.logits(qPairs, 3, rows, d, k, 0, rowBytes, first, gathered ? positions : null, 5, nb, s,
                            stride, fourKeys, viaCopies ? copied : null);
                    for (int h = 0; h < rows; h++) {
                        for (int j = 0; j < stride; j++) {
                            float got = s[h * stride + j];
                            if (j >= nb) {
                                assertEquals(Float.NEGATIVE_INFINITY, got, "padding h=" + h + " j=" + j);
                                continue;
                            }
                            int key = gathered ? positions[5 + j] : first + j;
                            double dot = 0;
                            double mag = 0;
                            for (int e = 0; e < d; e++) {
                                double kv = Float.intBitsToFloat(bits[key * d + e] << 16);
                                dot += q[h * d + e] * kv;
                                mag += Math.abs(q[h * d + e] * kv);
                            }
                            assertTrue(Math.abs(got - dot) <= 1e-6 * mag, "nb=" + nb + " gathered=" + gathered
                                    + " fourKeys=" + fourKeys + " viaCopies=" + viaCopies + " h=" + h + " j=" + j + ": " + got + " vs " + dot);
                        }
                    }
                }
            }
        }
    }

    @ParameterizedTest(name = "d={0} rows={1}")
    @CsvSource({"64, 4", "96, 4", "128, 4", "128, 5", "128, 8", "160, 3", "256, 4"})
    void accumulateMatchesFloat64Sums(int d, int rows) {
        SplittableRandom rnd = new SplittableRandom(17L * d + rows);
        try (Arena arena = Arena.ofConfined()) {
            long rowBytes = 2L * d;
            short[] bits = new short[KEYS * d];
            MemorySegment v = randomRows(arena, rnd, bits);
            int[] positions = new int[KEYS + 5];
            for (int j = 0; j < positions.length; j++) positions[j] = rnd.nextInt(KEYS);
            int stride = 32;
            float[] p = new float[rows * stride];
            for (int i = 0; i < p.length; i++) p[i] = (float) rnd.nextDouble(0, 1);
            for (int nb = 1; nb <= 11; nb += 5) {
                for (boolean gathered : new boolean[] {false, true}) {
                    int first = gathered ? 0 : 7;
                    int accOff = 5;
                    float[] start = new float[accOff + rows * d];
                    for (int i = 0; i < start.length; i++) start[i] = (float) rnd.nextDouble(-1, 1);
                    float[] acc = start.clone();
                    Bf16Pairs.accumulate(p, rows, v, 0, rowBytes, first, gathered ? positions : null, 5, nb, d, acc,
                            accOff, stride);
                    float[] natural = new float[d];
                    for (int h = 0; h < rows; h++) {
                        Bf16Pairs.unsplit(acc, accOff + h * d, d, natural, 0);
                        float[] startNatural = new float[d];
                        Bf16Pairs.unsplit(start, accOff + h * d, d, startNatural, 0);
                        for (int e = 0; e < d; e++) {
                            double sum = startNatural[e];
                            double mag = Math.abs(sum);
                            for (int j = 0; j < nb; j++) {
                                int key = gathered ? positions[5 + j] : first + j;
                                double value = Float.intBitsToFloat(bits[key * d + e] << 16);
                                double term = p[h * stride + j] * value;
                                sum += term;
                                mag += Math.abs(term);
                            }
                            assertTrue(Math.abs(natural[e] - sum) <= 1e-6 * mag + 1e-30, "nb=" + nb + " gathered="
                                    + gathered + " h=" + h + " e=" + e + ": " + natural[e] + " vs " + sum);
                        }
                    }
                    assertEquals(start[accOff - 1], acc[accOff - 1], "accumulate wrote below accOff");
                }
            }
        }
    }
}

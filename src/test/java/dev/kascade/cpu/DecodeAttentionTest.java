package dev.kascade.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kascade.tensor.DType;
import dev.kascade.tensor.Tensor;
import java.lang.foreign.Arena;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

class DecodeAttentionTest {
    private static final CpuPool POOL = new CpuPool(2);

    static Stream<Arguments> shapes() {
        Stream.Builder<Arguments> b = Stream.builder();
        for (DType t : DType.values()) {
            for (int ratio : new int[] {1, 4, 8}) {
                for (int d : new int[] {64, 128}) {
                    b.add(Arguments.of(t, ratio, d));
                }
            }
            b.add(Arguments.of(t, 3, 72)); // head dim with a scalar tail, odd group size
        }
        // bf16 row sizes other than 128 and 256 bytes: RowTouch's generic line loop under the fused kernels
        b.add(Arguments.of(DType.BF16, 2, 96));
        b.add(Arguments.of(DType.BF16, 4, 256));
        return b.build();
    }

    private static double tolerance(DType t) {
        return 2e-5 * 50; // f32 accumulation over ~1000 keys; inputs are exact (read back from storage)
    }

    @ParameterizedTest
    @MethodSource("shapes")
    void denseMatchesFloat64ReferenceWithVariableLengths(DType dtype, int ratio, int d) {
        int batch = 2, kv = 2, hq = kv * ratio, cap = 1100;
        int[] lengths = {1031, 77};
        try (Arena arena = Arena.ofShared()) {
            Random rnd = new Random(31L * ratio + d + dtype.ordinal());
            Tensor q = Reference.random(arena, rnd, dtype, 1.0, batch, hq, d);
            Tensor k = Reference.random(arena, rnd, dtype, 1.0, batch, kv, cap, d);
            Tensor v = Reference.random(arena, rnd, dtype, 1.0, batch, kv, cap, d);
            DecodeAttention da = new DecodeAttention(POOL, batch, hq, kv, d);
            float[] out = new float[batch * hq * d];
            float[] logits = new float[batch * hq * cap];
            float[] lse = new float[batch * hq];
            da.dense(q, k, v, lengths, out, logits, cap, lse);
            // without logits the keys run in narrower blocks (BlockMath.BLOCK instead of WIDE_BLOCK): same answer
            float[] plain = new float[batch * hq * d];
            da.dense(q, k, v, lengths, plain, null, 0, null);
            for (int b = 0; b < batch; b++) {
                for (int h = 0; h < hq; h++) {
                    int g = h / ratio;
                    long qBase = ((long) b * hq + h) * d;
                    int[] keys = Reference.range(lengths[b]);
                    double[] ref = Reference.attend(q, qBase, k, v, b, g, keys, d);
                    double err = Reference.maxError(out, (b * hq + h) * d, ref);
                    assertTrue(err < tolerance(dtype), "b=" + b + " h=" + h + " err=" + err);
                    double plainErr = Reference.maxError(plain, (b * hq + h) * d, ref);
                    assertTrue(plainErr < tolerance(dtype), "without logits: b=" + b + " h=" + h + " err=" + plainErr);
                    assertEquals(Reference.lse(q, qBase, k, b, g, keys, d), lse[b * hq + h], 1e-4);
                    // every logit: bf16 with d 128 keeps them through TwoStreams' block order and scatter
                    for (int j = 0; j < lengths[b]; j++) {
                        assertEquals(Reference.logit(q, qBase, k, b, g, j, d), logits[(b * hq + h) * cap + j], 1e-4,
                                "logit b=" + b + " h=" + h + " key " + j);
                    }
                }
            }
        }
    }

    @ParameterizedTest
    @MethodSource("shapes")
    void sparseOverGatheredKeysThroughTheHeadMappingMatchesReference(DType dtype, int ratio, int d) {
        int batch = 2, kv = 2, hq = kv * ratio, cap = 900;
        int[] lengths = {899, 300};
        int[] sourceHead = {1, 1}; // many-to-one head mapping, as in the paper's layer 1
        try (Arena arena = Arena.ofShared()) {
            Random rnd = new Random(7L * ratio + d + dtype.ordinal());
            Tensor q = Reference.random(arena, rnd, dtype, 1.0, batch, hq, d);
            Tensor k = Reference.random(arena, rnd, dtype, 1.0, batch, kv, cap, d);
            Tensor v = Reference.random(arena, rnd, dtype, 1.0, batch, kv, cap, d);
            int[][] sets = new int[batch * kv][];
            int total = 0;
            for (int b = 0; b < batch; b++) {
                for (int g = 0; g < kv; g++) {
                    int count = 1 + rnd.nextInt(lengths[b] - 1);
                    sets[b * kv + g] = rnd.ints(0, lengths[b]).distinct().limit(count).sorted().toArray();
                    total += count;
                }
            }
            int[] positions = new int[total], offsets = new int[batch * kv], counts = new int[batch * kv];
            int o = 0;
            for (int s = 0; s < sets.length; s++) {
                offsets[s] = o;
                counts[s] = sets[s].length;
                System.arraycopy(sets[s], 0, positions, o, sets[s].length);
                o += sets[s].length;
            }
            DecodeAttention da = new DecodeAttention(POOL, batch, hq, kv, d);
            float[] out = new float[batch * hq * d];
            da.sparse(q, k, v, lengths, positions, offsets, counts, sourceHead, out);
            // the anchor's pass 4: the same sets with the logits kept from the scores pass (only V is gathered),
            // each query head's logits of its set's positions moved to the front of its row, in set order
            float[] kept = new float[batch * hq * cap];
            da.scores(q, k, lengths, kept, cap, new float[batch * hq]);
            float[] compact = new float[batch * hq * cap];
            java.util.Arrays.fill(compact, Float.NaN); // what pass 4 must not read
            for (int b = 0; b < batch; b++) {
                for (int h = 0; h < hq; h++) {
                    int[] set = sets[b * kv + sourceHead[h / ratio]];
                    int row = (b * hq + h) * cap;
                    for (int i = 0; i < set.length; i++) compact[row + i] = kept[row + set[i]];
                }
            }
            float[] outKept = new float[batch * hq * d];
            da.sparse(q, k, v, lengths, positions, offsets, counts, sourceHead, outKept, compact, cap);
            for (int b = 0; b < batch; b++) {
                for (int h = 0; h < hq; h++) {
                    int g = h / ratio;
                    double[] ref = Reference.attend(q, ((long) b * hq + h) * d, k, v, b, g, sets[b * kv + sourceHead[g]], d);
                    double err = Reference.maxError(out, (b * hq + h) * d, ref);
                    assertTrue(err < tolerance(dtype), "b=" + b + " h=" + h + " err=" + err);
                    double errKept = Reference.maxError(outKept, (b * hq + h) * d, ref);
                    assertTrue(errKept < tolerance(dtype), "kept logits: b=" + b + " h=" + h + " err=" + errKept);
                }
            }
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {64, 128})
    void scoresPassGivesLogitsAndLseWithoutValues(int d) {
        int batch = 1, kv = 2, hq = 8, cap = 1200;
        try (Arena arena = Arena.ofShared()) {
            Random rnd = new Random(5 + d);
            Tensor q = Reference.random(arena, rnd, DType.BF16, 1.0, batch, hq, d);
            Tensor k = Reference.random(arena, rnd, DType.BF16, 1.0, batch, kv, cap, d);
            DecodeAttention da = new DecodeAttention(POOL, batch, hq, kv, d);
            float[] logits = new float[hq * cap];
            float[] lse = new float[hq];
            int n = 1199; // two tasks of the pool, the second with an odd count of keys
            da.scores(q, k, new int[] {n}, logits, cap, lse);
            for (int h = 0; h < hq; h++) {
                assertEquals(Reference.lse(q, (long) h * d, k, 0, h / 4, Reference.range(n), d), lse[h], 1e-4);
                for (int j = 0; j < n; j++) {
                    assertEquals(Reference.logit(q, (long) h * d, k, 0, h / 4, j, d), logits[h * cap + j], 1e-4,
                            "h=" + h + " key " + j);
                }
            }
        }
    }

    /**
     * NaN in the inputs reaches the outputs it touches and no others: a NaN query element makes that head's output NaN,
     * a NaN in one key row makes every head of its group NaN, in dense and sparse decode, for a NaN as the only logit
     * of its block (the softmax's max skips NaN, so that case has its own path) and among finite ones.
     */
    @ParameterizedTest
    @org.junit.jupiter.params.provider.EnumSource(DType.class)
    void nanInputsPropagateToTheOutputsTheyTouch(DType dtype) {
        int kv = 2, hq = 8, d = 64, cap = 700;
        int[] lengths = {700};
        try (Arena arena = Arena.ofShared()) {
            Random rnd = new Random(3);
            Tensor q = Reference.random(arena, rnd, dtype, 1.0, 1, hq, d);
            Tensor k = Reference.random(arena, rnd, dtype, 1.0, 1, kv, cap, d);
            Tensor v = Reference.random(arena, rnd, dtype, 1.0, 1, kv, cap, d);
            q.setFlat(5L * d + 7, Float.NaN); // query head 5 (group 1)
            k.setFlat(0L * cap * d + 600L * d + 3, Float.NaN); // group 0, key 600
            DecodeAttention da = new DecodeAttention(POOL, 1, hq, kv, d);
            float[] out = new float[hq * d];
            da.dense(q, k, v, lengths, out, null, 0, null);
            int[] positions = {600, 10, 11, 12}; // group 0's set: the NaN key alone in nothing but its own block
            float[] sparse = new float[hq * d];
            da.sparse(q, k, v, lengths, positions, new int[] {0, 1}, new int[] {1, 3}, new int[] {0, 1}, sparse);
            for (float[] o : new float[][] {out, sparse}) {
                for (int h = 0; h < hq; h++) {
                    boolean nan = h < 4 || h == 5;
                    for (int c = 0; c < d; c++) {
                        assertEquals(nan, Float.isNaN(o[h * d + c]), (o == out ? "dense" : "sparse") + " head " + h);
                    }
                }
            }
        }
    }

    @Test
    void badInputIsRejectedWithTheArgumentNamed() {
        try (Arena arena = Arena.ofConfined()) {
            Random rnd = new Random(1);
            DecodeAttention da = new DecodeAttention(POOL, 1, 4, 2, 64);
            Tensor q = Reference.random(arena, rnd, DType.F32, 1, 1, 4, 64);
            Tensor k = Reference.random(arena, rnd, DType.F32, 1, 1, 2, 16, 64);
            Tensor badQ = Reference.random(arena, rnd, DType.F32, 1, 1, 3, 64);
            float[] out = new float[4 * 64];
            var e = assertThrows(IllegalArgumentException.class, () -> da.dense(badQ, k, k, new int[] {4}, out, null, 0, null));
            assertTrue(e.getMessage().startsWith("q: expected shape [1, 4, 64]"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> da.dense(q, k, k, new int[] {17}, out, null, 0, null));
            assertTrue(e.getMessage().contains("lengths[0] = 17"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> da.sparse(q, k, k, new int[] {4},
                    new int[] {0, 5}, new int[] {0, 1}, new int[] {1, 1}, new int[] {0, 1}, out));
            assertTrue(e.getMessage().contains("positions[1] = 5"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> da.sparse(q, k, k, new int[] {4},
                    new int[] {0, 1}, new int[] {0, 1}, new int[] {1, 1}, new int[] {0, 2}, out));
            assertTrue(e.getMessage().contains("sourceHead[1] = 2"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> da.sparse(q, k, k, new int[] {4},
                    new int[] {0, 1}, new int[] {0, 1}, new int[] {1, 1}, new int[] {0, 1}, out, new float[4 * 3], 3));
            assertTrue(e.getMessage().contains("logitsStride: 3"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> new DecodeAttention(POOL, 1, 6, 4, 64));
            assertTrue(e.getMessage().startsWith("qHeads"), e.getMessage());
        }
    }
}

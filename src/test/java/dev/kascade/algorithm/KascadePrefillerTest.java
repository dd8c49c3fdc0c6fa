package dev.kascade.algorithm;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kascade.cpu.CpuPool;
import dev.kascade.cpu.Reference;
import dev.kascade.tensor.DType;
import dev.kascade.tensor.Tensor;
import java.lang.foreign.Arena;
import java.util.Random;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class KascadePrefillerTest {
    private static final CpuPool POOL = new CpuPool(2);

    record Layer(Tensor q, Tensor k, Tensor v, Tensor out) {
        static Layer random(Arena arena, Random rnd, DType t, int batch, int hq, int kv, int steps, int cap, int d) {
            return new Layer(Reference.random(arena, rnd, t, 1.0, batch, hq, steps, d),
                    Reference.random(arena, rnd, t, 1.0, batch, kv, cap, d),
                    Reference.random(arena, rnd, t, 1.0, batch, kv, cap, d),
                    Tensor.allocate(arena, DType.F32, batch, hq, steps, d));
        }

        long qBase(int b, int h, int t) {
            return q.index(b, h, t, 0);
        }
    }

    /** f64 pooled post-softmax scores of tile (b, start s, tokens t0..t0+tl) for KV heads g0..g1 over keys [0, s). */
    static double[] tileScores(Layer x, int b, int g0, int g1, int ratio, int t0, int tl, int s, Pooling pooling) {
        int d = (int) x.q.dim(3);
        double[] p = new double[s];
        int[] prefix = Reference.range(s);
        for (int g = g0; g < g1; g++) {
            for (int h = g * ratio; h < (g + 1) * ratio; h++) {
                for (int t = t0; t < t0 + tl; t++) {
                    long qb = x.qBase(b, h, t);
                    double lse = Reference.lse(x.q, qb, x.k, b, g, prefix, d);
                    for (int j = 0; j < s; j++) {
                        double logit = Reference.logit(x.q, qb, x.k, b, g, j, d);
                        p[j] += pooling == Pooling.POST_SOFTMAX ? Math.exp(logit - lse) : logit;
                    }
                }
            }
        }
        return p;
    }

    /** Output row (b, h, t) equals f64 attention over the tile's selected keys plus the causal diagonal. */
    static void assertRow(Layer x, int b, int h, int g, int t, int[] selected, int s, int position, String what) {
        int d = (int) x.q.dim(3);
        int[] keys = IntStream.concat(IntStream.of(selected), IntStream.rangeClosed(s, position)).toArray();
        double[] ref = Reference.attend(x.q, x.qBase(b, h, t), x.k, x.v, b, g, keys, d);
        double err = Reference.maxError(x.out.toFloatArray(), (int) x.out.index(b, h, t, 0), ref);
        assertTrue(err < 1e-3, what + " b=" + b + " h=" + h + " t=" + t + " err=" + err);
    }

    static Stream<Arguments> shapes() {
        // Every dtype, GQA ratios 1/4/8 and head dims 64/128, in six combinations (keeps the class fast).
        return Stream.of(Arguments.of(DType.F32, 1, 64), Arguments.of(DType.F32, 8, 128),
                Arguments.of(DType.F16, 4, 64), Arguments.of(DType.F16, 1, 128),
                Arguments.of(DType.BF16, 8, 64), Arguments.of(DType.BF16, 4, 128));
    }

    /**
     * Worked by hand: tile 8, budget p = 0.25, minimum 4. Sequence 0: 3 earlier tokens, 37 new (positions
     * 3..39): tiles start at s = 3, 11, 19, 27, 35. k(s) = min(s, max(4, floor(s/4))): 3 -> 3 (dense),
     * 11 -> 4, 19 -> 4, 27 -> 6, 35 -> 8; the last tile has 5 tokens. Sequence 1: 20 new tokens from 0:
     * s = 0 (dense), 8 -> 4, 16 -> 4 (last tile 4 tokens). Rows 20..36 of sequence 1 are padding.
     */
    @ParameterizedTest
    @MethodSource("shapes")
    void anchorAndReuseFollowTheTileDiagonalAndRollingBudgetRules(DType dtype, int ratio, int d) {
        int batch = 2, kv = 2, hq = kv * ratio, steps = 37, cap = 48;
        int[] lengths = {40, 20};
        int[] qLens = {37, 20};
        KascadeConfig config = new KascadeConfig(3, hq, kv, d, dtype, new Budget(0.25, 4, 1), Pooling.POST_SOFTMAX, 8);
        try (Arena arena = Arena.ofShared()) {
            Random rnd = new Random(40 + ratio + d + dtype.ordinal());
            Layer x = Layer.random(arena, rnd, dtype, batch, hq, kv, steps, cap, d);
            KascadePrefiller pre = new KascadePrefiller(config, Variant.KASCADE, batch, cap, POOL);
            TileIndexSets sets = pre.newIndexSets();
            pre.anchor(x.q, x.k, x.v, lengths, qLens, sets, x.out);

            assertEquals(5, sets.tiles(0));
            assertEquals(3, sets.tiles(1));
            assertTrue(sets.dense(0, 0));
            assertTrue(sets.dense(1, 0));
            int[][] expectedK = {{0, 4, 4, 6, 8}, {0, 4, 4}};
            for (int b = 0; b < batch; b++) {
                int first = lengths[b] - qLens[b];
                for (int i = 0; i < sets.tiles(b); i++) {
                    int s = first + i * 8;
                    int tl = Math.min(8, qLens[b] - i * 8);
                    for (int g = 0; g < kv; g++) {
                        assertEquals(expectedK[b][i], sets.count(b, i, g), "k of tile " + i + " of sequence " + b);
                        int[] sel = sets.dense(b, i) ? Reference.range(s) : sets.positions(b, i, g);
                        if (!sets.dense(b, i)) {
                            assertFalse(IntStream.of(sel).anyMatch(j -> j >= s), "scores only from keys before the tile");
                            KascadeDecoderTest.assertTopK(tileScores(x, b, g, g + 1, ratio, i * 8, tl, s, Pooling.POST_SOFTMAX),
                                    expectedK[b][i], sel, "tile " + i + " b=" + b + " g=" + g);
                        }
                        for (int h = g * ratio; h < (g + 1) * ratio; h++) {
                            for (int t = i * 8; t < i * 8 + tl; t++) {
                                assertRow(x, b, h, g, t, sel, s, first + t, "anchor");
                            }
                        }
                    }
                }
            }
            // Reuse layer on fresh tensors with a many-to-one head mapping.
            Layer y = new Layer(Reference.random(arena, rnd, dtype, 1.0, batch, hq, steps, d),
                    Reference.random(arena, rnd, dtype, 1.0, batch, kv, cap, d),
                    Reference.random(arena, rnd, dtype, 1.0, batch, kv, cap, d),
                    Tensor.allocate(arena, DType.F32, batch, hq, steps, d));
            int[] map = {0, 0};
            pre.reuse(y.q, y.k, y.v, lengths, qLens, sets, map, y.out);
            for (int b = 0; b < batch; b++) {
                int first = lengths[b] - qLens[b];
                for (int i = 0; i < sets.tiles(b); i++) {
                    int s = first + i * 8;
                    int tl = Math.min(8, qLens[b] - i * 8);
                    for (int h = 0; h < hq; h++) {
                        int[] sel = sets.dense(b, i) ? Reference.range(s) : sets.positions(b, i, map[h / ratio]);
                        for (int t = i * 8; t < i * 8 + tl; t++) {
                            assertRow(y, b, h, h / ratio, t, sel, s, first + t, "reuse");
                        }
                    }
                }
            }
        }
    }

    @Test
    void layer0SelectsLikeAnAnchorAndBudgetCoveringAllKeysEqualsDense() {
        int batch = 1, kv = 2, hq = 8, d = 64, steps = 50, cap = 50;
        KascadeConfig config = new KascadeConfig(3, hq, kv, d, DType.BF16, new Budget(0.25, 4, 1), Pooling.POST_SOFTMAX, 8);
        try (Arena arena = Arena.ofShared()) {
            Random rnd = new Random(3);
            Layer x = Layer.random(arena, rnd, DType.BF16, batch, hq, kv, steps, cap, d);
            KascadePrefiller pre = new KascadePrefiller(config, Variant.KASCADE, batch, cap, POOL);
            TileIndexSets a = pre.newIndexSets();
            TileIndexSets l0 = pre.newIndexSets();
            int[] len = {50};
            pre.anchor(x.q, x.k, x.v, len, null, a, x.out);
            pre.layer0(x.q, x.k, x.v, len, null, l0, x.out);
            for (int i = 0; i < a.tiles(0); i++) {
                for (int g = 0; g < kv; g++) assertArrayEquals(a.positions(0, i, g), l0.positions(0, i, g));
            }
            pre.dense(x.q, x.k, x.v, len, null, x.out);
            float[] dense = x.out.toFloatArray();
            assertArrayEquals(dense, readLayer0Output(pre, x, len, l0), 0f, "layer 0 output is dense");

            // fraction 1: k = s for every tile, so every tile is dense and Kascade is dense attention.
            KascadePrefiller all = new KascadePrefiller(config.withBudget(new Budget(1.0, 1, 1)), Variant.KASCADE, batch, cap, POOL);
            TileIndexSets sets = all.newIndexSets();
            all.anchor(x.q, x.k, x.v, len, null, sets, x.out);
            assertArrayEquals(dense, x.out.toFloatArray(), 1e-5f);
            all.reuse(x.q, x.k, x.v, len, null, sets, new int[] {1, 0}, x.out);
            // reuse over dense tiles is dense whatever the mapping (each KV head reads its own K/V)
            assertArrayEquals(dense, x.out.toFloatArray(), 1e-5f);
        }
    }

    private static float[] readLayer0Output(KascadePrefiller pre, Layer x, int[] len, TileIndexSets sets) {
        pre.layer0(x.q, x.k, x.v, len, null, sets, x.out);
        return x.out.toFloatArray();
    }

    @Test
    void allHeadsPooledAndPreSoftmaxVariantsSelectTheirOracleSets() {
        int batch = 1, kv = 2, hq = 4, d = 64, steps = 40, cap = 40;
        KascadeConfig config = new KascadeConfig(3, hq, kv, d, DType.F32, new Budget(0.25, 4, 1), Pooling.POST_SOFTMAX, 8);
        try (Arena arena = Arena.ofShared()) {
            Layer x = Layer.random(arena, new Random(12), DType.F32, batch, hq, kv, steps, cap, d);
            int[] len = {40};
            KascadePrefiller shared = new KascadePrefiller(config, Variant.ALL_HEADS_POOLED, batch, cap, POOL);
            TileIndexSets sets = shared.newIndexSets();
            shared.anchor(x.q, x.k, x.v, len, null, sets, x.out);
            for (int i = 1; i < sets.tiles(0); i++) { // tile 4 starts at 32: k = 8
                assertArrayEquals(sets.positions(0, i, 0), sets.positions(0, i, 1));
                KascadeDecoderTest.assertTopK(tileScores(x, 0, 0, kv, 2, i * 8, 8, i * 8, Pooling.POST_SOFTMAX),
                        sets.count(0, i, 0), sets.positions(0, i, 0), "all heads tile " + i);
            }
            KascadePrefiller preSoftmax = new KascadePrefiller(config.withPooling(Pooling.PRE_SOFTMAX), Variant.KASCADE, batch, cap, POOL);
            preSoftmax.anchor(x.q, x.k, x.v, len, null, sets, x.out);
            for (int i = 1; i < sets.tiles(0); i++) {
                for (int g = 0; g < kv; g++) {
                    KascadeDecoderTest.assertTopK(tileScores(x, 0, g, g + 1, 2, i * 8, 8, i * 8, Pooling.PRE_SOFTMAX),
                            sets.count(0, i, g), sets.positions(0, i, g), "pre-softmax tile " + i);
                }
            }
        }
    }

    @Test
    void reuseOfSetsFromAnotherCallIsRejected() {
        KascadeConfig config = KascadeConfig.of(2, 4, 2, 64, DType.F32);
        try (Arena arena = Arena.ofShared()) {
            Layer x = Layer.random(arena, new Random(2), DType.F32, 1, 4, 2, 16, 32, 64);
            KascadePrefiller pre = new KascadePrefiller(config, Variant.KASCADE, 1, 32, POOL);
            TileIndexSets sets = pre.newIndexSets();
            pre.anchor(x.q, x.k, x.v, new int[] {16}, null, sets, x.out);
            var e = assertThrows(IllegalArgumentException.class,
                    () -> pre.reuse(x.q, x.k, x.v, new int[] {20}, null, sets, new int[] {0, 1}, x.out));
            assertTrue(e.getMessage().startsWith("anchorSets:"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class,
                    () -> pre.reuse(x.q, x.k, x.v, new int[] {16}, null, sets, new int[] {0, 2}, x.out));
            assertTrue(e.getMessage().startsWith("sourceHead[1] = 2"), e.getMessage());
        }
    }
}

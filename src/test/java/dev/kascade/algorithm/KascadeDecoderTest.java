package dev.kascade.algorithm;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kascade.cpu.CpuPool;
import dev.kascade.cpu.Reference;
import dev.kascade.tensor.DType;
import dev.kascade.tensor.Tensor;
import java.lang.foreign.Arena;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Random;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class KascadeDecoderTest {
    private static final CpuPool POOL = new CpuPool(2);
    private static final double TOL = 1e-3;

    /** Random q, K, V for one layer. */
    record Layer(Tensor q, Tensor k, Tensor v, Tensor out) {
        static Layer random(Arena arena, Random rnd, DType t, int batch, int hq, int kv, int cap, int d) {
            return new Layer(Reference.random(arena, rnd, t, 1.0, batch, hq, d),
                    Reference.random(arena, rnd, t, 1.0, batch, kv, cap, d),
                    Reference.random(arena, rnd, t, 1.0, batch, kv, cap, d),
                    Tensor.allocate(arena, DType.F32, batch, hq, d));
        }
    }

    /** f64 pooled scores of (b, heads h0..h1) over n keys: post-softmax sums, or logit sums. */
    static double[] pooledReference(Layer x, int b, int h0, int h1, int ratio, int n, int d, Pooling pooling) {
        int hq = (int) x.q.dim(1);
        double[] p = new double[n];
        int[] keys = Reference.range(n);
        for (int h = h0; h < h1; h++) {
            long qBase = ((long) b * hq + h) * d;
            double lse = Reference.lse(x.q, qBase, x.k, b, h / ratio, keys, d);
            for (int j = 0; j < n; j++) {
                double logit = Reference.logit(x.q, qBase, x.k, b, h / ratio, j, d);
                p[j] += pooling == Pooling.POST_SOFTMAX ? Math.exp(logit - lse) : logit;
            }
        }
        return p;
    }

    /** Selected set equals the f64 top-k, except where scores tie within f32 rounding of the k-th. */
    static void assertTopK(double[] score, int k, int[] actual, String what) {
        float[] f = new float[score.length];
        for (int i = 0; i < f.length; i++) f[i] = (float) score[i];
        int[] expected = TopKTest.sortOracle(f, f.length, k);
        assertEquals(expected.length, actual.length, what + ": set size");
        double kth = Arrays.stream(expected).mapToDouble(i -> score[i]).min().orElseThrow();
        Set<Integer> e = new HashSet<>();
        for (int i : expected) e.add(i);
        Set<Integer> a = new HashSet<>();
        for (int i : actual) a.add(i);
        for (int i : actual) {
            assertTrue(e.contains(i) || Math.abs(score[i] - kth) <= 1e-5 * Math.max(1, Math.abs(kth)),
                    what + ": position " + i + " (score " + score[i] + ") is not among the top " + k + " (k-th " + kth + ")");
        }
        for (int i = 1; i < actual.length; i++) assertTrue(actual[i - 1] < actual[i], what + ": positions ascending");
    }

    static void assertAttention(Layer x, int b, int h, int g, int[] keys, int d, String what) {
        int hq = (int) x.q.dim(1);
        double[] ref = Reference.attend(x.q, ((long) b * hq + h) * d, x.k, x.v, b, g, keys, d);
        float[] out = x.out.toFloatArray();
        double err = Reference.maxError(out, (b * hq + h) * d, ref);
        assertTrue(err < TOL, what + " b=" + b + " h=" + h + " err=" + err);
    }

    static Stream<Arguments> shapes() {
        Stream.Builder<Arguments> s = Stream.builder();
        for (DType t : DType.values()) {
            for (int ratio : new int[] {1, 4, 8}) {
                s.add(Arguments.of(t, ratio, 64));
            }
            s.add(Arguments.of(t, 4, 128));
        }
        return s.build();
    }

    @ParameterizedTest
    @MethodSource("shapes")
    void layer0AnchorAndReuseMatchTheFloat64Pipeline(DType dtype, int ratio, int d) {
        int batch = 2, kv = 2, hq = kv * ratio, cap = 640;
        int[] lengths = {601, 97}; // budgets: floor(0.1 * 601) = 60; 97 -> minimum 16
        KascadeConfig config = new KascadeConfig(4, hq, kv, d, dtype, new Budget(0.1, 16, 1), Pooling.POST_SOFTMAX, 32);
        try (Arena arena = Arena.ofShared()) {
            Random rnd = new Random(100 + ratio * 7 + d + dtype.ordinal());
            Layer x = Layer.random(arena, rnd, dtype, batch, hq, kv, cap, d);
            KascadeDecoder dec = new KascadeDecoder(config, Variant.KASCADE, batch, cap, POOL);
            IndexSets sets0 = dec.newIndexSets();
            IndexSets setsA = dec.newIndexSets();

            dec.layer0(x.q, x.k, x.v, lengths, sets0, x.out);
            for (int b = 0; b < batch; b++) {
                for (int h = 0; h < hq; h++) {
                    assertAttention(x, b, h, h / ratio, Reference.range(lengths[b]), d, "layer0 dense output");
                }
            }
            dec.anchor(x.q, x.k, x.v, lengths, setsA, x.out);
            for (int b = 0; b < batch; b++) {
                int k = config.budget().keys(lengths[b]);
                for (int g = 0; g < kv; g++) {
                    double[] score = pooledReference(x, b, g * ratio, (g + 1) * ratio, ratio, lengths[b], d, Pooling.POST_SOFTMAX);
                    assertTopK(score, k, setsA.positions(b, g), "anchor b=" + b + " g=" + g);
                    assertArrayEquals(setsA.positions(b, g), sets0.positions(b, g), "layer 0 and anchor select alike");
                    for (int h = g * ratio; h < (g + 1) * ratio; h++) {
                        assertAttention(x, b, h, g, setsA.positions(b, g), d, "anchor sparse output");
                    }
                }
            }
            // Reuse on a fresh layer through a many-to-one head mapping.
            Layer y = Layer.random(arena, rnd, dtype, batch, hq, kv, cap, d);
            int[] map = {1, 1};
            dec.reuse(y.q, y.k, y.v, lengths, setsA, map, y.out);
            for (int b = 0; b < batch; b++) {
                for (int h = 0; h < hq; h++) {
                    assertAttention(y, b, h, h / ratio, setsA.positions(b, map[h / ratio]), d, "reuse output");
                }
            }
        }
    }

    @Test
    void withABudgetCoveringAllKeysEveryRoleEqualsDense() {
        int batch = 2, kv = 2, hq = 8, d = 64, cap = 200;
        int[] lengths = {127, 33}; // minimum 128 >= n: dense
        KascadeConfig config = KascadeConfig.of(4, hq, kv, d, DType.BF16);
        try (Arena arena = Arena.ofShared()) {
            Random rnd = new Random(9);
            Layer x = Layer.random(arena, rnd, DType.BF16, batch, hq, kv, cap, d);
            KascadeDecoder dec = new KascadeDecoder(config, Variant.KASCADE, batch, cap, POOL);
            dec.dense(x.q, x.k, x.v, lengths, x.out);
            float[] dense = x.out.toFloatArray();
            IndexSets sets = dec.newIndexSets();
            dec.layer0(x.q, x.k, x.v, lengths, sets, x.out);
            assertArrayEquals(dense, x.out.toFloatArray(), 1e-6f);
            dec.anchor(x.q, x.k, x.v, lengths, sets, x.out);
            assertArrayEquals(dense, x.out.toFloatArray(), 1e-5f);
            dec.reuse(x.q, x.k, x.v, lengths, sets, new int[] {0, 1}, x.out);
            assertArrayEquals(dense, x.out.toFloatArray(), 1e-5f);
            assertArrayEquals(Reference.range(127), sets.positions(0, 1));
            assertArrayEquals(Reference.range(33), sets.positions(1, 0));
        }
    }

    @Test
    void allHeadsPooledSharesOneSetAndPreSoftmaxPoolsLogits() {
        int batch = 1, kv = 2, hq = 8, d = 64, cap = 400, n = 389;
        try (Arena arena = Arena.ofShared()) {
            Random rnd = new Random(21);
            Layer x = Layer.random(arena, rnd, DType.F32, batch, hq, kv, cap, d);
            Budget budget = new Budget(0.1, 8, 1);
            KascadeConfig post = new KascadeConfig(2, hq, kv, d, DType.F32, budget, Pooling.POST_SOFTMAX, 32);
            KascadeDecoder shared = new KascadeDecoder(post, Variant.ALL_HEADS_POOLED, batch, cap, POOL);
            IndexSets sets = shared.newIndexSets();
            shared.anchor(x.q, x.k, x.v, new int[] {n}, sets, x.out);
            assertArrayEquals(sets.positions(0, 0), sets.positions(0, 1));
            assertTopK(pooledReference(x, 0, 0, hq, 4, n, d, Pooling.POST_SOFTMAX), 38, sets.positions(0, 0), "all heads");

            KascadeDecoder pre = new KascadeDecoder(post.withPooling(Pooling.PRE_SOFTMAX), Variant.KASCADE, batch, cap, POOL);
            pre.anchor(x.q, x.k, x.v, new int[] {n}, sets, x.out);
            for (int g = 0; g < kv; g++) {
                assertTopK(pooledReference(x, 0, g * 4, g * 4 + 4, 4, n, d, Pooling.PRE_SOFTMAX), 38, sets.positions(0, g), "pre-softmax");
            }
        }
    }

    @Test
    void budgetRoundsUpTo128PerSequence() {
        int batch = 2, kv = 1, hq = 1, d = 64, cap = 2100;
        int[] lengths = {1000, 2001}; // max(128, 100) = 128; floor(200.1) = 200 -> 256
        KascadeConfig config = new KascadeConfig(2, hq, kv, d, DType.BF16, new Budget(0.1, 128, 128), Pooling.POST_SOFTMAX, 32);
        try (Arena arena = Arena.ofShared()) {
            Layer x = Layer.random(arena, new Random(2), DType.BF16, batch, hq, kv, cap, d);
            KascadeDecoder dec = new KascadeDecoder(config, Variant.KASCADE, batch, cap, POOL);
            IndexSets sets = dec.newIndexSets();
            dec.layer0(x.q, x.k, x.v, lengths, sets, x.out);
            assertEquals(128, sets.count(0, 0));
            assertEquals(256, sets.count(1, 0));
        }
    }

    @Test
    void badInputIsRejectedClearly() {
        KascadeConfig config = KascadeConfig.of(2, 4, 2, 64, DType.F32);
        try (Arena arena = Arena.ofShared()) {
            Layer x = Layer.random(arena, new Random(1), DType.F32, 1, 4, 2, 300, 64);
            KascadeDecoder dec = new KascadeDecoder(config, Variant.KASCADE, 1, 300, POOL);
            Tensor badOut = Tensor.allocate(arena, DType.F32, 1, 4, 32);
            var e = assertThrows(IllegalArgumentException.class, () -> dec.dense(x.q, x.k, x.v, new int[] {10}, badOut));
            assertTrue(e.getMessage().startsWith("out: expected shape [1, 4, 64]"), e.getMessage());
            IndexSets wrong = new IndexSets(1, 3, 128);
            e = assertThrows(IllegalArgumentException.class, () -> dec.anchor(x.q, x.k, x.v, new int[] {10}, wrong, x.out));
            assertTrue(e.getMessage().startsWith("indices:"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class,
                    () -> dec.reuse(x.q, x.k, x.v, new int[] {10}, dec.newIndexSets(), new int[] {0, 5}, x.out));
            assertTrue(e.getMessage().contains("sourceHead[1] = 5"), e.getMessage());
        }
    }

    @Test
    void shapesBeyondOneJavaArrayAreRejectedWhenTheDecoderIsMadeNotAtTheFirstCall() {
        KascadeConfig config = KascadeConfig.of(2, 32, 8, 128, DType.BF16);
        // 64 x 32 query heads x 1M keys = 2^31 logits: one past what a float[] holds
        var e = assertThrows(IllegalArgumentException.class,
                () -> new KascadeDecoder(config, Variant.KASCADE, 64, 1 << 20, POOL));
        assertTrue(e.getMessage().startsWith("capacity: batch 64 x 32 query heads x 1048576 keys = 2147483648 logits"),
                e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new KascadeDecoder(config, Variant.KASCADE, 0, 100, POOL));
        assertTrue(e.getMessage().startsWith("batch: expected > 0"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new IndexSets(1024, 8, 1 << 19));
        assertTrue(e.getMessage().startsWith("maxKeys: batch 1024 x 8 KV heads x 524288 keys = 4294967296 positions"),
                e.getMessage());
        new IndexSets(2, 8, 1 << 10); // well within
        long heap = Runtime.getRuntime().maxMemory();
        org.junit.jupiter.api.Assumptions.assumeTrue(heap / 8 < IndexSets.MAX_ARRAY, "a heap this large fits any array");
        int capacity = (int) (heap / 8 / 32 + 1); // 32 query heads x capacity x 4 bytes: just over half the heap
        e = assertThrows(IllegalArgumentException.class, () -> new KascadeDecoder(config, Variant.KASCADE, 1, capacity, POOL));
        assertTrue(e.getMessage().startsWith("capacity: the logits of batch 1 x 32 query heads x " + capacity + " keys take")
                && e.getMessage().contains("GiB of Java heap") && e.getMessage().endsWith("or raise -Xmx"), e.getMessage());
    }
}

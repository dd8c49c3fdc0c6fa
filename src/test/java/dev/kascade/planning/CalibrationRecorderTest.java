package dev.kascade.planning;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kascade.tensor.DType;
import dev.kascade.tensor.Tensor;
import java.lang.foreign.Arena;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.Test;

class CalibrationRecorderTest {
    private static final double TOL = 2e-4;

    static java.util.stream.Stream<Arguments> shapes() {
        java.util.List<Arguments> out = new java.util.ArrayList<>();
        for (int r : new int[] {1, 4, 8}) {
            for (int d : new int[] {64, 128}) {
                for (DType t : DType.values()) out.add(Arguments.of(r, d, t));
            }
        }
        return out.stream();
    }

    /** Recorder against the float64 oracle: random inputs, odd lengths, GQA 1/4/8, d 64/128, f32/f16/bf16 storage. */
    @ParameterizedTest(name = "r={0} d={1} {2}")
    @MethodSource("shapes")
    void matchesTheFloat64ReferenceOnRandomInputs(int r, int d, DType dtype) {
        int kv = 2;
        // tile 8 and k 16 keep the oracle cheap; 59 tokens (53 prompt + 6 decoded, 5 used) are not a tile multiple.
        CalibrationSettings s = new CalibrationSettings(3, kv * r, kv, d, 24, 16, 8, 5);
        Random rnd = new Random(1000L * r + d + dtype.ordinal());
        try (Arena arena = Arena.ofConfined()) {
            ReferenceStatistics.Prompt p1 = randomPrompt(s, 59, 53, dtype, rnd);
            ReferenceStatistics.Prompt p2 = randomPrompt(s, 41, 41, dtype, rnd); // 41 prefill: tiles at 24, 32 (odd tail)
            CalibrationRecorder rec = new CalibrationRecorder(s);
            feed(rec, s, p1, dtype, arena);
            feed(rec, s, p2, dtype, arena);
            CalibrationStats stats = rec.statistics();
            double[][][][] expected = ReferenceStatistics.recovery(s, p1, p2);
            for (int a = 0; a < s.layers(); a++) {
                for (int b = a; b < s.layers(); b++) {
                    for (int gb = 0; gb < kv; gb++) {
                        for (int ga = 0; ga < kv; ga++) {
                            assertEquals(expected[a][b][gb][ga], stats.recovery(a, b, gb, ga), TOL,
                                    "S[" + a + "][" + b + "][" + gb + "][" + ga + "]");
                        }
                    }
                }
                assertEquals(ReferenceStatistics.importance(s, a, p1, p2), stats.importance(a), 1e-5, "w[" + a + "]");
            }
            assertEquals(2, stats.prompts());
            assertEquals(ReferenceStatistics.steps(s, 59, 53).length + ReferenceStatistics.steps(s, 41, 41).length, stats.steps());
        }
    }

    /*
     * Worked by hand. One head (Hq = G = 1), d = 1, every query is 1, so logit_j = key_j and choosing
     * key_j = ln(w_j) makes each row's softmax w_j / sum(w). Tile 2, k = 1, 4 prompt tokens: the tile at s = 0
     * has no keys before it (skipped); the tile at s = 2 has rows t = 2, 3, selectable keys {0, 1}.
     *
     * Layer 0, w = [4, 1, 2, 1]:
     *   row 2 over keys 0..2: [4/7, 1/7, 2/7];  row 3 over 0..3: [4/8, 1/8, 2/8, 1/8]
     *   pooled key 0 = 4/7 + 1/2 = 15/14, key 1 = 1/7 + 1/8 = 15/56  -> top-1 = {0}
     * Layer 1, w = [1, 3, 1, 1]:
     *   row 2: [1/5, 3/5, 1/5];  row 3: [1/6, 3/6, 1/6, 1/6]
     *   pooled key 0 = 1/5 + 1/6 = 11/30, key 1 = 3/5 + 1/2 = 11/10  -> top-1 = {1}, best = 11/10
     *   diag (keys 2..t) = 1/5 + (1/6 + 1/6) = 8/15
     * S[0][1] = (massB({0}) + diag) / (best + diag) = (11/30 + 16/30) / (33/30 + 16/30) = 27/49.
     * Importance: x = [1, 0], Attn = [0, 1] for every token: cos(x, x + Attn) = 1/sqrt(2), w = 1 - 1/sqrt(2).
     */
    @Test
    void tinyPrefillCaseWorkedByHand() {
        CalibrationSettings s = new CalibrationSettings(2, 1, 1, 1, 2, 1, 2, 0);
        CalibrationRecorder rec = new CalibrationRecorder(s);
        rec.beginPrompt(4, 4);
        rec.recordLayer(0, ones(4), logKeys(4, 1, 2, 1), tokens(4, 1, 0), tokens(4, 0, 1));
        rec.recordLayer(1, ones(4), logKeys(1, 3, 1, 1), tokens(4, 1, 0), tokens(4, 0, 1));
        rec.endPrompt();
        CalibrationStats st = rec.statistics();
        assertEquals(27.0 / 49.0, st.recovery(0, 1, 0, 0), 1e-6);
        assertEquals(1.0, st.recovery(0, 0, 0, 0), 1e-6);
        assertEquals(1.0, st.recovery(1, 1, 0, 0), 1e-6);
        assertEquals(1 - 1 / Math.sqrt(2), st.importance(0), 1e-6);
        assertEquals(1, st.steps());
        // sim[0][1] = w_1 * S (one head, so the max over anchor heads is S itself)
        assertEquals((1 - 1 / Math.sqrt(2)) * 27.0 / 49.0, AnchorPlanner.similarity(st)[0][1], 1e-6);
    }

    /*
     * Worked by hand, decode. 2 prompt tokens and 1 decoded token (t = 2), k = 1, tile 2 (the only tile starts
     * at 0: skipped). The decode step selects over all keys 0..2 including the current one; no diagonal.
     * Layer 0, w = [4, 1, 2]: [4/7, 1/7, 2/7], top-1 = {0}.  Layer 1, w = [1, 3, 1]: [1/5, 3/5, 1/5], top-1 = {1}.
     * S[0][1] = massB({0}) / massB({1}) = (1/5) / (3/5) = 1/3.
     */
    @Test
    void tinyDecodeCaseWorkedByHand() {
        CalibrationSettings s = new CalibrationSettings(2, 1, 1, 1, 2, 1, 2, 32);
        CalibrationRecorder rec = new CalibrationRecorder(s);
        rec.beginPrompt(3, 2);
        rec.recordLayer(0, ones(3), logKeys(4, 1, 2), tokens(3, 1, 0), tokens(3, 0, 1));
        rec.recordLayer(1, ones(3), logKeys(1, 3, 1), tokens(3, 1, 0), tokens(3, 0, 1));
        rec.endPrompt();
        assertEquals(1.0 / 3.0, rec.statistics().recovery(0, 1, 0, 0), 1e-6);
    }

    /** S is the minimum over a prompt's steps, then the mean over prompts: not the mean over steps. */
    @Test
    void minimumOverStepsThenMeanOverPrompts() {
        CalibrationSettings s = new CalibrationSettings(2, 4, 2, 8, 4, 4, 4, 3);
        Random rnd = new Random(7);
        ReferenceStatistics.Prompt p1 = randomPrompt(s, 37, 34, DType.F32, rnd);
        ReferenceStatistics.Prompt p2 = randomPrompt(s, 29, 29, DType.F32, rnd);
        CalibrationRecorder rec = new CalibrationRecorder(s);
        try (Arena arena = Arena.ofConfined()) {
            feed(rec, s, p1, DType.F32, arena);
            feed(rec, s, p2, DType.F32, arena);
        }
        double[][][][][] steps1 = ReferenceStatistics.perStep(s, p1);
        double[][][][][] steps2 = ReferenceStatistics.perStep(s, p2);
        assertTrue(steps1.length >= 5 && steps2.length >= 4, "several steps per prompt");
        boolean discriminating = false;
        for (int gb = 0; gb < 2; gb++) {
            for (int ga = 0; ga < 2; ga++) {
                double min1 = Double.POSITIVE_INFINITY, min2 = Double.POSITIVE_INFINITY, mean1 = 0;
                for (double[][][][] st : steps1) {
                    min1 = Math.min(min1, st[0][1][gb][ga]);
                    mean1 += st[0][1][gb][ga] / steps1.length;
                }
                for (double[][][][] st : steps2) min2 = Math.min(min2, st[0][1][gb][ga]);
                assertEquals((min1 + min2) / 2, rec.statistics().recovery(0, 1, gb, ga), TOL);
                if (mean1 - min1 > 0.01) discriminating = true;
            }
        }
        assertTrue(discriminating, "the data must tell a minimum from a mean");
    }

    @Test
    void badInputsAreRejectedWithClearMessages() {
        CalibrationSettings s = new CalibrationSettings(2, 4, 2, 8, 4, 4, 4, 3);
        CalibrationRecorder rec = new CalibrationRecorder(s);
        assertThrows(IllegalStateException.class, () -> rec.recordLayer(0, null, null, null, null));
        assertThrows(IllegalArgumentException.class, () -> rec.beginPrompt(10, 11));
        assertThrows(IllegalArgumentException.class, () -> rec.beginPrompt(0, 0));
        rec.beginPrompt(10, 10);
        Tensor q = Tensor.wrap(new float[10 * 4 * 8], 10, 4, 8);
        Tensor k = Tensor.wrap(new float[10 * 2 * 8], 10, 2, 8);
        Tensor x = Tensor.wrap(new float[10 * 4], 10, 4);
        var e = assertThrows(IllegalArgumentException.class, () -> rec.recordLayer(1, q, k, x, x));
        assertTrue(e.getMessage().contains("expected layer 0"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> rec.recordLayer(0, k, k, x, x));
        assertTrue(e.getMessage().startsWith("queries"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> rec.recordLayer(0, q, Tensor.wrap(new float[10 * 4 * 8], 10, 4, 8), x, x));
        assertTrue(e.getMessage().startsWith("keys"), e.getMessage());
        float[] nan = new float[10 * 4 * 8];
        nan[17] = Float.NaN;
        rec.recordLayer(0, q, k, x, x); // zero vectors are legal (importance counts them as 0)
        assertThrows(IllegalStateException.class, rec::endPrompt);
        var bad = assertThrows(IllegalArgumentException.class, () -> rec.recordLayer(1, Tensor.wrap(nan, 10, 4, 8), k, x, x));
        assertTrue(bad.getMessage().contains("finite"), bad.getMessage());
        assertThrows(IllegalStateException.class, () -> rec.beginPrompt(10, 10));

        CalibrationRecorder shortOnly = new CalibrationRecorder(s);
        shortOnly.beginPrompt(3, 3);
        Tensor q3 = Tensor.wrap(new float[3 * 4 * 8], 3, 4, 8);
        Tensor k3 = Tensor.wrap(new float[3 * 2 * 8], 3, 2, 8);
        Tensor x3 = Tensor.wrap(new float[3 * 4], 3, 4);
        shortOnly.recordLayer(0, q3, k3, x3, x3);
        shortOnly.recordLayer(1, q3, k3, x3, x3);
        shortOnly.endPrompt();
        var none = assertThrows(IllegalStateException.class, shortOnly::statistics);
        assertTrue(none.getMessage().contains("k = 4"), none.getMessage());
        assertThrows(IllegalStateException.class, () -> new CalibrationRecorder(s).statistics());
    }

    // ---- helpers

    static ReferenceStatistics.Prompt randomPrompt(CalibrationSettings s, int tokens, int prefill, DType dtype, Random rnd) {
        int l = s.layers();
        float[][] q = new float[l][tokens * s.qHeads() * s.headDim()];
        float[][] k = new float[l][tokens * s.kvHeads() * s.headDim()];
        float[][] x = new float[l][tokens * s.hidden()];
        float[][] y = new float[l][tokens * s.hidden()];
        for (int layer = 0; layer < l; layer++) {
            // A per-layer scale varies how peaked the softmax is; values are rounded through the storage type
            // so the oracle sees exactly what the recorder reads.
            double scale = 1.0 + layer * 0.5;
            fill(q[layer], rnd, scale, dtype);
            fill(k[layer], rnd, 1.0, dtype);
            fill(x[layer], rnd, 1.0, dtype);
            fill(y[layer], rnd, 0.3 + 0.4 * layer, dtype);
        }
        return new ReferenceStatistics.Prompt(tokens, prefill, q, k, x, y);
    }

    private static void fill(float[] a, Random rnd, double scale, DType dtype) {
        for (int i = 0; i < a.length; i++) a[i] = dtype.roundTrip((float) (rnd.nextGaussian() * scale));
    }

    static void feed(CalibrationRecorder rec, CalibrationSettings s, ReferenceStatistics.Prompt p, DType dtype, Arena arena) {
        rec.beginPrompt(p.tokens(), p.prefill());
        for (int l = 0; l < s.layers(); l++) {
            rec.recordLayer(l, stored(arena, dtype, p.queries()[l], p.tokens(), s.qHeads(), s.headDim()),
                    stored(arena, dtype, p.keys()[l], p.tokens(), s.kvHeads(), s.headDim()),
                    stored(arena, dtype, p.residual()[l], p.tokens(), s.hidden()),
                    stored(arena, dtype, p.attn()[l], p.tokens(), s.hidden()));
        }
        rec.endPrompt();
    }

    private static Tensor stored(Arena arena, DType dtype, float[] data, long... shape) {
        Tensor t = Tensor.allocate(arena, dtype, shape);
        for (int i = 0; i < data.length; i++) t.setFlat(i, data[i]);
        return t;
    }

    private static Tensor ones(int tokens) {
        float[] q = new float[tokens];
        java.util.Arrays.fill(q, 1f);
        return Tensor.wrap(q, tokens, 1, 1);
    }

    private static Tensor logKeys(double... weights) {
        float[] k = new float[weights.length];
        for (int i = 0; i < k.length; i++) k[i] = (float) Math.log(weights[i]);
        return Tensor.wrap(k, weights.length, 1, 1);
    }

    private static Tensor tokens(int tokens, float a, float b) {
        float[] v = new float[tokens * 2];
        for (int t = 0; t < tokens; t++) {
            v[2 * t] = a;
            v[2 * t + 1] = b;
        }
        return Tensor.wrap(v, tokens, 2);
    }
}

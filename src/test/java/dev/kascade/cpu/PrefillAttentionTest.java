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

class PrefillAttentionTest {
    private static final CpuPool POOL = new CpuPool(2);

    static Stream<Arguments> shapes() {
        Stream.Builder<Arguments> b = Stream.builder();
        for (DType t : DType.values()) {
            for (int ratio : new int[] {1, 4, 8}) {
                b.add(Arguments.of(t, ratio, 64));
            }
            b.add(Arguments.of(t, 4, 128));
            b.add(Arguments.of(t, 3, 72));
        }
        return b.build();
    }

    /** Dense causal f64 reference for query row t of (b, h): keys [0, position]. */
    static double[] denseRow(Tensor q, Tensor k, Tensor v, int b, int h, int t, int steps, int position, int ratio) {
        int hq = (int) q.dim(1);
        int d = (int) q.dim(3);
        long qBase = (((long) b * hq + h) * steps + t) * d;
        return Reference.attend(q, qBase, k, v, b, h / ratio, Reference.range(position + 1), d);
    }

    @ParameterizedTest
    @MethodSource("shapes")
    void denseCausalMatchesFloat64WithVariableLengthsAndPriorContext(DType dtype, int ratio, int d) {
        int batch = 2, kv = 2, hq = kv * ratio, steps = 45, cap = 64;
        int[] qLens = {45, 19};   // sequence 1 has 26 padding rows
        int[] lengths = {50, 19}; // sequence 0 already held 5 tokens before this call
        try (Arena arena = Arena.ofShared()) {
            Random rnd = new Random(17L * ratio + d + dtype.ordinal());
            Tensor q = Reference.random(arena, rnd, dtype, 1.0, batch, hq, steps, d);
            Tensor k = Reference.random(arena, rnd, dtype, 1.0, batch, kv, cap, d);
            Tensor v = Reference.random(arena, rnd, dtype, 1.0, batch, kv, cap, d);
            Tensor out = Tensor.allocate(arena, DType.F32, batch, hq, steps, d);
            out.setFlat(out.index(1, 0, 30, 0), 42f); // a padding row must come back zero
            PrefillAttention pa = new PrefillAttention(POOL, batch, hq, kv, d, 32);
            pa.dense(q, k, v, lengths, qLens, out);
            float[] o = out.toFloatArray();
            for (int b = 0; b < batch; b++) {
                for (int h = 0; h < hq; h++) {
                    for (int t = 0; t < steps; t++) {
                        int flat = (int) out.index(b, h, t, 0);
                        if (t >= qLens[b]) {
                            for (int c = 0; c < d; c++) assertEquals(0f, o[flat + c], "padding row b=" + b + " t=" + t);
                            continue;
                        }
                        int position = lengths[b] - qLens[b] + t;
                        double[] ref = denseRow(q, k, v, b, h, t, steps, position, ratio);
                        double err = Reference.maxError(o, flat, ref);
                        assertTrue(err < 1e-4, "b=" + b + " h=" + h + " t=" + t + " err=" + err);
                    }
                }
            }
        }
    }

    @Test
    void tileAttentionOverAKeyListAddsTheCausalDiagonal() {
        int kv = 1, hq = 2, d = 64, steps = 40;
        try (Arena arena = Arena.ofShared()) {
            Random rnd = new Random(8);
            Tensor q = Reference.random(arena, rnd, DType.BF16, 1.0, 1, hq, steps, d);
            Tensor k = Reference.random(arena, rnd, DType.BF16, 1.0, 1, kv, steps, d);
            Tensor v = Reference.random(arena, rnd, DType.BF16, 1.0, 1, kv, steps, d);
            Tensor out = Tensor.allocate(arena, DType.F32, 1, hq, steps, d);
            PrefillAttention pa = new PrefillAttention(POOL, 1, hq, kv, d, 16);
            pa.prepare(q, k, v, new int[] {steps}, null, out);
            // Tile 2 starts at s = 32 and holds tokens 32..39; it attends to keys {3, 17, 30} and, causally, 32..32+t.
            int[] list = {3, 17, 30};
            pa.tileAttention(0, 0, 0, 2, list, 0, list.length);
            float[] o = out.toFloatArray();
            for (int h = 0; h < hq; h++) {
                for (int t = 0; t < 8; t++) {
                    int[] keys = new int[list.length + t + 1];
                    System.arraycopy(list, 0, keys, 0, list.length);
                    for (int j = 0; j <= t; j++) keys[list.length + j] = 32 + j;
                    double[] ref = Reference.attend(q, ((long) h * steps + 32 + t) * d, k, v, 0, 0, keys, d);
                    assertTrue(Reference.maxError(o, (int) out.index(0, h, 32 + t, 0), ref) < 1e-4, "h=" + h + " t=" + t);
                }
            }
            pa.release();
        }
    }

    @Test
    void badShapesAreRejected() {
        try (Arena arena = Arena.ofShared()) {
            Random rnd = new Random(1);
            Tensor q = Reference.random(arena, rnd, DType.F32, 1, 1, 4, 8, 64);
            Tensor k = Reference.random(arena, rnd, DType.F32, 1, 1, 2, 16, 64);
            Tensor out = Tensor.allocate(arena, DType.F32, 1, 4, 8, 64);
            PrefillAttention pa = new PrefillAttention(POOL, 1, 4, 2, 64, 32);
            var e = assertThrows(IllegalArgumentException.class, () -> pa.dense(q, k, k, new int[] {4}, null, out));
            assertTrue(e.getMessage().startsWith("lengths[0] = 4"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> pa.dense(q, k, k, new int[] {8}, new int[] {9}, out));
            assertTrue(e.getMessage().startsWith("qLens[0] = 9"), e.getMessage());
            Tensor badOut = Tensor.allocate(arena, DType.F32, 1, 4, 7, 64);
            e = assertThrows(IllegalArgumentException.class, () -> pa.dense(q, k, k, new int[] {8}, null, badOut));
            assertTrue(e.getMessage().startsWith("out: expected shape [1, 4, 8, 64]"), e.getMessage());
        }
    }
}

package dev.kascade.session;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kascade.algorithm.AnchorPlan;
import dev.kascade.algorithm.Budget;
import dev.kascade.algorithm.IndexSets;
import dev.kascade.algorithm.KascadeConfig;
import dev.kascade.algorithm.Pooling;
import dev.kascade.algorithm.Variant;
import dev.kascade.cpu.Reference;
import dev.kascade.tensor.DType;
import dev.kascade.tensor.Tensor;
import java.lang.foreign.Arena;
import java.util.Random;
import org.junit.jupiter.api.Test;

class KascadeSessionTest {
    private static final int LAYERS = 4, HQ = 8, KV = 2, D = 64, R = HQ / KV;

    /** Plan {0, 2}; layer 1 maps both KV heads to anchor head 1, layer 3 swaps them. */
    private static AnchorPlan plan() {
        int[][] map = AnchorPlan.identity(LAYERS, KV, 0).headMap();
        map[1] = new int[] {1, 1};
        map[3] = new int[] {1, 0};
        return new AnchorPlan(new int[] {0, 2}, map);
    }

    private static KascadeConfig config(Budget budget) {
        return new KascadeConfig(LAYERS, HQ, KV, D, DType.BF16, budget, Pooling.POST_SOFTMAX, 32);
    }

    @Test
    void prefillThenDecodeFollowsEachLayersRoleAndHeadMapping() {
        int batch = 2, cap = 128, t = 70;
        int[] qLens = {70, 41};
        Budget budget = new Budget(0.1, 8, 1);
        try (Arena arena = Arena.ofShared();
             KascadeSession s = KascadeSession.open(config(budget), plan(), DeviceKind.CPU, batch, cap)) {
            Random rnd = new Random(4);
            for (int layer = 0; layer < LAYERS; layer++) {
                Tensor q = Reference.random(arena, rnd, DType.F32, 1, batch, HQ, t, D);
                Tensor k = Reference.random(arena, rnd, DType.F32, 1, batch, KV, t, D);
                Tensor v = Reference.random(arena, rnd, DType.F32, 1, batch, KV, t, D);
                Tensor out = s.prefill(layer, q, k, v, qLens);
                assertEquals(0f, out.get(1, 0, 50, 3), "padding row");
                assertTrue(s.cache().length(layer, 1) == 41 && s.cache().length(layer, 0) == 70);
                // Tile 0 of every sequence starts at 0 and is dense: its rows are plain causal attention.
                Tensor kc = s.cache().keys(layer), vc = s.cache().values(layer);
                for (int h = 0; h < HQ; h += 3) {
                    double[] ref = Reference.attend(q, q.index(1, h, 5, 0), kc, vc, 1, h / R, Reference.range(6), D);
                    assertTrue(Reference.maxError(out.toFloatArray(), (int) out.index(1, h, 5, 0), ref) < 1e-3);
                }
            }
            for (int step = 0; step < 2; step++) {
                for (int layer = 0; layer < LAYERS; layer++) {
                    Tensor q = Reference.random(arena, rnd, DType.BF16, 1, batch, HQ, D);
                    Tensor k = Reference.random(arena, rnd, DType.BF16, 1, batch, KV, D);
                    Tensor v = Reference.random(arena, rnd, DType.BF16, 1, batch, KV, D);
                    float[] out = s.decode(layer, q, k, v).toFloatArray();
                    int anchor = layer < 2 ? 0 : 2;
                    IndexSets sets = s.decodeIndexSets(anchor);
                    Tensor kc = s.cache().keys(layer), vc = s.cache().values(layer);
                    for (int b = 0; b < batch; b++) {
                        int n = s.cache().length(layer, b);
                        assertEquals(qLens[b] + step + 1, n);
                        assertEquals(budget.keys(n), sets.count(b, 0));
                        for (int h = 0; h < HQ; h++) {
                            int g = h / R;
                            int[] keys = layer == 0 ? Reference.range(n) : sets.positions(b, plan().sourceHead(layer, g));
                            double[] ref = Reference.attend(q, q.index(b, h, 0), kc, vc, b, g, keys, D);
                            double err = Reference.maxError(out, (b * HQ + h) * D, ref);
                            assertTrue(err < 1e-3, "layer " + layer + " b=" + b + " h=" + h + " err=" + err);
                        }
                    }
                }
            }
        }
    }

    @Test
    void decodeOnlyVariantPrefillsDensely() {
        int cap = 100, t = 90;
        try (Arena arena = Arena.ofShared();
             KascadeSession s = KascadeSession.open(config(new Budget(0.1, 8, 1)), plan(), Variant.DECODE_ONLY, DeviceKind.CPU, 1, cap)) {
            Random rnd = new Random(8);
            for (int layer = 0; layer < LAYERS; layer++) {
                Tensor q = Reference.random(arena, rnd, DType.F32, 1, 1, HQ, t, D);
                Tensor k = Reference.random(arena, rnd, DType.F32, 1, 1, KV, t, D);
                Tensor v = Reference.random(arena, rnd, DType.F32, 1, 1, KV, t, D);
                float[] out = s.prefill(layer, q, k, v).toFloatArray();
                Tensor kc = s.cache().keys(layer), vc = s.cache().values(layer);
                double[] ref = Reference.attend(q, q.index(0, 5, 89, 0), kc, vc, 0, 1, Reference.range(90), D);
                assertTrue(Reference.maxError(out, (int) q.index(0, 5, 89, 0), ref) < 1e-3, "layer " + layer);
            }
        }
    }

    @Test
    void misuseGetsClearErrors() {
        KascadeConfig config = config(Budget.PAPER);
        var e = assertThrows(IllegalArgumentException.class,
                () -> KascadeSession.open(config, AnchorPlan.identity(5, KV, 0), DeviceKind.CPU, 1, 16));
        assertTrue(e.getMessage().startsWith("plan: has 5 layers"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> KascadeSession.open(config, AnchorPlan.identity(LAYERS, 4, 0), DeviceKind.CPU, 1, 16));
        assertTrue(e.getMessage().startsWith("plan: maps 4 KV heads"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> KascadeSession.open(config, plan(), Variant.DECODE_ONLY, DeviceKind.CUDA, 1, 16));
        assertTrue(e.getMessage().startsWith("variant: a CUDA session runs Variant.KASCADE only"), e.getMessage());

        try (Arena arena = Arena.ofShared(); KascadeSession s = KascadeSession.open(config, plan(), DeviceKind.CPU, 1, 2)) {
            Random rnd = new Random(1);
            Tensor q = Reference.random(arena, rnd, DType.F32, 1, 1, HQ, D);
            Tensor kv = Reference.random(arena, rnd, DType.F32, 1, 1, KV, D);
            e = assertThrows(IllegalArgumentException.class, () -> s.decode(4, q, kv, kv));
            assertTrue(e.getMessage().startsWith("layer: 4 out of range"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> s.decode(0, kv, kv, kv));
            assertTrue(e.getMessage().startsWith("q: expected shape [1, 8, 64]"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> s.decode(0, q, q, kv));
            assertTrue(e.getMessage().startsWith("kNew: expected shape [1, 2, 64]"), e.getMessage());
            var st = assertThrows(IllegalStateException.class, () -> s.decode(1, q, kv, kv));
            assertTrue(st.getMessage().startsWith("layer 1 reuses anchor 0 whose indices were not computed this step"), st.getMessage());
            s.decode(0, q, kv, kv);
            s.decode(1, q, kv, kv);
            st = assertThrows(IllegalStateException.class, () -> s.decode(3, q, kv, kv));
            assertTrue(st.getMessage().startsWith("layer 3 reuses anchor 2"), st.getMessage());
            s.decode(0, q, kv, kv);
            st = assertThrows(IllegalStateException.class, () -> s.decode(0, q, kv, kv));
            assertTrue(st.getMessage().startsWith("capacity: sequence 0 of layer 0"), st.getMessage());
            s.close();
            assertThrows(IllegalStateException.class, () -> s.decode(0, q, kv, kv));
        }
    }
}

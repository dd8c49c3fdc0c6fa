package dev.kascade.session;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kascade.algorithm.AnchorPlan;
import dev.kascade.algorithm.Budget;
import dev.kascade.algorithm.KascadeConfig;
import dev.kascade.algorithm.Pooling;
import dev.kascade.cache.KvCache;
import dev.kascade.cpu.Reference;
import dev.kascade.runtime.Devices;
import dev.kascade.tensor.DType;
import dev.kascade.tensor.Tensor;
import java.lang.foreign.Arena;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * A session whose decode runs through the GPU path (device-resident cache, append kernel, {@code GpuDecode}
 * roles) on the CPU device (the emulator), against the CPU session on the same inputs: same outputs for every
 * role and head mapping, and the exported cache equal to the CPU session's, byte for byte.
 */
class GpuSessionTest {
    private static final int LAYERS = 4, HQ = 8, KV = 2, D = 64;

    private static AnchorPlan plan() {
        int[][] map = AnchorPlan.identity(LAYERS, KV, 0).headMap();
        map[1] = new int[] {1, 1};
        map[3] = new int[] {1, 0};
        return new AnchorPlan(new int[] {0, 2}, map);
    }

    // The GPU kernels round k up to a multiple of 128; the CPU session gets the same rounding here.
    private static KascadeConfig config() {
        return new KascadeConfig(LAYERS, HQ, KV, D, DType.BF16, new Budget(0.1, 128, 128), Pooling.POST_SOFTMAX, 32);
    }

    @Test
    void deviceSessionMatchesTheCpuSessionAndExportsTheSameCache() {
        int batch = 2, cap = 200, t = 150;
        int[] qLens = {150, 133};
        try (Arena arena = Arena.ofShared();
             KascadeSession cpu = KascadeSession.open(config(), plan(), DeviceKind.CPU, batch, cap);
             KascadeSession gpu = KascadeSession.openOnDevice(config(), plan(), Devices.cpu(), batch, cap, 1, 2, 64)) {
            Random rnd = new Random(11);
            for (int layer = 0; layer < LAYERS; layer++) {
                Tensor q = Reference.random(arena, rnd, DType.F32, 1, batch, HQ, t, D);
                Tensor k = Reference.random(arena, rnd, DType.F32, 1, batch, KV, t, D);
                Tensor v = Reference.random(arena, rnd, DType.F32, 1, batch, KV, t, D);
                cpu.prefill(layer, q, k, v, qLens);
                gpu.prefill(layer, q, k, v, qLens);
            }
            for (int step = 0; step < 2; step++) {
                for (int layer = 0; layer < LAYERS; layer++) {
                    Tensor q = Reference.random(arena, rnd, DType.BF16, 1, batch, HQ, D);
                    Tensor k = Reference.random(arena, rnd, DType.BF16, 1, batch, KV, D);
                    Tensor v = Reference.random(arena, rnd, DType.BF16, 1, batch, KV, D);
                    float[] want = cpu.decode(layer, q, k, v).toFloatArray();
                    float[] got = gpu.decode(layer, q, k, v).toFloatArray();
                    double worst = 0;
                    for (int i = 0; i < want.length; i++) worst = Math.max(worst, Math.abs(want[i] - got[i]));
                    assertTrue(worst < 2e-3, "step " + step + " layer " + layer + ": max |gpu - cpu| = " + worst);
                }
            }
            KvCache a = cpu.cache();
            KvCache b = gpu.exportCache();
            for (int layer = 0; layer < LAYERS; layer++) {
                for (int s = 0; s < batch; s++) {
                    assertEquals(qLens[s] + 2, b.length(layer, s));
                    for (int g = 0; g < KV; g++) {
                        float[] ka = a.liveKeys(layer, s, g).toFloatArray(), kb = b.liveKeys(layer, s, g).toFloatArray();
                        float[] va = a.liveValues(layer, s, g).toFloatArray(), vb = b.liveValues(layer, s, g).toFloatArray();
                        assertTrue(java.util.Arrays.equals(ka, kb) && java.util.Arrays.equals(va, vb),
                                "layer " + layer + " seq " + s + " head " + g + ": exported cache differs");
                    }
                }
            }
            assertThrows(UnsupportedOperationException.class, () -> gpu.decodeIndexSets(0));
        }
    }

    @Test
    void deviceSessionRejectsAnF32Cache() {
        KascadeConfig f32 = new KascadeConfig(LAYERS, HQ, KV, D, DType.F32, Budget.PAPER, Pooling.POST_SOFTMAX, 32);
        var e = assertThrows(IllegalArgumentException.class,
                () -> KascadeSession.openOnDevice(f32, plan(), Devices.cpu(), 1, 64, 1, 2, 64));
        assertTrue(e.getMessage().startsWith("config.dtype"), e.getMessage());
    }
}

package dev.kascade.cache;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kascade.tensor.DType;
import dev.kascade.tensor.Tensor;
import java.lang.foreign.Arena;
import java.util.Random;
import org.apache.arrow.memory.ArrowBuf;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.junit.jupiter.api.Test;

class KvCacheTest {
    private final Random rnd = new Random(42);

    /** Error one rounding of {@code x} to {@code dt} may add: half an ulp, with f16's subnormal step as the floor. */
    private static double tolerance(DType dt, double x) {
        return switch (dt) {
            case F32 -> Math.abs(x) * 0x1p-24;
            case F16 -> Math.max(Math.abs(x) * 0x1p-11, 0x1p-25);
            case BF16 -> Math.abs(x) * 0x1p-8;
        };
    }

    private Tensor random(Arena arena, DType dt, double[] ref, long... shape) {
        Tensor t = Tensor.allocate(arena, dt, shape);
        for (int i = 0; i < t.size(); i++) {
            double x = rnd.nextGaussian() * 3;
            t.setFlat(i, (float) x);
            if (ref != null) ref[i] = x;
        }
        return t;
    }

    /**
     * Appends random chunks of odd sizes (every source dtype) to every sequence up to a random length,
     * keeping a float64 reference, then checks every written element and that unwritten ones stay zero.
     */
    @Test
    void appendsMatchAFloat64ReferenceForEveryDtypeAndGqaShape() {
        int[][] shapes = {{2, 3, 1, 37, 64}, {1, 2, 4, 29, 128}, {2, 2, 8, 17, 64}}; // L, B, G, C, D
        for (DType dt : DType.values()) {
            for (int[] s : shapes) {
                int layers = s[0], batch = s[1], g = s[2], cap = s[3], d = s[4];
                double[][][][][] ref = new double[layers][batch][g][cap][d];
                double[][][][][] refV = new double[layers][batch][g][cap][d];
                try (KvCache cache = KvCache.allocate(layers, batch, g, cap, d, dt); Arena arena = Arena.ofConfined()) {
                    for (int l = 0; l < layers; l++) {
                        for (int b = 0; b < batch; b++) {
                            int target = b == 0 ? cap : rnd.nextInt(cap + 1);
                            while (cache.length(l, b) < target) {
                                int t = Math.min(target - cache.length(l, b), 1 + 2 * rnd.nextInt(7));
                                DType src = DType.values()[rnd.nextInt(3)];
                                double[] rk = new double[g * t * d];
                                double[] rv = new double[g * t * d];
                                Tensor k = random(arena, src, rk, g, t, d);
                                Tensor v = random(arena, src, rv, g, t, d);
                                int at = cache.length(l, b);
                                cache.append(l, b, k, v);
                                for (int h = 0; h < g; h++) {
                                    for (int p = 0; p < t; p++) {
                                        for (int e = 0; e < d; e++) {
                                            int i = (h * t + p) * d + e;
                                            // The stored value is the source value rounded once more, to the cache dtype.
                                            ref[l][b][h][at + p][e] = src.roundTrip((float) rk[i]);
                                            refV[l][b][h][at + p][e] = src.roundTrip((float) rv[i]);
                                        }
                                    }
                                }
                            }
                            assertEquals(target, cache.length(l, b));
                        }
                    }
                    for (int l = 0; l < layers; l++) {
                        Tensor keys = cache.keys(l);
                        Tensor values = cache.values(l);
                        assertArrayEquals(new long[] {batch, g, cap, d}, keys.shape());
                        assertEquals(dt, keys.dtype());
                        for (int b = 0; b < batch; b++) {
                            for (int h = 0; h < g; h++) {
                                for (int p = 0; p < cap; p++) {
                                    for (int e = 0; e < d; e++) {
                                        double wk = p < cache.length(l, b) ? ref[l][b][h][p][e] : 0;
                                        double wv = p < cache.length(l, b) ? refV[l][b][h][p][e] : 0;
                                        assertEquals(wk, keys.get(b, h, p, e), tolerance(dt, wk));
                                        assertEquals(wv, values.get(b, h, p, e), tolerance(dt, wv));
                                        assertEquals(dt.roundTrip((float) wk), keys.get(b, h, p, e), 0f);
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    @Test
    void appendAllAppendsEachSequenceAtItsOwnLength() {
        try (KvCache cache = KvCache.allocate(2, 3, 2, 19, 8, DType.F16); Arena arena = Arena.ofConfined()) {
            cache.append(1, 0, random(arena, DType.F32, null, 2, 5, 8), random(arena, DType.F32, null, 2, 5, 8));
            cache.append(1, 2, random(arena, DType.F32, null, 2, 11, 8), random(arena, DType.F32, null, 2, 11, 8));
            Tensor k = random(arena, DType.BF16, null, 3, 2, 3, 8);
            Tensor v = random(arena, DType.BF16, null, 3, 2, 3, 8);
            cache.appendAll(1, k, v);
            assertArrayEquals(new int[] {8, 3, 14}, cache.lengths(1));
            assertArrayEquals(new int[] {0, 0, 0}, cache.lengths(0));
            int[] start = {5, 0, 11};
            for (int b = 0; b < 3; b++) {
                for (int h = 0; h < 2; h++) {
                    for (int p = 0; p < 3; p++) {
                        for (int e = 0; e < 8; e++) {
                            assertEquals(DType.F16.roundTrip(k.get(b, h, p, e)), cache.keys(1).get(b, h, start[b] + p, e), 0f);
                            assertEquals(DType.F16.roundTrip(v.get(b, h, p, e)), cache.values(1).get(b, h, start[b] + p, e), 0f);
                        }
                    }
                }
            }
            Tensor live = cache.liveKeys(1, 2, 1);
            assertArrayEquals(new long[] {14, 8}, live.shape());
            assertEquals(cache.keys(1).get(2, 1, 13, 7), live.get(13, 7), 0f);
            assertArrayEquals(new long[] {8, 8}, cache.liveValues(1, 0, 0).shape());
        }
    }

    @Test
    void appendingPastCapacityIsAClearErrorAndWritesNothing() {
        try (KvCache cache = KvCache.allocate(1, 4, 2, 1024, 4, DType.BF16); Arena arena = Arena.ofConfined()) {
            cache.setLength(0, 3, 1020);
            Tensor k = random(arena, DType.F32, null, 2, 5, 4);
            Tensor v = random(arena, DType.F32, null, 2, 5, 4);
            var e = assertThrows(IllegalArgumentException.class, () -> cache.append(0, 3, k, v));
            assertEquals("seq 3: appending 5 tokens to length 1020 exceeds capacity 1024", e.getMessage());
            assertEquals(1020, cache.length(0, 3));
            assertEquals(0f, cache.keys(0).get(3, 0, 1020, 0), 0f);

            cache.append(0, 3, random(arena, DType.F32, null, 2, 4, 4), random(arena, DType.F32, null, 2, 4, 4));
            assertEquals(1024, cache.length(0, 3));

            Tensor kk = random(arena, DType.F32, null, 4, 2, 1, 4);
            e = assertThrows(IllegalArgumentException.class, () -> cache.appendAll(0, kk, kk));
            assertEquals("seq 3: appending 1 tokens to length 1024 exceeds capacity 1024", e.getMessage());
            assertArrayEquals(new int[] {0, 0, 0, 1024}, cache.lengths(0));
            assertEquals(0f, cache.keys(0).get(0, 0, 0, 0), 0f, "appendAll must write nothing when one sequence is full");
        }
    }

    @Test
    void keyAndValueViewsAreTheArrowBuffersMemory() {
        for (DType dt : DType.values()) {
            try (KvCache cache = KvCache.allocate(2, 2, 3, 5, 4, dt)) {
                ArrowBuf v1 = cache.buffer(1, true);
                assertTrue(v1.capacity() >= 2L * 3 * 5 * 4 * dt.byteSize());
                float x = (float) rnd.nextGaussian();
                cache.values(1).set(x, 1, 2, 3, 1);
                long flat = ((1 * 3 + 2) * 5 + 3) * 4 + 1;
                float viaArrow = switch (dt) {
                    case F32 -> v1.getFloat(flat * 4);
                    case F16 -> Float.float16ToFloat(v1.getShort(flat * 2));
                    case BF16 -> DType.bf16ToFloat(v1.getShort(flat * 2));
                };
                assertEquals(dt.roundTrip(x), viaArrow, 0f);
                switch (dt) {
                    case F32 -> v1.setFloat(0, 2.25f);
                    case F16 -> v1.setShort(0, Float.floatToFloat16(2.25f));
                    case BF16 -> v1.setShort(0, DType.floatToBf16(2.25f));
                }
                assertEquals(2.25f, cache.values(1).get(0, 0, 0, 0), 0f);
                assertEquals(0f, cache.keys(1).get(0, 0, 0, 0), 0f, "keys and values are separate buffers");
            }
        }
    }

    @Test
    void resetZeroesAndCloseInvalidatesViews() {
        try (BufferAllocator parent = new RootAllocator()) {
            KvCache cache = KvCache.allocate(2, 2, 2, 9, 16, DType.F32, parent);
            assertTrue(parent.getAllocatedMemory() >= cache.byteSize(), "the cache's memory is counted in the parent");
            assertEquals(2L * 2 * 2 * 2 * 9 * 16 * 4, cache.byteSize());
            try (Arena arena = Arena.ofConfined()) {
                cache.append(0, 1, random(arena, DType.F32, null, 2, 3, 16), random(arena, DType.F32, null, 2, 3, 16));
            }
            Tensor keys = cache.keys(0);
            cache.reset();
            assertArrayEquals(new int[] {0, 0}, cache.lengths(0));
            for (float f : keys.toFloatArray()) assertEquals(0f, f, 0f);
            cache.close();
            cache.close();
            assertTrue(cache.isClosed());
            assertEquals(0, parent.getAllocatedMemory(), "close frees every buffer");
            assertThrows(IllegalStateException.class, () -> keys.getFlat(0));
            assertThrows(IllegalStateException.class, () -> cache.keys(0));
        }
    }

    @Test
    void badArgumentsAreClearErrors() {
        var e = assertThrows(IllegalArgumentException.class, () -> KvCache.allocate(0, 1, 1, 1, 1, DType.F32));
        assertEquals("layers: expected > 0 but got 0", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> KvCache.allocate(1, 1, 1, 1, -3, DType.F32));
        assertEquals("headDim: expected > 0 but got -3", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> KvCache.allocate(1, 64, 8, 1 << 21, 128, DType.BF16));
        assertEquals("kvHeads * capacity * headDim = 8 * 2097152 * 128 = 2147483648 elements per sequence and layer"
                + " exceeds one Arrow vector's limit of 2147483647", e.getMessage());
        try (KvCache cache = KvCache.allocate(2, 2, 2, 8, 4, DType.F32); Arena arena = Arena.ofConfined()) {
            Tensor good = random(arena, DType.F32, null, 2, 3, 4);
            e = assertThrows(IllegalArgumentException.class, () -> cache.append(2, 0, good, good));
            assertEquals("layer: 2 out of range [0, 2)", e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> cache.append(0, -1, good, good));
            assertEquals("seq: -1 out of range [0, 2)", e.getMessage());
            Tensor wrongHeads = random(arena, DType.F32, null, 3, 3, 4);
            e = assertThrows(IllegalArgumentException.class, () -> cache.append(0, 0, wrongHeads, wrongHeads));
            assertEquals("k: expected shape [kvHeads=2][t][headDim=4] but got [3, 3, 4]", e.getMessage());
            Tensor otherT = random(arena, DType.F32, null, 2, 2, 4);
            e = assertThrows(IllegalArgumentException.class, () -> cache.append(0, 0, good, otherT));
            assertEquals("v: expected the shape of k [2, 3, 4] but got [2, 2, 4]", e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> cache.appendAll(0, good, good));
            assertTrue(e.getMessage().startsWith("k: expected shape [batch=2][kvHeads=2][t][headDim=4]"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> cache.setLength(0, 0, 9));
            assertEquals("length: seq 0: 9 outside [0, 8]", e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> cache.liveKeys(0, 0, 2));
            assertEquals("kvHead: 2 out of range [0, 2)", e.getMessage());
            assertArrayEquals(new int[] {0, 0}, cache.lengths(0));
        }
    }

    @Test
    void largeLayersAskForHugePagesAndStartZeroed() {
        // 2 layers of [1][4][8192][128] bf16 = 8 MiB per K or V buffer: above Tensor.HUGE_PAGE_THRESHOLD.
        try (KvCache cache = KvCache.allocate(2, 1, 4, 8192, 128, DType.BF16)) {
            for (int l = 0; l < 2; l++) {
                Tensor k = cache.keys(l);
                for (long i = 0; i < k.size(); i += 4099) assertEquals(0f, k.getFlat(i), "fresh key " + i);
                assertEquals(0f, cache.values(l).getFlat(cache.values(l).size() - 1));
                if (dev.kascade.tensor.HugePages.supported()) {
                    // The advice covers the buffer's whole inner 2 MiB pages (at least 2 of the 4).
                    long huge = dev.kascade.tensor.HugePages.backedBytes(k.segment());
                    assertTrue(huge >= 2 * dev.kascade.tensor.HugePages.HUGE_PAGE, "layer " + l + ": " + huge + " bytes; "
                            + dev.kascade.tensor.HugePages.status());
                }
            }
        }
    }

    @Test
    void aCacheLargerThanTheMachinesMemoryIsRefusedBeforeAnythingIsAllocated() {
        long available = dev.kascade.tensor.MemoryInfo.availableBytes();
        org.junit.jupiter.api.Assumptions.assumeTrue(available > 0, "needs /proc/meminfo");
        int layers = (int) Math.min(Integer.MAX_VALUE, available / (4L << 20) + 1); // 4 MiB of K and V per layer
        var e = assertThrows(IllegalArgumentException.class,
                () -> KvCache.allocate(layers, 1, 8, 1024, 128, DType.BF16).close());
        assertTrue(e.getMessage().startsWith("capacity: a KV cache of " + layers + " layers x batch 1 x 8 KV heads x 1024 "
                + "positions x 128 x bf16 (K and V) take "), e.getMessage());
        assertTrue(e.getMessage().endsWith("GiB of memory available; lower the capacity or the batch"), e.getMessage());
    }
}

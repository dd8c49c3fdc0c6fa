package dev.kascade.cache;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.HashMap;
import java.util.Map;
import java.util.Random;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.IntVector;
import org.apache.arrow.vector.complex.FixedSizeListVector;
import org.junit.jupiter.api.Test;

class IndexTableTest {
    private final Random rnd = new Random(5);

    @Test
    void putAndGetVariableSizedSetsAgainstAMapReference() {
        try (IndexTable table = IndexTable.allocate(3, 2, 4, 8, 37)) {
            Map<String, int[]> ref = new HashMap<>();
            for (int round = 0; round < 400; round++) {
                int l = rnd.nextInt(3), s = rnd.nextInt(2), tile = rnd.nextInt(4), g = rnd.nextInt(8);
                int k = 1 + rnd.nextInt(37);
                int[] idx = rnd.ints(k + rnd.nextInt(3), 0, 100_000).toArray(); // longer arrays: only count is stored
                table.put(l, s, tile, g, idx, k);
                ref.put(l + "/" + s + "/" + tile + "/" + g, java.util.Arrays.copyOf(idx, k));
            }
            int[] dst = new int[37];
            for (int l = 0; l < 3; l++) {
                for (int s = 0; s < 2; s++) {
                    for (int tile = 0; tile < 4; tile++) {
                        for (int g = 0; g < 8; g++) {
                            int[] want = ref.get(l + "/" + s + "/" + tile + "/" + g);
                            if (want == null) {
                                assertFalse(table.has(l, s, tile, g));
                                assertEquals(0, table.count(l, s, tile, g));
                                int fl = l, fs = s, ft = tile, fg = g;
                                var e = assertThrows(IllegalStateException.class, () -> table.get(fl, fs, ft, fg));
                                assertTrue(e.getMessage().startsWith("no index set stored for layer " + l), e.getMessage());
                                continue;
                            }
                            assertArrayEquals(want, table.get(l, s, tile, g));
                            assertEquals(want.length, table.get(l, s, tile, g, dst));
                            assertArrayEquals(want, java.util.Arrays.copyOf(dst, want.length));
                            MemorySegment seg = table.segment(l, s, tile, g);
                            assertArrayEquals(want, seg.toArray(ValueLayout.JAVA_INT));
                        }
                    }
                }
            }
        }
    }

    @Test
    void shorterOverwritePadsWithMinusOneInTheArrowColumns() {
        try (IndexTable table = IndexTable.allocate(2, 1, 1, 2, 6)) {
            table.put(1, 0, 0, 1, new int[] {9, 8, 7, 6, 5, 4});
            table.put(1, 0, 0, 1, new int[] {3, 2});
            int e = table.entry(1, 0, 0, 1);
            assertEquals(3, e);
            IntVector counts = (IntVector) table.vectors().get(0);
            FixedSizeListVector lists = (FixedSizeListVector) table.vectors().get(1);
            IntVector slots = (IntVector) lists.getDataVector();
            assertEquals(4, counts.getValueCount());
            assertEquals(2, counts.get(e));
            assertArrayEquals(new int[] {3, 2, -1, -1, -1, -1},
                    java.util.stream.IntStream.range(0, 6).map(i -> slots.get(e * 6 + i)).toArray());
            assertEquals(0, counts.get(0));
            assertEquals(-1, slots.get(0));
            // the whole-table segments are the same memory
            assertEquals(2, table.countsSegment().getAtIndex(ValueLayout.JAVA_INT, e));
            table.indicesSegment().setAtIndex(ValueLayout.JAVA_INT, e * 6 + 1, 77);
            assertArrayEquals(new int[] {3, 77}, table.get(1, 0, 0, 1));
            table.reset();
            assertFalse(table.has(1, 0, 0, 1));
            assertEquals(-1, slots.get(e * 6));
        }
    }

    @Test
    void badInputIsAClearErrorAndWritesNothing() {
        var e = assertThrows(IllegalArgumentException.class, () -> IndexTable.allocate(1, 1, 1, 1, 0));
        assertEquals("maxK: expected > 0 but got 0", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> IndexTable.allocate(32, 64, 1024, 8, 4096));
        assertTrue(e.getMessage().contains("exceeds one Arrow vector's limit"), e.getMessage());
        try (BufferAllocator parent = new RootAllocator()) {
            IndexTable table = IndexTable.allocate(2, 2, 1, 4, 5, parent);
            table.put(0, 1, 0, 3, new int[] {1, 2, 3});
            e = assertThrows(IllegalArgumentException.class, () -> table.put(0, 1, 0, 3, new int[] {4, 5}, 0));
            assertEquals("count: expected k in [1, maxK=5] but got 0", e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> table.put(0, 1, 0, 3, new int[6]));
            assertEquals("count: expected k in [1, maxK=5] but got 6", e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> table.put(0, 1, 0, 3, new int[2], 3));
            assertEquals("count: 3 exceeds indices.length 2", e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> table.put(0, 1, 0, 3, new int[] {4, -1}));
            assertTrue(e.getMessage().startsWith("indices[1] = -1 is negative"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> table.put(0, 1, 1, 3, new int[] {4}));
            assertEquals("tile: 1 out of range [0, 1)", e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> table.count(2, 0, 0, 0));
            assertEquals("layer: 2 out of range [0, 2)", e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> table.get(0, 1, 0, 3, new int[2]));
            assertEquals("dst: needs room for 3 indices but has 2", e.getMessage());
            assertArrayEquals(new int[] {1, 2, 3}, table.get(0, 1, 0, 3));
            MemorySegment seg = table.indicesSegment();
            table.close();
            assertEquals(0, parent.getAllocatedMemory());
            assertThrows(IllegalStateException.class, () -> seg.get(ValueLayout.JAVA_INT, 0));
            assertThrows(IllegalStateException.class, () -> table.get(0, 1, 0, 3));
        }
    }
}

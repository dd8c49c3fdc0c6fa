package dev.kascade.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Random;
import org.junit.jupiter.api.Test;

class RowTouchTest {
    /** The words RowTouch must load: the first 8 bytes of every 64-byte line of every selected row. */
    private static long expected(MemorySegment k, MemorySegment v, long rowBase, long rowBytes, int[] pos, int off, int nb) {
        long x = 0;
        for (int i = 0; i < nb; i++) {
            long p = (rowBase + pos[off + i]) * rowBytes;
            for (long c = 0; c < rowBytes; c += 64) {
                x += k.get(ValueLayout.JAVA_LONG_UNALIGNED, p + c);
                if (v != null) x += v.get(ValueLayout.JAVA_LONG_UNALIGNED, p + c);
            }
        }
        return x;
    }

    private static MemorySegment randomRows(Arena arena, Random rnd, long bytes) {
        MemorySegment m = arena.allocate(bytes, 64);
        for (long o = 0; o < bytes; o += 8) {
            m.set(ValueLayout.JAVA_LONG, o, rnd.nextLong());
        }
        return m;
    }

    @Test
    void loadsTheFirstWordOfEveryLineOfEverySelectedRow() {
        Random rnd = new Random(11);
        for (long rowBytes : new long[] {64, 128, 192, 256, 512}) {
            try (Arena arena = Arena.ofConfined()) {
                // two heads of 333 rows, the second head's rows through rowBase
                MemorySegment k = randomRows(arena, rnd, 2 * 333 * rowBytes);
                MemorySegment v = randomRows(arena, rnd, 2 * 333 * rowBytes);
                int[] pos = rnd.ints(0, 333).distinct().limit(37).sorted().toArray();
                for (long rowBase : new long[] {0, 333}) {
                    for (int nb : new int[] {1, 17, 32}) {
                        int off = 37 - nb;
                        assertEquals(expected(k, v, rowBase, rowBytes, pos, off, nb),
                                RowTouch.rows(k, v, rowBase, rowBytes, pos, off, nb), "K+V rowBytes " + rowBytes);
                        assertEquals(expected(k, null, rowBase, rowBytes, pos, off, nb),
                                RowTouch.rows(k, null, rowBase, rowBytes, pos, off, nb), "K only rowBytes " + rowBytes);
                    }
                }
                assertEquals(0, RowTouch.rows(k, v, 0, rowBytes, pos, 0, 0), "no rows, no loads");
            }
        }
    }

    @Test
    void rangeLoadsTheFirstWordOfEveryLineOfConsecutiveRows() {
        Random rnd = new Random(12);
        for (long rowBytes : new long[] {64, 128, 192, 256, 512}) {
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment k = randomRows(arena, rnd, 2 * 300 * rowBytes);
                MemorySegment v = randomRows(arena, rnd, 2 * 300 * rowBytes);
                for (long rowBase : new long[] {0, 300}) {
                    for (int nb : new int[] {0, 1, 3, 128}) {
                        int first = 171;
                        int[] pos = java.util.stream.IntStream.range(first, first + nb).toArray();
                        assertEquals(expected(k, v, rowBase, rowBytes, pos, 0, nb),
                                RowTouch.range(k, v, rowBase, rowBytes, first, nb), "K+V rowBytes " + rowBytes + ", " + nb);
                        assertEquals(expected(k, null, rowBase, rowBytes, pos, 0, nb),
                                RowTouch.range(k, null, rowBase, rowBytes, first, nb), "K only rowBytes " + rowBytes);
                    }
                }
                assertThrows(IndexOutOfBoundsException.class, () -> RowTouch.range(k, v, 300, rowBytes, 200, 101));
            }
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment k = arena.allocate(4 * 256, 64);
            var e = assertThrows(IllegalArgumentException.class, () -> RowTouch.range(k, null, 0, 100, 0, 1));
            assertTrue(e.getMessage().startsWith("rowBytes"), e.getMessage());
        }
    }

    @Test
    void badRowSizesAndPositionsOutsideTheSegmentAreErrorsNotCrashes() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment k = arena.allocate(10 * 256, 64);
            int[] pos = {0, 9, 10};
            var e = assertThrows(IllegalArgumentException.class, () -> RowTouch.rows(k, null, 0, 100, pos, 0, 1));
            assertTrue(e.getMessage().startsWith("rowBytes"), e.getMessage());
            assertThrows(IllegalArgumentException.class, () -> RowTouch.rows(k, null, 0, 0, pos, 0, 1));
            assertEquals(k.get(ValueLayout.JAVA_LONG, 9 * 256) + k.get(ValueLayout.JAVA_LONG, 9 * 256 + 64)
                    + k.get(ValueLayout.JAVA_LONG, 9 * 256 + 128) + k.get(ValueLayout.JAVA_LONG, 9 * 256 + 192),
                    RowTouch.rows(k, null, 0, 256, pos, 1, 1));
            assertThrows(IndexOutOfBoundsException.class, () -> RowTouch.rows(k, null, 0, 256, pos, 1, 2));
            assertThrows(IndexOutOfBoundsException.class, () -> RowTouch.rows(k, k, 1, 256, pos, 1, 1));
        }
    }
}

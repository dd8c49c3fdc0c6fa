package dev.kascade.tensor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class HugePagesTest {
    @Test
    void allocatedMemoryIsZeroedAlignedWritableAndBackedByHugePagesWhereSupported() {
        long bytes = 8 * HugePages.HUGE_PAGE + 12345; // not a whole number of huge pages
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment s = HugePages.allocate(arena, bytes);
            assertEquals(bytes, s.byteSize());
            assertTrue(s.isNative());
            for (long o = 0; o < bytes; o += 4096) assertEquals(0, s.get(ValueLayout.JAVA_BYTE, o), "fresh memory at " + o);
            assertEquals(0, s.get(ValueLayout.JAVA_BYTE, bytes - 1));
            // Random data round-trips over the whole range, up to the last byte.
            SplittableRandom r = new SplittableRandom(7);
            long[] offsets = new long[1000];
            byte[] values = new byte[offsets.length];
            for (int i = 0; i < offsets.length; i++) {
                offsets[i] = i == 0 ? bytes - 1 : r.nextLong(bytes);
                values[i] = (byte) (1 + r.nextInt(255));
                s.set(ValueLayout.JAVA_BYTE, offsets[i], values[i]);
            }
            for (int i = offsets.length - 1; i >= 0; i--) {
                boolean overwritten = false;
                for (int j = i + 1; j < offsets.length; j++) overwritten |= offsets[j] == offsets[i];
                if (!overwritten) assertEquals(values[i], s.get(ValueLayout.JAVA_BYTE, offsets[i]), "byte " + offsets[i]);
            }
            if (HugePages.supported()) {
                assertEquals(0, s.address() % HugePages.HUGE_PAGE, "a 2 MiB-aligned start");
                for (long o = 0; o < bytes; o += 4096) s.set(ValueLayout.JAVA_BYTE, o, (byte) 1);
                long huge = HugePages.backedBytes(s);
                // THP is best effort in the kernel; with the range marked before first touch it should give at
                // least one of the 8 whole huge pages.
                assertTrue(huge >= HugePages.HUGE_PAGE, "AnonHugePages of the mapping: " + huge + " bytes; "
                        + HugePages.status());
            }
            assertThrows(IndexOutOfBoundsException.class, () -> s.get(ValueLayout.JAVA_BYTE, bytes));
        }
    }

    @Test
    void statusNamesTheModeAndAdviceIsSafeOnAnyNativeSegment() {
        String status = HugePages.status();
        assertTrue(status.startsWith("transparent huge pages: "), status);
        assertEquals(HugePages.supported(), status.endsWith("(used for large K/V buffers)"), status);
        try (Arena arena = Arena.ofConfined()) {
            // Malloc'd memory: any alignment; advice covers only whole inner huge pages.
            MemorySegment big = arena.allocate(5 * HugePages.HUGE_PAGE, 64);
            assertEquals(HugePages.supported(), HugePages.advise(big), "5 MiB always hold a whole aligned 2 MiB page");
            big.fill((byte) 3);
            assertEquals(3, big.get(ValueLayout.JAVA_BYTE, big.byteSize() - 1));
            // Too small for a whole huge page, empty range, heap memory: refused, no crash.
            MemorySegment small = arena.allocate(1 << 20, 64);
            assertFalse(HugePages.advise(small));
            assertFalse(HugePages.advise(big, 0, 0));
            assertFalse(HugePages.advise(MemorySegment.ofArray(new byte[5 << 20])));
            assertFalse(HugePages.advise(big, 10, HugePages.HUGE_PAGE - 20));
        }
    }

    @Test
    void badArgumentsAreNamed() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment s = arena.allocate(4096, 64);
            var e = assertThrows(IllegalArgumentException.class, () -> HugePages.advise(null));
            assertTrue(e.getMessage().startsWith("segment"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> HugePages.advise(s, -1, 10));
            assertTrue(e.getMessage().startsWith("offset, length"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> HugePages.advise(s, 0, 4097));
            assertTrue(e.getMessage().startsWith("offset, length"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> HugePages.advise(s, 4000, -5));
            assertTrue(e.getMessage().startsWith("offset, length"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> HugePages.advise(s, 1, Long.MAX_VALUE));
            assertTrue(e.getMessage().startsWith("offset, length"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> HugePages.allocate(null, 10));
            assertTrue(e.getMessage().startsWith("arena"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> HugePages.allocate(arena, 0));
            assertTrue(e.getMessage().startsWith("bytes"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> HugePages.backedBytes(null));
            assertTrue(e.getMessage().startsWith("segment"), e.getMessage());
            assertEquals(-1, HugePages.backedBytes(MemorySegment.ofArray(new byte[8])));
        }
        // A closed arena: the allocation fails like Arena.allocate would, and leaks no mapping.
        Arena closed = Arena.ofShared();
        closed.close();
        assertThrows(IllegalStateException.class, () -> HugePages.allocate(closed, 8L << 20));
    }

    @Test
    void largeTensorsAndKvCachesAreMarkedAndStillZeroed() {
        try (Arena arena = Arena.ofShared()) {
            Tensor t = Tensor.allocate(arena, DType.BF16, 2, 1024, 2048); // 8 MiB
            for (long i = 0; i < t.size(); i += 997) assertEquals(0f, t.getFlat(i));
            t.setFlat(t.size() - 1, 1.5f);
            assertEquals(1.5f, t.getFlat(t.size() - 1));
            if (HugePages.supported()) {
                assertEquals(0, t.segment().address() % HugePages.HUGE_PAGE);
                t.segment().fill((byte) 0x3f);
                assertTrue(HugePages.backedBytes(t.segment()) >= HugePages.HUGE_PAGE, HugePages.status());
            }
            Tensor small = Tensor.allocate(arena, DType.F32, 3, 5);
            assertEquals(15, small.size());
            assertEquals(0f, small.getFlat(14));
        }
    }
}

package dev.kascade.tensor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Random;
import org.apache.arrow.memory.ArrowBuf;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.Float2Vector;
import org.apache.arrow.vector.Float4Vector;
import org.apache.arrow.vector.IntVector;
import org.apache.arrow.vector.UInt2Vector;
import org.junit.jupiter.api.Test;

class TensorViewsTest {
    private final Random rnd = new Random(11);

    @Test
    void arrowBufViewSharesMemoryBothWays() {
        try (BufferAllocator alloc = new RootAllocator(); ArrowBuf buf = alloc.buffer(3 * 5 * 4 + 16);
             Arena scope = Arena.ofConfined()) {
            Tensor t = TensorViews.of(buf, 16, scope, DType.F32, 3, 5);
            float v = (float) rnd.nextGaussian();
            t.set(v, 2, 4);
            assertEquals(v, buf.getFloat(16 + (2 * 5 + 4) * 4L), 0f);
            float w = (float) rnd.nextGaussian();
            buf.setFloat(16 + 7 * 4L, w);
            assertEquals(w, t.get(1, 2), 0f);
        }
    }

    @Test
    void vectorViewsShareMemoryForEveryDtype() {
        try (BufferAllocator alloc = new RootAllocator(); Arena scope = Arena.ofConfined()) {
            int n = 3 * 7;
            try (Float4Vector f32 = new Float4Vector("f32", alloc)) {
                f32.allocateNew(n);
                f32.setValueCount(n);
                for (int i = 0; i < n; i++) f32.setIndexDefined(i); // views write values, never validity
                Tensor t = TensorViews.of(f32, scope, DType.F32, 3, 7);
                float v = (float) rnd.nextGaussian();
                f32.set(17, v);
                assertEquals(v, t.get(2, 3), 0f);
                t.set(-v, 0, 1);
                assertEquals(-v, f32.get(1), 0f);
            }
            try (Float2Vector f16 = new Float2Vector("f16", alloc)) {
                f16.allocateNew(n);
                f16.setValueCount(n);
                for (int i = 0; i < n; i++) f16.setIndexDefined(i);
                Tensor t = TensorViews.of(f16, scope, DType.F16, 3, 7);
                float v = (float) rnd.nextGaussian();
                t.set(v, 2, 6);
                assertEquals(Float.floatToFloat16(v), f16.get(20));
                assertEquals(DType.F16.roundTrip(v), f16.getValueAsFloat(20), 0f);
            }
            try (UInt2Vector bf16 = new UInt2Vector("bf16", alloc)) {
                bf16.allocateNew(n);
                bf16.setValueCount(n);
                for (int i = 0; i < n; i++) bf16.setIndexDefined(i);
                Tensor t = TensorViews.of(bf16, scope, DType.BF16, 3, 7);
                float v = (float) rnd.nextGaussian();
                t.set(v, 1, 1);
                assertEquals(DType.floatToBf16(v) & 0xFFFF, bf16.get(8) & 0xFFFF);
                bf16.set(9, (char) (DType.floatToBf16(3.5f) & 0xFFFF));
                assertEquals(3.5f, t.get(1, 2), 0f);
            }
        }
    }

    @Test
    void viewsDieWithTheirScopeInsteadOfReadingFreedMemory() {
        try (BufferAllocator alloc = new RootAllocator()) {
            ArrowBuf buf = alloc.buffer(64);
            Arena scope = Arena.ofShared();
            Tensor t = TensorViews.of(buf, 0, scope, DType.F32, 16);
            t.setFlat(3, 1.5f);
            scope.close();
            assertThrows(IllegalStateException.class, () -> t.getFlat(3));
            buf.close();
            try (Arena other = Arena.ofConfined()) {
                var e = assertThrows(IllegalArgumentException.class, () -> TensorViews.of(buf, 0, other, DType.F32, 16));
                assertTrue(e.getMessage().contains("already released"), e.getMessage());
            }
        }
    }

    @Test
    void badViewsAreClearErrors() {
        try (BufferAllocator alloc = new RootAllocator(); ArrowBuf buf = alloc.buffer(64); Arena scope = Arena.ofConfined();
             IntVector ints = new IntVector("ints", alloc); Float4Vector f = new Float4Vector("f", alloc)) {
            assertEquals(64, buf.capacity());
            var e = assertThrows(IllegalArgumentException.class, () -> TensorViews.of(buf, 8, scope, DType.F32, 15));
            assertTrue(e.getMessage().contains("do not fit"), e.getMessage());
            assertThrows(IllegalArgumentException.class, () -> TensorViews.of(buf, -4, scope, DType.F32, 2));
            ints.allocateNew(4);
            ints.setValueCount(4);
            e = assertThrows(IllegalArgumentException.class, () -> TensorViews.of(ints, scope, DType.F32, 4));
            assertTrue(e.getMessage().contains("IntVector"), e.getMessage());
            f.allocateNew(6);
            f.setValueCount(6);
            e = assertThrows(IllegalArgumentException.class, () -> TensorViews.of(f, scope, DType.BF16, 6));
            assertTrue(e.getMessage().contains("holds f32"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> TensorViews.of(f, scope, DType.F32, 2, 4));
            assertTrue(e.getMessage().contains("has 6 values"), e.getMessage());
        }
    }

    @Test
    void sliceAndHeadAreViewsOfTheRightElements() {
        float[] data = new float[2 * 3 * 5];
        for (int i = 0; i < data.length; i++) data[i] = (float) rnd.nextGaussian();
        Tensor t = Tensor.wrap(data, 2, 3, 5);
        Tensor row = TensorViews.slice(t, 1, 2);
        assertArrayEquals(new long[] {5}, row.shape());
        for (int d = 0; d < 5; d++) assertEquals(t.get(1, 2, d), row.get(d), 0f);
        Tensor plane = TensorViews.slice(t, 1);
        Tensor top = TensorViews.head(plane, 2);
        assertArrayEquals(new long[] {2, 5}, top.shape());
        top.set(42f, 1, 4);
        assertEquals(42f, data[(1 * 3 + 1) * 5 + 4], 0f);
        assertThrows(IndexOutOfBoundsException.class, () -> TensorViews.slice(t, 2));
        assertThrows(IllegalArgumentException.class, () -> TensorViews.head(plane, 4));
        assertThrows(IllegalArgumentException.class, () -> TensorViews.slice(t, 0, 0, 0, 0));
    }

    @Test
    void copyConvertsEveryDtypePairLikeRoundTrip() {
        try (Arena arena = Arena.ofConfined()) {
            for (DType from : DType.values()) {
                for (DType to : DType.values()) {
                    Tensor src = Tensor.allocate(arena, from, 37);
                    Tensor dst = Tensor.allocate(arena, to, 41);
                    for (int i = 0; i < 37; i++) src.setFlat(i, (float) (rnd.nextGaussian() * 100));
                    TensorViews.copy(src, 3, dst, 2, 31);
                    for (int i = 0; i < 31; i++) {
                        assertEquals(to.roundTrip(src.getFlat(3 + i)), dst.getFlat(2 + i), 0f, from + "->" + to);
                    }
                    assertEquals(0f, dst.getFlat(1), 0f);
                    assertEquals(0f, dst.getFlat(33), 0f);
                    assertThrows(IndexOutOfBoundsException.class, () -> TensorViews.copy(src, 10, dst, 0, 28));
                    assertThrows(IndexOutOfBoundsException.class, () -> TensorViews.copy(src, 0, dst, 20, 22));
                }
            }
            MemorySegment seg = arena.allocate(8 * 4);
            Tensor a = Tensor.wrap(seg, DType.F32, 8);
            Tensor b = Tensor.wrap(seg, DType.F32, 2, 4);
            a.setFlat(6, 9f);
            assertEquals(9f, b.get(1, 2), 0f);
        }
    }
}

package dev.kascade.tensor;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;
import org.apache.arrow.memory.ArrowBuf;
import org.apache.arrow.vector.BaseFixedWidthVector;
import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.Float2Vector;
import org.apache.arrow.vector.Float4Vector;
import org.apache.arrow.vector.UInt2Vector;
import org.apache.arrow.vector.complex.FixedSizeListVector;

/**
 * Zero-copy {@link Tensor} views over Arrow memory, sub-tensor views, and dtype-converting copies.
 *
 * <p>Views over Arrow memory are bounded by a <em>scope</em>: an {@link Arena} that the owner of the Arrow
 * buffer closes <em>before</em> releasing the buffer. After that every access through the view throws
 * {@link IllegalStateException} instead of touching freed memory. The buffer must be open (reference count
 * above zero) when the view is made, and the view must fit inside the buffer's capacity.
 *
 * <p>Views over heap arrays and plain segments are {@link Tensor#wrap(float[], long...)} and
 * {@link Tensor#wrap(MemorySegment, DType, long...)}.
 */
public final class TensorViews {
    private TensorViews() {
    }

    /**
     * A view of {@code shape} elements of {@code dtype} starting {@code byteOffset} bytes into {@code buf}.
     *
     * @param scope closed by the buffer's owner before the buffer is released; the view dies with it
     * @throws IllegalArgumentException if the buffer is released or too small, or the offset is negative
     */
    @SuppressWarnings("restricted") // bounds and liveness are checked below, the lifetime is the scope's
    public static Tensor of(ArrowBuf buf, long byteOffset, Arena scope, DType dtype, long... shape) {
        if (buf == null) throw new IllegalArgumentException("buf: expected an ArrowBuf but got null");
        if (scope == null) throw new IllegalArgumentException("scope: expected the Arena that bounds the view's lifetime but got null");
        if (buf.refCnt() <= 0) {
            throw new IllegalArgumentException("buf: the ArrowBuf is already released (reference count "
                    + buf.refCnt() + "); a view would read freed memory");
        }
        long bytes = byteSize(dtype, shape);
        if (byteOffset < 0 || byteOffset > buf.capacity() - bytes) {
            throw new IllegalArgumentException("buf: " + bytes + " bytes at offset " + byteOffset + " for shape "
                    + Arrays.toString(shape) + " of " + dtype.label() + " do not fit an ArrowBuf of "
                    + buf.capacity() + " bytes");
        }
        // Bounds are checked above, the lifetime by the scope: the segment cannot outlive the arena.
        MemorySegment segment = MemorySegment.ofAddress(buf.memoryAddress() + byteOffset).reinterpret(bytes, scope, null);
        return Tensor.wrap(segment, dtype, shape);
    }

    /**
     * A view over the values of a fixed-width Arrow vector: {@link Float4Vector} (f32), {@link Float2Vector}
     * (f16), {@link UInt2Vector} (the 16 raw bits of bf16), or a {@link FixedSizeListVector} of one of those
     * (its child's values, row after row). The vector's element type must match {@code dtype} and its value
     * count must equal the number of elements in {@code shape}.
     */
    public static Tensor of(FieldVector vector, Arena scope, DType dtype, long... shape) {
        if (vector == null) throw new IllegalArgumentException("vector: expected an Arrow vector but got null");
        FieldVector values = vector instanceof FixedSizeListVector list ? list.getDataVector() : vector;
        DType stored = switch (values) {
            case Float4Vector ignored -> DType.F32;
            case Float2Vector ignored -> DType.F16;
            case UInt2Vector ignored -> DType.BF16;
            default -> throw new IllegalArgumentException("vector '" + vector.getName() + "': expected Float4Vector, "
                    + "Float2Vector or UInt2Vector values but got " + values.getClass().getSimpleName());
        };
        // UInt2 holds bf16 bits by this project's convention (Arrow has no bfloat16 type).
        if (stored != dtype) {
            throw new IllegalArgumentException("vector '" + vector.getName() + "': holds " + stored.label()
                    + " values (" + values.getClass().getSimpleName() + ") but a " + dtype.label() + " view was asked for");
        }
        long elements = elementCount(shape);
        if (values.getValueCount() != elements) {
            throw new IllegalArgumentException("vector '" + vector.getName() + "': has " + values.getValueCount()
                    + " values but shape " + Arrays.toString(shape) + " needs " + elements);
        }
        return of(((BaseFixedWidthVector) values).getDataBuffer(), 0, scope, dtype, shape);
    }

    /**
     * The sub-tensor at a leading coordinate: for {@code t} of shape {@code [a][b][c]} and {@code leading = (i, j)}
     * the view of shape {@code [c]} at {@code t[i][j]}. Shares memory with {@code t}.
     */
    public static Tensor slice(Tensor t, long... leading) {
        long[] shape = t.shape();
        if (leading.length > shape.length) {
            throw new IllegalArgumentException("leading: " + leading.length + " coordinates for a tensor of rank " + shape.length);
        }
        long start = 0;
        for (int i = 0; i < leading.length; i++) {
            if (leading[i] < 0 || leading[i] >= shape[i]) {
                throw new IndexOutOfBoundsException("coordinate " + i + " = " + leading[i] + " outside [0, " + shape[i] + ")");
            }
            start = start * shape[i] + leading[i];
        }
        long[] rest = Arrays.copyOfRange(shape, leading.length, shape.length);
        long inner = elementCount(rest);
        long elemBytes = t.dtype().byteSize();
        return Tensor.wrap(t.segment().asSlice(start * inner * elemBytes, inner * elemBytes), t.dtype(), rest);
    }

    /**
     * The first {@code rows} rows of {@code t} (along dimension 0) as a view of shape {@code [rows][...]}.
     */
    public static Tensor head(Tensor t, long rows) {
        long[] shape = t.shape();
        if (shape.length == 0) throw new IllegalArgumentException("t: a scalar tensor has no rows");
        if (rows < 0 || rows > shape[0]) {
            throw new IllegalArgumentException("rows: " + rows + " outside [0, " + shape[0] + "] for " + t);
        }
        shape[0] = rows;
        return Tensor.wrap(t.segment(), t.dtype(), shape);
    }

    /**
     * Copies {@code count} elements from {@code src} (flat index {@code srcIndex}) to {@code dst} (flat index
     * {@code dstIndex}), converting the storage type when the dtypes differ (rounding to nearest even when
     * narrowing). Same dtypes copy bytes; ranges are bounds-checked.
     */
    public static void copy(Tensor src, long srcIndex, Tensor dst, long dstIndex, long count) {
        if (count < 0) throw new IllegalArgumentException("count: expected >= 0 but got " + count);
        if (srcIndex < 0 || srcIndex > src.size() - count) {
            throw new IndexOutOfBoundsException("src: elements [" + srcIndex + ", " + (srcIndex + count) + ") outside " + src);
        }
        if (dstIndex < 0 || dstIndex > dst.size() - count) {
            throw new IndexOutOfBoundsException("dst: elements [" + dstIndex + ", " + (dstIndex + count) + ") outside " + dst);
        }
        if (src.dtype() == dst.dtype()) {
            long b = src.dtype().byteSize();
            MemorySegment.copy(src.segment(), srcIndex * b, dst.segment(), dstIndex * b, count * b);
            return;
        }
        convert(src.dtype(), src.segment(), srcIndex, dst.dtype(), dst.segment(), dstIndex, count);
    }

    private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED;
    private static final ValueLayout.OfShort I16 = ValueLayout.JAVA_SHORT_UNALIGNED;

    /*
     * Dtype conversion: one small method per (from, to) pair, so each is JIT-compiled on its own as a plain
     * counted loop without per-element dispatch (a shared method deoptimises as new pairs show up).
     * Traffic: n * (from + to bytes); bounds were checked by the caller.
     */
    private static void convert(DType from, MemorySegment s, long si, DType to, MemorySegment d, long di, long n) {
        switch (from) {
            case F32 -> {
                if (to == DType.F16) f32ToF16(s, si, d, di, n);
                else f32ToBf16(s, si, d, di, n);
            }
            case F16 -> {
                if (to == DType.F32) f16ToF32(s, si, d, di, n);
                else f16ToBf16(s, si, d, di, n);
            }
            case BF16 -> {
                if (to == DType.F32) bf16ToF32(s, si, d, di, n);
                else bf16ToF16(s, si, d, di, n);
            }
        }
    }

    private static void f32ToF16(MemorySegment s, long si, MemorySegment d, long di, long n) {
        for (long i = 0; i < n; i++) d.setAtIndex(I16, di + i, Float.floatToFloat16(s.getAtIndex(F32, si + i)));
    }

    private static void f32ToBf16(MemorySegment s, long si, MemorySegment d, long di, long n) {
        for (long i = 0; i < n; i++) d.setAtIndex(I16, di + i, DType.floatToBf16(s.getAtIndex(F32, si + i)));
    }

    private static void f16ToF32(MemorySegment s, long si, MemorySegment d, long di, long n) {
        for (long i = 0; i < n; i++) d.setAtIndex(F32, di + i, Float.float16ToFloat(s.getAtIndex(I16, si + i)));
    }

    private static void f16ToBf16(MemorySegment s, long si, MemorySegment d, long di, long n) {
        for (long i = 0; i < n; i++) {
            d.setAtIndex(I16, di + i, DType.floatToBf16(Float.float16ToFloat(s.getAtIndex(I16, si + i))));
        }
    }

    private static void bf16ToF32(MemorySegment s, long si, MemorySegment d, long di, long n) {
        for (long i = 0; i < n; i++) d.setAtIndex(F32, di + i, DType.bf16ToFloat(s.getAtIndex(I16, si + i)));
    }

    private static void bf16ToF16(MemorySegment s, long si, MemorySegment d, long di, long n) {
        for (long i = 0; i < n; i++) {
            d.setAtIndex(I16, di + i, Float.floatToFloat16(DType.bf16ToFloat(s.getAtIndex(I16, si + i))));
        }
    }

    private static long elementCount(long[] shape) {
        long n = 1;
        for (int i = 0; i < shape.length; i++) {
            if (shape[i] < 0) {
                throw new IllegalArgumentException("shape: dimension " + i + " is negative: " + Arrays.toString(shape));
            }
            n = Math.multiplyExact(n, shape[i]);
        }
        return n;
    }

    private static long byteSize(DType dtype, long[] shape) {
        if (dtype == null) throw new IllegalArgumentException("dtype: expected f32, f16 or bf16 but got null");
        return Math.multiplyExact(elementCount(shape), (long) dtype.byteSize());
    }
}

package dev.kascade.tensor;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;

/**
 * A dense row-major tensor over a {@link MemorySegment}: a shape, a storage {@link DType} and the bytes.
 * It never copies on construction; views over Arrow buffers, {@code float[]} and plain segments share
 * memory with their source. Element access converts to and from f32.
 *
 * <p>Layout: row-major (the last dimension is contiguous), no padding, little-endian, so the byte offset
 * of element {@code i} (flat index) is {@code i * dtype.byteSize()}.
 */
public final class Tensor {
    private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED;
    private static final ValueLayout.OfShort I16 = ValueLayout.JAVA_SHORT_UNALIGNED;

    private final MemorySegment segment;
    private final DType dtype;
    private final long[] shape;
    private final long size;

    private Tensor(MemorySegment segment, DType dtype, long[] shape) {
        this.dtype = dtype;
        this.shape = shape.clone();
        long n = 1;
        for (int i = 0; i < shape.length; i++) {
            if (shape[i] < 0) {
                throw new IllegalArgumentException("shape: dimension " + i + " is negative: " + Arrays.toString(shape));
            }
            n = Math.multiplyExact(n, shape[i]);
        }
        this.size = n;
        long bytes = Math.multiplyExact(n, (long) dtype.byteSize());
        if (segment.byteSize() < bytes) {
            throw new IllegalArgumentException("segment: " + segment.byteSize() + " bytes cannot hold shape "
                    + Arrays.toString(shape) + " of " + dtype.label() + " (" + bytes + " bytes needed)");
        }
        this.segment = segment.asSlice(0, bytes);
    }

    /** A view over existing memory (no copy). */
    public static Tensor wrap(MemorySegment segment, DType dtype, long... shape) {
        return new Tensor(segment, dtype, shape);
    }

    /** A zero-copy f32 view over a heap array. */
    public static Tensor wrap(float[] data, long... shape) {
        return new Tensor(MemorySegment.ofArray(data), DType.F32, shape);
    }

    /** Tensors of at least this many bytes get memory marked for transparent huge pages ({@link HugePages}). */
    public static final long HUGE_PAGE_THRESHOLD = 4L << 20;

    /**
     * Fresh zeroed memory from {@code arena}; the arena owns it. From {@link #HUGE_PAGE_THRESHOLD} bytes on, the
     * memory is 2 MiB aligned and asked for huge pages before first touch where the OS supports it (fewer TLB
     * misses for the random row gathers of sparse decode).
     */
    public static Tensor allocate(Arena arena, DType dtype, long... shape) {
        long n = 1;
        for (long s : shape) {
            n = Math.multiplyExact(n, s);
        }
        long bytes = Math.max(1, Math.multiplyExact(n, (long) dtype.byteSize()));
        MemorySegment memory = bytes >= HUGE_PAGE_THRESHOLD ? HugePages.allocate(arena, bytes) : arena.allocate(bytes, 64);
        return new Tensor(memory, dtype, shape);
    }

    public MemorySegment segment() {
        return segment;
    }

    public DType dtype() {
        return dtype;
    }

    public long[] shape() {
        return shape.clone();
    }

    public int rank() {
        return shape.length;
    }

    public long dim(int i) {
        return shape[i];
    }

    /** Number of elements. */
    public long size() {
        return size;
    }

    /** Element at flat index {@code i}, converted to f32. */
    public float getFlat(long i) {
        return switch (dtype) {
            case F32 -> segment.getAtIndex(F32, i);
            case F16 -> Float.float16ToFloat(segment.getAtIndex(I16, i));
            case BF16 -> DType.bf16ToFloat(segment.getAtIndex(I16, i));
        };
    }

    /** Stores {@code v} at flat index {@code i}, rounding to the storage type. */
    public void setFlat(long i, float v) {
        switch (dtype) {
            case F32 -> segment.setAtIndex(F32, i, v);
            case F16 -> segment.setAtIndex(I16, i, Float.floatToFloat16(v));
            case BF16 -> segment.setAtIndex(I16, i, DType.floatToBf16(v));
        }
    }

    /** Flat index of a full coordinate, bounds-checked per dimension. */
    public long index(long... coords) {
        if (coords.length != shape.length) {
            throw new IllegalArgumentException("coords: expected " + shape.length + " coordinates, got " + coords.length);
        }
        long idx = 0;
        for (int i = 0; i < coords.length; i++) {
            if (coords[i] < 0 || coords[i] >= shape[i]) {
                throw new IndexOutOfBoundsException("coordinate " + i + " = " + coords[i] + " outside [0, " + shape[i] + ")");
            }
            idx = idx * shape[i] + coords[i];
        }
        return idx;
    }

    public float get(long... coords) {
        return getFlat(index(coords));
    }

    public void set(float v, long... coords) {
        setFlat(index(coords), v);
    }

    /** Throws a clear error unless this tensor has exactly {@code expected} as its shape. */
    public Tensor requireShape(String name, long... expected) {
        if (!Arrays.equals(shape, expected)) {
            throw new IllegalArgumentException(name + ": expected shape " + Arrays.toString(expected)
                    + " but got " + Arrays.toString(shape));
        }
        return this;
    }

    /** Copies all elements into a new f32 array (tests and small tensors only). */
    public float[] toFloatArray() {
        if (size > Integer.MAX_VALUE - 8) {
            throw new IllegalStateException("tensor of " + size + " elements does not fit a Java array");
        }
        float[] out = new float[(int) size];
        for (int i = 0; i < out.length; i++) {
            out[i] = getFlat(i);
        }
        return out;
    }

    @Override
    public String toString() {
        return "Tensor" + Arrays.toString(shape) + " " + dtype.label();
    }
}

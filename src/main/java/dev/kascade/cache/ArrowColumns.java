package dev.kascade.cache;

import dev.kascade.tensor.DType;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.List;
import java.util.Map;
import org.apache.arrow.memory.ArrowBuf;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.vector.BaseFixedWidthVector;
import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.complex.FixedSizeListVector;
import org.apache.arrow.vector.types.FloatingPointPrecision;
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.FieldType;

/**
 * The Arrow column shapes this package stores: fixed-size lists of numbers whose child buffer is one dense,
 * row-major block (what a {@code Tensor} view and a GPU copy want), with every value valid.
 */
final class ArrowColumns {
    /** Name of the child field of every list column (Arrow's and pyarrow's default). */
    static final String ITEM = "item";

    private ArrowColumns() {
    }

    /** The Arrow type that stores one element of {@code dtype}: float32, float16, or uint16 holding bf16 bits. */
    static ArrowType elementType(DType dtype) {
        return switch (dtype) {
            case F32 -> new ArrowType.FloatingPoint(FloatingPointPrecision.SINGLE);
            case F16 -> new ArrowType.FloatingPoint(FloatingPointPrecision.HALF);
            case BF16 -> new ArrowType.Int(16, false);
        };
    }

    /** {@code name: fixed_size_list<item: elementType(dtype)>[width]}, not nullable; bf16 items say so in their metadata. */
    static Field tensorField(String name, DType dtype, int width) {
        Map<String, String> itemMeta = dtype == DType.BF16 ? Map.of(FileMetadata.DTYPE, DType.BF16.label()) : null;
        Field item = new Field(ITEM, new FieldType(false, elementType(dtype), null, itemMeta), null);
        return new Field(name, FieldType.notNullable(new ArrowType.FixedSizeList(width)), List.of(item));
    }

    /** {@code name: fixed_size_list<item: int32>[width]}, not nullable. */
    static Field intListField(String name, int width) {
        Field item = new Field(ITEM, FieldType.notNullable(new ArrowType.Int(32, true)), null);
        return new Field(name, FieldType.notNullable(new ArrowType.FixedSizeList(width)), List.of(item));
    }

    /** {@code name: int32}, not nullable. */
    static Field intField(String name) {
        return new Field(name, FieldType.notNullable(new ArrowType.Int(32, true)), null);
    }

    /** {@code name: bool}, not nullable. */
    static Field boolField(String name) {
        return new Field(name, FieldType.notNullable(ArrowType.Bool.INSTANCE), null);
    }

    /**
     * Allocates {@code rows} rows of a column, all valid and zeroed, with its value count set. For a fixed-size
     * list the child holds {@code rows * width} values; the caller has checked that this fits an int.
     */
    static FieldVector allocate(Field field, BufferAllocator allocator, int rows) {
        FieldVector vector = field.createVector(allocator);
        try {
            vector.setInitialCapacity(rows);
            vector.allocateNew();
            markAllValid(vector);
            vector.setValueCount(rows);
            return vector;
        } catch (RuntimeException e) {
            vector.close();
            throw e;
        }
    }

    /** Sets every validity bit and zeroes the values, recursively through list children. */
    static void markAllValid(FieldVector vector) {
        ArrowBuf validity = vector.getValidityBuffer();
        validity.setOne(0L, validity.capacity());
        if (vector instanceof FixedSizeListVector list) {
            markAllValid(list.getDataVector());
        } else if (vector instanceof BaseFixedWidthVector fixed) {
            ArrowBuf data = fixed.getDataBuffer();
            data.setZero(0L, data.capacity());
        }
    }

    /**
     * A segment over the first {@code bytes} bytes of {@code buf}, bounds- and liveness-checked. With a
     * {@code scope} the segment dies when the scope closes (its owner closes it before releasing the buffer);
     * without one the caller uses the segment only while it holds the buffer open.
     */
    @SuppressWarnings("restricted") // bounds and lifetime are checked here, see above
    static MemorySegment segment(ArrowBuf buf, long bytes, Arena scope) {
        if (buf.refCnt() <= 0) throw new IllegalStateException("Arrow buffer already released");
        if (bytes < 0 || buf.capacity() < bytes) {
            throw new IllegalArgumentException("Arrow buffer of " + buf.capacity() + " bytes cannot hold " + bytes + " bytes");
        }
        MemorySegment raw = MemorySegment.ofAddress(buf.memoryAddress());
        return scope == null ? raw.reinterpret(bytes) : raw.reinterpret(bytes, scope, null);
    }

    /** The dense value buffer of a fixed-width column, or of a fixed-size list column's child. */
    static ArrowBuf valueBuffer(FieldVector vector) {
        FieldVector values = vector instanceof FixedSizeListVector list ? list.getDataVector() : vector;
        return ((BaseFixedWidthVector) values).getDataBuffer();
    }

    /**
     * Checks that a schema has exactly the expected column names and types (nullability, child names and field
     * metadata aside).
     *
     * @throws IllegalArgumentException naming the first column that differs
     */
    static void requireFields(List<Field> found, List<Field> expected) {
        if (found.size() != expected.size()) {
            throw new IllegalArgumentException("schema has " + found.size() + " columns, expected " + expected.size()
                    + " (" + expected.stream().map(Field::getName).toList() + ")");
        }
        for (int i = 0; i < expected.size(); i++) {
            if (!sameShape(found.get(i), expected.get(i))) {
                throw new IllegalArgumentException("column " + i + ": expected " + describe(expected.get(i))
                        + " but found " + describe(found.get(i)));
            }
        }
    }

    /** Checks that every loaded column has {@code rows} rows and no nulls (its schema was checked before). */
    static void requireRows(List<FieldVector> found, int rows, String batch) {
        for (FieldVector vector : found) {
            if (vector.getValueCount() != rows) {
                throw new IllegalArgumentException(batch + "column '" + vector.getName() + "': has " + vector.getValueCount()
                        + " rows, expected " + rows + " from the shape metadata");
            }
            if (vector instanceof FixedSizeListVector list
                    && list.getDataVector().getValueCount() != (long) rows * list.getListSize()) {
                throw new IllegalArgumentException(batch + "column '" + vector.getName() + "': has "
                        + list.getDataVector().getValueCount() + " values, expected " + rows + " rows of " + list.getListSize());
            }
            requireNoNulls(vector);
        }
    }

    private static void requireNoNulls(FieldVector vector) {
        if (vector.getNullCount() != 0) {
            throw new IllegalArgumentException("column '" + vector.getName() + "': has " + vector.getNullCount()
                    + " null values; Kascade columns have none");
        }
        if (vector instanceof FixedSizeListVector list) requireNoNulls(list.getDataVector());
    }

    private static boolean sameShape(Field a, Field b) {
        if (!a.getName().equals(b.getName()) || !a.getType().equals(b.getType())) return false;
        if (a.getChildren().size() != b.getChildren().size()) return false;
        for (int i = 0; i < a.getChildren().size(); i++) {
            Field ca = a.getChildren().get(i);
            Field cb = b.getChildren().get(i);
            // Child names are free in Arrow (pyarrow writes "item", others "element"): compare types only.
            if (!ca.getType().equals(cb.getType()) || !ca.getChildren().isEmpty()) return false;
        }
        return true;
    }

    private static String describe(Field f) {
        StringBuilder sb = new StringBuilder("'").append(f.getName()).append("': ").append(f.getType());
        if (!f.getChildren().isEmpty()) {
            sb.append('<');
            for (Field c : f.getChildren()) sb.append(c.getType());
            sb.append('>');
        }
        return sb.toString();
    }
}

package dev.kascade.cache;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.types.pojo.Schema;

/**
 * The {@code index_table} file: the table's columns {@code count: int32} and
 * {@code indices: fixed_size_list<int32>[maxK]}, one row per entry in one record batch, with the shape
 * {@code [layers, batch, tiles, kv_heads, max_k]} in the schema metadata. See docs/arrow-formats.md.
 */
final class IndexTableFormat {
    static final String[] DIMS = {"layers", "batch", "tiles", "kv_heads", "max_k"};

    private IndexTableFormat() {
    }

    static void write(Path file, IndexTable table, SaveMode mode) throws IOException {
        if (table == null) throw new IllegalArgumentException("table: expected an IndexTable but got null");
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put(FileMetadata.SHAPE, FileMetadata.intList(shape(table)));
        meta.put(FileMetadata.DIMS, FileMetadata.nameList(DIMS));
        ArrowFileIO.write(file, mode, FileMetadata.KIND_INDEX_TABLE, meta, table.fields(),
                ArrowFileIO.single(table.fields(), table.vectors(), table.entries()));
    }

    static IndexTable read(Path file, BufferAllocator readAllocator, BufferAllocator allocator) throws IOException {
        return ArrowFileIO.read(file, FileMetadata.KIND_INDEX_TABLE, readAllocator, new Body(file, null) {
            @Override
            IndexTable target() {
                return allocator == null
                        ? IndexTable.allocate(shape[0], shape[1], shape[2], shape[3], shape[4])
                        : IndexTable.allocate(shape[0], shape[1], shape[2], shape[3], shape[4], allocator);
            }
        });
    }

    static void readInto(Path file, BufferAllocator readAllocator, IndexTable table) throws IOException {
        if (table == null) throw new IllegalArgumentException("table: expected an IndexTable but got null");
        if (table.isClosed()) throw new IllegalStateException("table: the IndexTable is closed");
        ArrowFileIO.read(file, FileMetadata.KIND_INDEX_TABLE, readAllocator, new Body(file, table) {
            @Override
            IndexTable target() {
                return table;
            }
        });
    }

    /** Checks an index_table file (one record batch) and copies it into {@link #target()}. */
    private abstract static class Body implements ArrowFileIO.FileBody<IndexTable> {
        private final Path file;
        private final IndexTable into;
        int[] shape;

        Body(Path file, IndexTable into) {
            this.file = file;
            this.into = into;
        }

        abstract IndexTable target();

        @Override
        public int expectBatches(Map<String, String> meta, Schema schema) {
            shape = FileMetadata.requireShape(meta.get(FileMetadata.SHAPE), DIMS);
            long entries = (long) shape[0] * shape[1] * shape[2] * shape[3];
            if (entries * shape[4] > Integer.MAX_VALUE) {
                throw new IllegalArgumentException("shape " + Arrays.toString(shape) + " holds more than "
                        + Integer.MAX_VALUE + " slots");
            }
            ArrowColumns.requireFields(schema.getFields(), List.of(ArrowColumns.intField(IndexTable.COUNT),
                    ArrowColumns.intListField(IndexTable.INDICES, shape[4])));
            if (into != null && !Arrays.equals(shape, shape(into))) {
                throw new MismatchedTargetException(file + ": holds an index_table " + Arrays.toString(shape) + " "
                        + Arrays.toString(DIMS) + " but the target table is " + Arrays.toString(shape(into))
                        + "; refusing to load into a mismatched table");
            }
            return 1;
        }

        @Override
        public void checkBatch(int index, VectorSchemaRoot root) {
            ArrowColumns.requireRows(root.getFieldVectors(), shape[0] * shape[1] * shape[2] * shape[3], "");
            checkEntries(root, shape);
        }

        @Override
        public IndexTable build(ArrowFileIO.Batches batches) throws IOException {
            VectorSchemaRoot root = batches.load(0);
            IndexTable table = target();
            try {
                copy(root, table);
                return table;
            } catch (RuntimeException e) {
                if (table != into) table.close();
                throw e;
            }
        }
    }

    private static int[] shape(IndexTable t) {
        return new int[] {t.layers(), t.batch(), t.tiles(), t.kvHeads(), t.maxK()};
    }

    /** Every count in [0, maxK] and every stored index non-negative. */
    private static void checkEntries(VectorSchemaRoot root, int[] s) {
        MemorySegment counts = values(root.getFieldVectors().get(0), (long) s[0] * s[1] * s[2] * s[3]);
        MemorySegment slots = values(root.getFieldVectors().get(1), (long) s[0] * s[1] * s[2] * s[3] * s[4]);
        long entries = counts.byteSize() / Integer.BYTES;
        for (long e = 0; e < entries; e++) {
            int n = counts.getAtIndex(ValueLayout.JAVA_INT, e);
            if (n < 0 || n > s[4]) {
                throw new IllegalArgumentException("column 'count': entry " + e + " holds " + n + ", outside [0, max_k=" + s[4] + "]");
            }
            for (int i = 0; i < n; i++) {
                int idx = slots.getAtIndex(ValueLayout.JAVA_INT, e * s[4] + i);
                if (idx < 0) {
                    throw new IllegalArgumentException("column 'indices': entry " + e + " slot " + i + " holds " + idx
                            + "; stored indices are >= 0");
                }
            }
        }
    }

    /** Copies counts and the stored indices; slots past each count become -1 whatever the file held. */
    private static void copy(VectorSchemaRoot root, IndexTable table) {
        MemorySegment counts = values(root.getFieldVectors().get(0), table.entries());
        MemorySegment slots = values(root.getFieldVectors().get(1), (long) table.entries() * table.maxK());
        MemorySegment dstCounts = table.countsSegment();
        MemorySegment dstSlots = table.indicesSegment();
        MemorySegment.copy(counts, 0, dstCounts, 0, counts.byteSize());
        MemorySegment.copy(slots, 0, dstSlots, 0, slots.byteSize());
        long maxK = table.maxK();
        for (long e = 0; e < table.entries(); e++) {
            int n = counts.getAtIndex(ValueLayout.JAVA_INT, e);
            dstSlots.asSlice((e * maxK + n) * Integer.BYTES, (maxK - n) * Integer.BYTES).fill((byte) 0xFF);
        }
    }

    /** The first {@code count} int32 values of a column (or of a list column's child), while the reader is open. */
    private static MemorySegment values(FieldVector column, long count) {
        return ArrowColumns.segment(ArrowColumns.valueBuffer(column), count * Integer.BYTES, null);
    }
}

package dev.kascade.cache;

import dev.kascade.tensor.DType;
import dev.kascade.tensor.Tensor;
import dev.kascade.tensor.TensorViews;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.arrow.memory.ArrowBuf;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.ipc.message.ArrowFieldNode;
import org.apache.arrow.vector.ipc.message.ArrowRecordBatch;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.Schema;

/**
 * The {@code kv_cache} file: columns {@code k_0, v_0, k_1, v_1, ...} of {@code fixed_size_list<T>[headDim]}, one row
 * per (sequence, KV head, position), in record batches that hold whole sequences (this writer: one batch per
 * sequence, so no Arrow vector exceeds one sequence of one layer), and in the schema metadata the
 * dtype, the shape {@code [layers, batch, kv_heads, capacity, head_dim]} and the lengths (layer-major,
 * {@code layers * batch} ints). See docs/arrow-formats.md.
 */
final class KvCacheFormat {
    static final String[] DIMS = {"layers", "batch", "kv_heads", "capacity", "head_dim"};

    private KvCacheFormat() {
    }

    static List<Field> fields(int layers, DType dtype, int headDim) {
        List<Field> fields = new ArrayList<>(2 * layers);
        for (int l = 0; l < layers; l++) {
            fields.add(ArrowColumns.tensorField(KvCache.keyColumn(l), dtype, headDim));
            fields.add(ArrowColumns.tensorField(KvCache.valueColumn(l), dtype, headDim));
        }
        return fields;
    }

    static void write(Path file, KvCache cache, SaveMode mode) throws IOException {
        if (cache == null) throw new IllegalArgumentException("cache: expected a KvCache but got null");
        if (cache.isClosed()) throw new IllegalStateException("cache: the KvCache is closed");
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put(FileMetadata.DTYPE, cache.dtype().label());
        meta.put(FileMetadata.SHAPE, FileMetadata.intList(shape(cache)));
        meta.put(FileMetadata.DIMS, FileMetadata.nameList(DIMS));
        int[] flat = new int[cache.layers() * cache.batch()];
        for (int l = 0; l < cache.layers(); l++) {
            System.arraycopy(cache.lengthsTable()[l], 0, flat, l * cache.batch(), cache.batch());
        }
        meta.put(FileMetadata.LENGTHS, FileMetadata.intList(flat));
        try (SequenceBatches source = new SequenceBatches(cache)) {
            ArrowFileIO.write(file, mode, FileMetadata.KIND_KV_CACHE, meta,
                    fields(cache.layers(), cache.dtype(), cache.headDim()), source);
        }
    }

    /**
     * Record batch {@code s} of a saved cache: sequence {@code s} of every column, the child values a zero-copy
     * slice of the layer's buffer, the validity bitmaps slices of one all-ones buffer.
     */
    static final class SequenceBatches implements ArrowFileIO.BatchSource, AutoCloseable {
        private final KvCache cache;
        private final BufferAllocator allocator;
        private final ArrowBuf ones;
        private final int rows;
        private final long values;
        private final long sequenceBytes;

        SequenceBatches(KvCache cache) {
            this.cache = cache;
            this.allocator = cache.allocator().newChildAllocator("kv-cache batches", 0, Long.MAX_VALUE);
            this.rows = cache.rowsPerSequence();
            this.values = (long) rows * cache.headDim();
            this.sequenceBytes = values * cache.dtype().byteSize();
            this.ones = allocator.buffer(bitmapBytes(values));
            ones.setOne(0L, ones.capacity());
        }

        /** Bytes of a validity bitmap for {@code n} values, padded to 8 bytes as Arrow IPC lays buffers out. */
        private static long bitmapBytes(long n) {
            return (n + 63) / 64 * 8;
        }

        @Override
        public BufferAllocator allocator() {
            return allocator;
        }

        @Override
        public int batches() {
            return cache.batch();
        }

        @Override
        public ArrowRecordBatch batch(int seq) {
            List<ArrowFieldNode> nodes = new ArrayList<>();
            List<ArrowBuf> buffers = new ArrayList<>();
            ArrowBuf listValidity = ones.slice(0, bitmapBytes(rows));
            ArrowBuf valueValidity = ones.slice(0, bitmapBytes(values));
            for (int l = 0; l < cache.layers(); l++) {
                for (boolean value : new boolean[] {false, true}) {
                    // VectorLoader order: the list's node and validity, then its child's node, validity and data.
                    nodes.add(new ArrowFieldNode(rows, 0));
                    nodes.add(new ArrowFieldNode(values, 0));
                    buffers.add(listValidity);
                    buffers.add(valueValidity);
                    buffers.add(cache.buffer(l, value).slice(seq * sequenceBytes, sequenceBytes));
                }
            }
            return new ArrowRecordBatch(rows, nodes, buffers);
        }

        @Override
        public void close() {
            ones.close();
            allocator.close();
        }
    }

    /** Loads a new cache; memory from a child of {@code allocator}, or the cache's own root when null. */
    static KvCache read(Path file, BufferAllocator readAllocator, BufferAllocator allocator) throws IOException {
        return ArrowFileIO.read(file, FileMetadata.KIND_KV_CACHE, readAllocator, new Body(file, null) {
            @Override
            KvCache target() {
                int[] s = header.shape;
                return allocator == null
                        ? KvCache.allocate(s[0], s[1], s[2], s[3], s[4], header.dtype)
                        : KvCache.allocate(s[0], s[1], s[2], s[3], s[4], header.dtype, allocator);
            }
        });
    }

    /** Loads into an existing cache of the same shape and dtype, replacing its contents and lengths. */
    static void readInto(Path file, BufferAllocator readAllocator, KvCache cache) throws IOException {
        if (cache == null) throw new IllegalArgumentException("cache: expected a KvCache but got null");
        if (cache.isClosed()) throw new IllegalStateException("cache: the KvCache is closed");
        ArrowFileIO.read(file, FileMetadata.KIND_KV_CACHE, readAllocator, new Body(file, cache) {
            @Override
            KvCache target() {
                return cache;
            }
        });
    }

    private static int[] shape(KvCache c) {
        return new int[] {c.layers(), c.batch(), c.kvHeads(), c.capacity(), c.headDim()};
    }

    /** Checks a kv_cache file and copies it into {@link #target()}. */
    private abstract static class Body implements ArrowFileIO.FileBody<KvCache> {
        private final Path file;
        private final KvCache into;
        Header header;

        Body(Path file, KvCache into) {
            this.file = file;
            this.into = into;
        }

        /** The cache to fill: a new one, or the given one (closed by the caller). */
        abstract KvCache target();

        @Override
        public int expectBatches(Map<String, String> meta, Schema schema) {
            header = Header.parse(meta, schema);
            if (into != null && (!Arrays.equals(header.shape, shape(into)) || header.dtype != into.dtype())) {
                throw new MismatchedTargetException(file + ": holds a kv_cache " + Arrays.toString(header.shape) + " "
                        + header.dtype.label() + " " + Arrays.toString(DIMS) + " but the target cache is "
                        + Arrays.toString(shape(into)) + " " + into.dtype().label()
                        + "; refusing to load into a mismatched cache");
            }
            return -1;
        }

        @Override
        public void checkBatch(int index, VectorSchemaRoot root) {
            int sequenceRows = header.shape[2] * header.shape[3];
            int rows = root.getRowCount();
            if (rows % sequenceRows != 0) {
                throw new IllegalArgumentException("record batch " + index + " has " + rows + " rows, not whole sequences of"
                        + " kv_heads * capacity = " + sequenceRows + " rows");
            }
            ArrowColumns.requireRows(root.getFieldVectors(), rows, "record batch " + index + ": ");
            sequencesSeen += rows / sequenceRows;
        }

        private long sequencesSeen;

        @Override
        public KvCache build(ArrowFileIO.Batches batches) throws IOException {
            int[] s = header.shape;
            if (sequencesSeen != s[1]) {
                throw new IllegalArgumentException("the record batches hold " + sequencesSeen + " sequences, expected batch = " + s[1]);
            }
            KvCache cache = target();
            try {
                long perSequence = (long) s[2] * s[3] * s[4];
                long at = 0;
                try (Arena arena = Arena.ofConfined()) {
                    for (int b = 0; at < (long) s[1] * perSequence; b++) {
                        VectorSchemaRoot root = batches.load(b);
                        List<FieldVector> columns = root.getFieldVectors();
                        long n = (long) root.getRowCount() * s[4];
                        for (int l = 0; l < s[0]; l++) {
                            copy(columns.get(2 * l), arena, n, cache.keys(l), at);
                            copy(columns.get(2 * l + 1), arena, n, cache.values(l), at);
                        }
                        at += n;
                    }
                }
                for (int l = 0; l < s[0]; l++) {
                    for (int b = 0; b < s[1]; b++) cache.setLength(l, b, header.lengths[l * s[1] + b]);
                }
                return cache;
            } catch (IOException | RuntimeException e) {
                if (cache != into) cache.close();
                throw e;
            }
        }

        private void copy(FieldVector column, Arena arena, long n, Tensor dst, long at) {
            Tensor src = TensorViews.of(column, arena, header.dtype, n);
            TensorViews.copy(src, 0, dst, at, n);
        }
    }

    /** The validated metadata of a kv_cache file, checked against its schema. */
    private record Header(int[] shape, DType dtype, int[] lengths) {
        static Header parse(Map<String, String> meta, Schema schema) {
            String dtypeText = meta.get(FileMetadata.DTYPE);
            if (dtypeText == null) throw new IllegalArgumentException("schema metadata has no '" + FileMetadata.DTYPE + "'");
            DType dtype = DType.parse(dtypeText);
            int[] shape = FileMetadata.requireShape(meta.get(FileMetadata.SHAPE), DIMS);
            if ((long) shape[2] * shape[3] * shape[4] > Integer.MAX_VALUE) {
                throw new IllegalArgumentException("shape " + Arrays.toString(shape) + " holds more than "
                        + Integer.MAX_VALUE + " elements per sequence and layer");
            }
            int[] lengths = FileMetadata.parseIntList(FileMetadata.LENGTHS, meta.get(FileMetadata.LENGTHS));
            if (lengths.length != (long) shape[0] * shape[1]) {
                throw new IllegalArgumentException("metadata '" + FileMetadata.LENGTHS + "' has " + lengths.length
                        + " entries, expected layers * batch = " + (long) shape[0] * shape[1]);
            }
            for (int i = 0; i < lengths.length; i++) {
                if (lengths[i] < 0 || lengths[i] > shape[3]) {
                    throw new IllegalArgumentException("metadata '" + FileMetadata.LENGTHS + "': layer " + i / shape[1]
                            + " seq " + i % shape[1] + " has length " + lengths[i] + " outside [0, capacity=" + shape[3] + "]");
                }
            }
            ArrowColumns.requireFields(schema.getFields(), fields(shape[0], dtype, shape[4]));
            return new Header(shape, dtype, lengths);
        }
    }
}

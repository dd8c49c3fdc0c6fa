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
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.types.pojo.Field;

/**
 * The {@code kv_cache} file: the cache's own columns {@code k_0, v_0, k_1, v_1, ...} as one record batch, and
 * in the schema metadata the dtype, the shape {@code [layers, batch, kv_heads, capacity, head_dim]} and the
 * lengths (layer-major, {@code layers * batch} ints). See docs/arrow-formats.md.
 */
final class KvCacheFormat {
    static final String[] DIMS = {"layers", "batch", "kv_heads", "capacity", "head_dim"};

    private KvCacheFormat() {
    }

    static void write(Path file, KvCache cache, SaveMode mode) throws IOException {
        if (cache == null) throw new IllegalArgumentException("cache: expected a KvCache but got null");
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put(FileMetadata.DTYPE, cache.dtype().label());
        meta.put(FileMetadata.SHAPE, FileMetadata.intList(shape(cache)));
        meta.put(FileMetadata.DIMS, FileMetadata.nameList(DIMS));
        int[] flat = new int[cache.layers() * cache.batch()];
        for (int l = 0; l < cache.layers(); l++) {
            System.arraycopy(cache.lengthsTable()[l], 0, flat, l * cache.batch(), cache.batch());
        }
        meta.put(FileMetadata.LENGTHS, FileMetadata.intList(flat));
        ArrowFileIO.write(file, mode, FileMetadata.KIND_KV_CACHE, meta, cache.fields(), cache.vectors(), cache.rows());
    }

    /** Loads a new cache; memory from a child of {@code allocator}, or the cache's own root when null. */
    static KvCache read(Path file, BufferAllocator readAllocator, BufferAllocator allocator) throws IOException {
        return ArrowFileIO.read(file, FileMetadata.KIND_KV_CACHE, readAllocator, (root, meta) -> {
            Header h = Header.parse(meta, root);
            KvCache cache = allocator == null
                    ? KvCache.allocate(h.shape[0], h.shape[1], h.shape[2], h.shape[3], h.shape[4], h.dtype)
                    : KvCache.allocate(h.shape[0], h.shape[1], h.shape[2], h.shape[3], h.shape[4], h.dtype, allocator);
            try {
                copy(root, h, cache);
                return cache;
            } catch (RuntimeException e) {
                cache.close();
                throw e;
            }
        });
    }

    /** Loads into an existing cache of the same shape and dtype, replacing its contents and lengths. */
    static void readInto(Path file, BufferAllocator readAllocator, KvCache cache) throws IOException {
        if (cache == null) throw new IllegalArgumentException("cache: expected a KvCache but got null");
        if (cache.isClosed()) throw new IllegalStateException("cache: the KvCache is closed");
        ArrowFileIO.read(file, FileMetadata.KIND_KV_CACHE, readAllocator, (root, meta) -> {
            Header h = Header.parse(meta, root);
            if (!Arrays.equals(h.shape, shape(cache)) || h.dtype != cache.dtype()) {
                throw new MismatchedTargetException(file + ": holds a kv_cache " + Arrays.toString(h.shape) + " "
                        + h.dtype.label() + " " + Arrays.toString(DIMS) + " but the target cache is "
                        + Arrays.toString(shape(cache)) + " " + cache.dtype().label()
                        + "; refusing to load into a mismatched cache");
            }
            copy(root, h, cache);
            return null;
        });
    }

    private static int[] shape(KvCache c) {
        return new int[] {c.layers(), c.batch(), c.kvHeads(), c.capacity(), c.headDim()};
    }

    private static void copy(VectorSchemaRoot root, Header h, KvCache cache) {
        List<FieldVector> columns = root.getFieldVectors();
        try (Arena arena = Arena.ofConfined()) {
            for (int l = 0; l < h.shape[0]; l++) {
                copyColumn(columns.get(2 * l), arena, h, cache.keys(l));
                copyColumn(columns.get(2 * l + 1), arena, h, cache.values(l));
            }
        }
        for (int l = 0; l < h.shape[0]; l++) {
            for (int s = 0; s < h.shape[1]; s++) cache.setLength(l, s, h.lengths[l * h.shape[1] + s]);
        }
    }

    private static void copyColumn(FieldVector column, Arena arena, Header h, Tensor dst) {
        Tensor src = TensorViews.of(column, arena, h.dtype, h.shape[1], h.shape[2], h.shape[3], h.shape[4]);
        TensorViews.copy(src, 0, dst, 0, dst.size());
    }

    /** The validated metadata of a kv_cache file, checked against the columns found. */
    private record Header(int[] shape, DType dtype, int[] lengths) {
        static Header parse(Map<String, String> meta, VectorSchemaRoot root) {
            String dtypeText = meta.get(FileMetadata.DTYPE);
            if (dtypeText == null) throw new IllegalArgumentException("schema metadata has no '" + FileMetadata.DTYPE + "'");
            DType dtype = DType.parse(dtypeText);
            int[] shape = FileMetadata.requireShape(meta.get(FileMetadata.SHAPE), DIMS);
            long rows = (long) shape[1] * shape[2] * shape[3];
            if (rows * shape[4] > Integer.MAX_VALUE) {
                throw new IllegalArgumentException("shape " + Arrays.toString(shape) + " holds more than "
                        + Integer.MAX_VALUE + " elements per layer");
            }
            int[] lengths = FileMetadata.parseIntList(FileMetadata.LENGTHS, meta.get(FileMetadata.LENGTHS));
            if (lengths.length != shape[0] * shape[1]) {
                throw new IllegalArgumentException("metadata '" + FileMetadata.LENGTHS + "' has " + lengths.length
                        + " entries, expected layers * batch = " + shape[0] * shape[1]);
            }
            for (int i = 0; i < lengths.length; i++) {
                if (lengths[i] < 0 || lengths[i] > shape[3]) {
                    throw new IllegalArgumentException("metadata '" + FileMetadata.LENGTHS + "': layer " + i / shape[1]
                            + " seq " + i % shape[1] + " has length " + lengths[i] + " outside [0, capacity=" + shape[3] + "]");
                }
            }
            List<Field> expected = new ArrayList<>(2 * shape[0]);
            for (int l = 0; l < shape[0]; l++) {
                expected.add(ArrowColumns.tensorField(KvCache.keyColumn(l), dtype, shape[4]));
                expected.add(ArrowColumns.tensorField(KvCache.valueColumn(l), dtype, shape[4]));
            }
            ArrowColumns.requireColumns(root.getFieldVectors(), expected, (int) rows);
            return new Header(shape, dtype, lengths);
        }
    }
}

package dev.kascade.cache;

import dev.kascade.algorithm.AnchorPlan;
import java.io.IOException;
import java.nio.file.Path;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;

/**
 * Saves and loads KV caches, index tables and anchor plans as Arrow IPC files (file format, one record
 * batch, standard Arrow types, marked by {@code kascade.*} schema metadata; schemas in
 * docs/arrow-formats.md). pyarrow reads them with no Kascade code.
 *
 * <p>Saving writes a temporary file beside the target and moves it into place; with
 * {@link SaveMode#CREATE_NEW} (the default) an existing file is never replaced. Loading checks the file
 * (Arrow magic, footer, batch bounds, kind, version, schema against the shape metadata, CRC-32C when
 * recorded) and throws {@link KascadeFileException} naming the file and the problem; loading into an
 * existing object of another shape or dtype throws {@link MismatchedTargetException}.
 */
public final class ArrowFiles {
    private ArrowFiles() {
    }

    /**
     * The schema-level metadata of an Arrow IPC file ({@code kascade.kind}, {@code kascade.shape}, ...) without
     * loading its data; empty for an Arrow file that has none. Checks only that it is an intact Arrow file.
     */
    public static java.util.Map<String, String> metadata(Path file) throws IOException {
        return ArrowFileIO.readMetadata(file);
    }

    // --- KV cache ---

    /** Saves {@code cache} to a new file; refuses to replace an existing one. */
    public static void save(Path file, KvCache cache) throws IOException {
        save(file, cache, SaveMode.CREATE_NEW);
    }

    public static void save(Path file, KvCache cache, SaveMode mode) throws IOException {
        KvCacheFormat.write(file, cache, mode);
    }

    /** Loads a new cache that owns its memory (close it). */
    public static KvCache loadKvCache(Path file) throws IOException {
        try (RootAllocator reading = new RootAllocator()) {
            return KvCacheFormat.read(file, reading, null);
        }
    }

    /** Loads a new cache whose memory comes from a child of {@code allocator}. */
    public static KvCache loadKvCache(Path file, BufferAllocator allocator) throws IOException {
        if (allocator == null) throw new IllegalArgumentException("allocator: expected a BufferAllocator but got null");
        return KvCacheFormat.read(file, allocator, allocator);
    }

    /** Replaces the contents and lengths of {@code cache} with the file's, which must have its shape and dtype. */
    public static void loadInto(Path file, KvCache cache) throws IOException {
        try (RootAllocator reading = new RootAllocator()) {
            KvCacheFormat.readInto(file, reading, cache);
        }
    }

    // --- index table ---

    public static void save(Path file, IndexTable table) throws IOException {
        save(file, table, SaveMode.CREATE_NEW);
    }

    public static void save(Path file, IndexTable table, SaveMode mode) throws IOException {
        IndexTableFormat.write(file, table, mode);
    }

    public static IndexTable loadIndexTable(Path file) throws IOException {
        try (RootAllocator reading = new RootAllocator()) {
            return IndexTableFormat.read(file, reading, null);
        }
    }

    public static IndexTable loadIndexTable(Path file, BufferAllocator allocator) throws IOException {
        if (allocator == null) throw new IllegalArgumentException("allocator: expected a BufferAllocator but got null");
        return IndexTableFormat.read(file, allocator, allocator);
    }

    /** Replaces every entry of {@code table} with the file's, which must have its shape. */
    public static void loadInto(Path file, IndexTable table) throws IOException {
        try (RootAllocator reading = new RootAllocator()) {
            IndexTableFormat.readInto(file, reading, table);
        }
    }

    // --- anchor plan (anchors + head mapping) ---

    public static void save(Path file, AnchorPlan plan) throws IOException {
        save(file, plan, SaveMode.CREATE_NEW);
    }

    public static void save(Path file, AnchorPlan plan, SaveMode mode) throws IOException {
        try (RootAllocator allocator = new RootAllocator()) {
            AnchorPlanFormat.write(file, plan, mode, allocator);
        }
    }

    public static AnchorPlan loadAnchorPlan(Path file) throws IOException {
        try (RootAllocator reading = new RootAllocator()) {
            return AnchorPlanFormat.read(file, reading);
        }
    }
}

package dev.kascade.cache;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kascade.algorithm.AnchorPlan;
import dev.kascade.tensor.DType;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.IntVector;
import org.apache.arrow.vector.VectorLoader;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.ipc.ArrowFileWriter;
import org.apache.arrow.vector.ipc.ArrowStreamWriter;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.Schema;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ArrowFilesTest {
    @TempDir
    Path dir;

    private final Random rnd = new Random(99);

    private KvCache randomCache(DType dt, int layers, int batch, int kvHeads, int cap, int headDim) {
        KvCache cache = KvCache.allocate(layers, batch, kvHeads, cap, headDim, dt);
        ArrowSamples.fillRandom(cache, rnd);
        return cache;
    }

    private static void assertSameCache(KvCache want, KvCache got) {
        assertEquals(want.toString(), got.toString());
        for (int l = 0; l < want.layers(); l++) {
            assertArrayEquals(want.lengths(l), got.lengths(l), "lengths of layer " + l);
            assertEquals(-1, want.keys(l).segment().mismatch(got.keys(l).segment()), "keys of layer " + l);
            assertEquals(-1, want.values(l).segment().mismatch(got.values(l).segment()), "values of layer " + l);
        }
    }

    @Test
    void kvCachesRoundTripBitExactForEveryDtype() throws IOException {
        int[][] shapes = {{1, 1, 1, 1, 1}, {3, 2, 4, 13, 64}, {2, 3, 8, 7, 128}};
        for (DType dt : DType.values()) {
            for (int[] s : shapes) {
                Path file = dir.resolve("kv-" + dt.label() + "-" + s[3] + ".arrow");
                try (KvCache cache = randomCache(dt, s[0], s[1], s[2], s[3], s[4])) {
                    ArrowFiles.save(file, cache);
                    try (KvCache loaded = ArrowFiles.loadKvCache(file)) {
                        assertSameCache(cache, loaded);
                    }
                    try (BufferAllocator parent = new RootAllocator()) {
                        try (KvCache loaded = ArrowFiles.loadKvCache(file, parent)) {
                            assertSameCache(cache, loaded);
                            assertTrue(parent.getAllocatedMemory() > 0);
                        }
                        assertEquals(0, parent.getAllocatedMemory(), "loading leaks nothing");
                    }
                    try (KvCache target = KvCache.allocate(s[0], s[1], s[2], s[3], s[4], dt)) {
                        ArrowFiles.loadInto(file, target);
                        assertSameCache(cache, target);
                    }
                }
            }
        }
    }

    @Test
    void indexTablesRoundTrip() throws IOException {
        Path file = dir.resolve("idx.arrow");
        try (IndexTable table = IndexTable.allocate(3, 2, 5, 4, 33)) {
            ArrowSamples.fillRandom(table, rnd);
            ArrowFiles.save(file, table);
            try (IndexTable loaded = ArrowFiles.loadIndexTable(file); IndexTable into = IndexTable.allocate(3, 2, 5, 4, 33)) {
                ArrowFiles.loadInto(file, into);
                for (IndexTable got : List.of(loaded, into)) {
                    assertEquals(table.toString(), got.toString());
                    assertEquals(-1, table.countsSegment().mismatch(got.countsSegment()));
                    assertEquals(-1, table.indicesSegment().mismatch(got.indicesSegment()));
                }
            }
        }
    }

    @Test
    void anchorPlansRoundTrip() throws IOException {
        for (int trial = 0; trial < 10; trial++) {
            AnchorPlan plan = HeadMappingTableTest.randomPlan(rnd, 1 + rnd.nextInt(36), 1 + rnd.nextInt(8));
            Path file = dir.resolve("plan" + trial + ".arrow");
            ArrowFiles.save(file, plan);
            assertEquals(plan, ArrowFiles.loadAnchorPlan(file));
        }
    }

    @Test
    void savingNeverReplacesAFileUnlessAsked() throws IOException {
        Path file = dir.resolve("cache.arrow");
        try (KvCache a = randomCache(DType.BF16, 1, 2, 2, 5, 4); KvCache b = randomCache(DType.BF16, 1, 2, 2, 5, 4)) {
            ArrowFiles.save(file, a);
            byte[] first = Files.readAllBytes(file);
            var e = assertThrows(FileAlreadyExistsException.class, () -> ArrowFiles.save(file, b));
            assertTrue(e.getMessage().contains("SaveMode.REPLACE"), e.getMessage());
            assertArrayEquals(first, Files.readAllBytes(file), "the existing file is untouched");
            Path plain = dir.resolve("notes.txt");
            Files.writeString(plain, "user data");
            assertThrows(FileAlreadyExistsException.class, () -> ArrowFiles.save(plain, AnchorPlan.identity(2, 2, 0)));
            assertEquals("user data", Files.readString(plain));

            ArrowFiles.save(file, b, SaveMode.REPLACE);
            try (KvCache loaded = ArrowFiles.loadKvCache(file)) {
                assertSameCache(b, loaded);
            }
            try (var files = Files.list(dir)) {
                assertEquals(List.of("cache.arrow", "notes.txt"), files.map(p -> p.getFileName().toString()).sorted().toList(),
                        "no temporary files are left behind");
            }
            assertThrows(NoSuchFileException.class, () -> ArrowFiles.save(dir.resolve("no/such/dir/x.arrow"), a));
            KvCache closed = KvCache.allocate(1, 1, 1, 1, 1, DType.F32);
            closed.close();
            var c = assertThrows(IllegalStateException.class, () -> ArrowFiles.save(dir.resolve("closed.arrow"), closed));
            assertEquals("cache: the KvCache is closed", c.getMessage());
            assertThrows(IllegalStateException.class, () -> ArrowFiles.loadInto(file, closed));
        }
    }

    private KascadeFileException assertBadFile(Path file, String expected) {
        var e = assertThrows(KascadeFileException.class, () -> ArrowFiles.loadKvCache(file).close());
        assertTrue(e.getMessage().startsWith(file + ": "), "names the file: " + e.getMessage());
        assertTrue(e.getMessage().contains(expected), "expected '" + expected + "' in: " + e.getMessage());
        assertEquals(file, e.file());
        return e;
    }

    @Test
    void nonArrowAndTruncatedFilesAreNamedErrors() throws IOException {
        Path text = dir.resolve("text.arrow");
        Files.writeString(text, "layer,seq,k\n0,0,1.5\n");
        assertBadFile(text, "not an Arrow IPC file");
        Path empty = dir.resolve("empty.arrow");
        Files.write(empty, new byte[0]);
        assertBadFile(empty, "not an Arrow IPC file");
        assertThrows(NoSuchFileException.class, () -> ArrowFiles.loadKvCache(dir.resolve("missing.arrow")));

        Path good = dir.resolve("good.arrow");
        try (KvCache cache = randomCache(DType.F16, 2, 2, 2, 9, 8)) {
            ArrowFiles.save(good, cache);
        }
        byte[] bytes = Files.readAllBytes(good);
        for (int cut : new int[] {bytes.length - 1, bytes.length - 6, bytes.length / 2, 12, 7}) {
            Path truncated = dir.resolve("cut" + cut + ".arrow");
            Files.write(truncated, java.util.Arrays.copyOf(bytes, cut));
            assertBadFile(truncated, "truncated or corrupt");
        }
        // An Arrow stream (not the file format).
        Path stream = dir.resolve("stream.arrow");
        try (IndexTable table = IndexTable.allocate(1, 1, 1, 1, 3);
             FileChannel ch = FileChannel.open(stream, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
             ArrowStreamWriter w = new ArrowStreamWriter(new VectorSchemaRoot(table.fields(), table.vectors(), 1), null, ch)) {
            w.start();
            w.writeBatch();
            w.end();
        }
        assertBadFile(stream, "not an Arrow IPC file");
    }

    /**
     * Flips bytes all over a valid file: every load either fails with a named {@link KascadeFileException} or
     * (a flip in padding) returns exactly the saved cache. Never a wrong cache, another exception, or a crash.
     */
    @Test
    void flippedBytesAreDetectedOrHarmless() throws IOException {
        Path good = dir.resolve("good.arrow");
        try (KvCache cache = randomCache(DType.BF16, 1, 1, 1, 3, 4)) {
            ArrowFiles.save(good, cache);
            byte[] bytes = Files.readAllBytes(good);
            Path bad = dir.resolve("bad.arrow");
            int detected = 0;
            for (int pos = 0; pos < bytes.length; pos += 9) {
                byte[] copy = bytes.clone();
                copy[pos] ^= (byte) (1 << (pos % 8));
                Files.write(bad, copy);
                try (KvCache loaded = ArrowFiles.loadKvCache(bad)) {
                    assertSameCache(cache, loaded);
                } catch (KascadeFileException e) {
                    assertTrue(e.getMessage().startsWith(bad + ": "), e.getMessage());
                    detected++;
                }
            }
            // Flips in padding, all-valid bitmaps and unused flatbuffer fields change nothing that loads; the rest
            // (magic, lengths, types, metadata, values) must be caught.
            assertTrue(detected > bytes.length / 9 / 4, "detected only " + detected + " of " + bytes.length / 9 + " flips");
        }
    }

    /** Writes an Arrow file with exactly these columns, batches and schema metadata (as a foreign tool would). */
    private static void writeRaw(Path file, Map<String, String> meta, List<Field> fields, ArrowFileIO.BatchSource source,
                                 int batches) throws IOException {
        try (BufferAllocator alloc = source.allocator().newChildAllocator("test", 0, Long.MAX_VALUE);
             VectorSchemaRoot root = VectorSchemaRoot.create(new Schema(fields, meta), alloc);
             FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
             ArrowFileWriter w = new ArrowFileWriter(root, null, ch)) {
            VectorLoader loader = new VectorLoader(root);
            w.start();
            for (int b = 0; b < batches; b++) {
                try (var batch = source.batch(b)) {
                    loader.load(batch);
                }
                w.writeBatch();
            }
            w.end();
        }
    }

    private static void writeRaw(Path file, Map<String, String> meta, List<Field> fields, List<FieldVector> vectors, int rows)
            throws IOException {
        writeRaw(file, meta, fields, ArrowFileIO.single(fields, vectors, rows), 1);
    }

    /** A cache's own batches under other metadata. */
    private static void writeRaw(Path file, Map<String, String> meta, KvCache cache, int batches) throws IOException {
        try (var source = new KvCacheFormat.SequenceBatches(cache)) {
            writeRaw(file, meta, KvCacheFormat.fields(cache.layers(), cache.dtype(), cache.headDim()), source, batches);
        }
    }

    private static Map<String, String> kvMeta(String version, String dtype, String shape, String lengths) {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("kascade.kind", "kv_cache");
        if (version != null) m.put("kascade.version", version);
        m.put("kascade.dtype", dtype);
        m.put("kascade.shape", shape);
        m.put("kascade.lengths", lengths);
        return m;
    }

    @Test
    void foreignWrongKindWrongVersionAndInconsistentFilesAreNamedErrors() throws IOException {
        try (KvCache cache = randomCache(DType.F32, 1, 2, 2, 5, 3)) {
            int n = 0;
            Path foreign = dir.resolve("f" + n++ + ".arrow");
            writeRaw(foreign, Map.of("pandas", "{}"), cache, 2);
            assertBadFile(foreign, "not a Kascade file");

            Path plan = dir.resolve("plan.arrow");
            ArrowFiles.save(plan, AnchorPlan.identity(3, 2, 0, 1));
            assertBadFile(plan, "holds a Kascade 'anchor_plan' file, expected 'kv_cache'");
            var e = assertThrows(KascadeFileException.class, () -> ArrowFiles.loadIndexTable(plan));
            assertTrue(e.getMessage().contains("expected 'index_table'"), e.getMessage());

            Path v2 = dir.resolve("f" + n++ + ".arrow");
            writeRaw(v2, kvMeta("2", "f32", "[1,2,2,5,3]", "[5,5]"), cache, 2);
            assertBadFile(v2, "format version 2 is not supported; this build reads version 1");
            Path noVersion = dir.resolve("f" + n++ + ".arrow");
            writeRaw(noVersion, kvMeta(null, "f32", "[1,2,2,5,3]", "[5,5]"), cache, 2);
            assertBadFile(noVersion, "format version null is not supported");

            // Without a checksum key the contents are checked against the shape and dtype metadata.
            String lengths = FileMetadata.intList(cache.lengths(0));
            Path ok = dir.resolve("f" + n++ + ".arrow");
            writeRaw(ok, kvMeta("1", "f32", "[1,2,2,5,3]", lengths), cache, 2);
            try (KvCache loaded = ArrowFiles.loadKvCache(ok)) {
                assertSameCache(cache, loaded);
            }
            Path oneBatch = dir.resolve("f" + n++ + ".arrow");
            writeRaw(oneBatch, kvMeta("1", "f32", "[1,2,2,5,3]", lengths), cache, 1);
            assertBadFile(oneBatch, "the record batches hold 1 sequences, expected batch = 2");
            String[][] bad = {
                {"f32", "[1,2,2,6,3]", "[5,5]", "record batch 0 has 10 rows, not whole sequences of kv_heads * capacity = 12 rows"},
                {"f32", "[1,2,2,5,4]", "[5,5]", "column 0: expected 'k_0': FixedSizeList(4)"},
                {"f32", "[2,2,2,5,3]", "[5,5,5,5]", "schema has 2 columns, expected 4"},
                {"f32", "[1,3,2,5,3]", "[5,5,5]", "the record batches hold 2 sequences, expected batch = 3"},
                {"bf16", "[1,2,2,5,3]", "[5,5]", "column 0: expected 'k_0': FixedSizeList(3)<Int(16, false)>"},
                {"f32", "[1,2,2,5,3]", "[5,6]", "seq 1 has length 6 outside [0, capacity=5]"},
                {"f32", "[1,2,2,5,3]", "[5]", "has 1 entries, expected layers * batch = 2"},
                {"f32", "[1,2,2,5]", "[5,5]", "has 4 dimensions"},
                {"f32", "[1,2,x,5,3]", "[5,5]", "entry 2 is not an int: 'x'"},
                {"f32", "[1,2,0,5,3]", "[5,5]", "kv_heads = 0 must be > 0"},
                {"int8", "[1,2,2,5,3]", "[5,5]", "dtype: expected one of f32, f16, bf16 but got 'int8'"},
            };
            for (String[] b : bad) {
                Path file = dir.resolve("f" + n++ + ".arrow");
                writeRaw(file, kvMeta("1", b[0], b[1], b[2]), cache, 2);
                assertBadFile(file, b[3]);
            }
        }
        // An index table whose counts exceed max_k, or whose stored indices are negative.
        try (IndexTable table = IndexTable.allocate(1, 1, 1, 2, 3)) {
            table.put(0, 0, 0, 1, new int[] {4, 5});
            Map<String, String> meta = Map.of("kascade.kind", "index_table", "kascade.version", "1", "kascade.shape", "[1,1,1,2,3]");
            ((IntVector) table.vectors().get(0)).set(0, 4);
            Path file = dir.resolve("idx-bad-count.arrow");
            writeRaw(file, meta, table.fields(), table.vectors(), table.entries());
            var e = assertThrows(KascadeFileException.class, () -> ArrowFiles.loadIndexTable(file));
            assertTrue(e.getMessage().contains("column 'count': entry 0 holds 4, outside [0, max_k=3]"), e.getMessage());
        }
    }

    @Test
    void invalidAnchorPlanFilesAreNamedErrors() throws IOException {
        AnchorPlan plan = AnchorPlan.identity(4, 2, 0, 2);
        Map<String, String> meta = Map.of("kascade.kind", "anchor_plan", "kascade.version", "1", "kascade.shape", "[4,2]");
        try (BufferAllocator alloc = new RootAllocator(); HeadMappingTable table = HeadMappingTable.fromPlan(plan, alloc)) {
            IntVector map = (IntVector) ((org.apache.arrow.vector.complex.FixedSizeListVector) table.vectors().get(3)).getDataVector();
            map.set(2 * 2, 1); // anchor layer 2 maps head 0 to head 1
            Path file = dir.resolve("plan-bad-identity.arrow");
            writeRaw(file, meta, table.fields(), table.vectors(), 4);
            var e = assertThrows(KascadeFileException.class, () -> ArrowFiles.loadAnchorPlan(file));
            assertTrue(e.getMessage().startsWith(file + ": headMap: anchor layer 2 must map head 0 to itself"), e.getMessage());
        }
        Path listed = dir.resolve("plan-bad-list.arrow");
        try (BufferAllocator alloc = new RootAllocator(); HeadMappingTable table = HeadMappingTable.fromPlan(plan, alloc)) {
            Map<String, String> m = new LinkedHashMap<>(meta);
            m.put("kascade.anchors", "[0,3]");
            writeRaw(listed, m, table.fields(), table.vectors(), 4);
        }
        var e = assertThrows(KascadeFileException.class, () -> ArrowFiles.loadAnchorPlan(listed));
        assertTrue(e.getMessage().contains("lists [0, 3] but column 'is_anchor' flags [0, 2]"), e.getMessage());
    }

    @Test
    void loadingIntoAMismatchedObjectIsRefusedAndLeavesItUntouched() throws IOException {
        Path file = dir.resolve("c.arrow");
        try (KvCache saved = randomCache(DType.F16, 2, 2, 2, 7, 4)) {
            ArrowFiles.save(file, saved);
        }
        for (KvCache target : List.of(KvCache.allocate(2, 2, 2, 7, 4, DType.BF16), KvCache.allocate(2, 2, 2, 8, 4, DType.F16))) {
            try (target) {
                target.setLength(1, 1, 3);
                target.keys(0).setFlat(0, 1.25f);
                var e = assertThrows(MismatchedTargetException.class, () -> ArrowFiles.loadInto(file, target));
                assertTrue(e.getMessage().startsWith(file + ": holds a kv_cache [2, 2, 2, 7, 4] f16"), e.getMessage());
                assertTrue(e.getMessage().contains("refusing to load into a mismatched cache"), e.getMessage());
                assertEquals(3, target.length(1, 1));
                assertEquals(1.25f, target.keys(0).getFlat(0), 0f);
            }
        }
        Path idx = dir.resolve("i.arrow");
        try (IndexTable saved = IndexTable.allocate(1, 2, 1, 2, 4); IndexTable target = IndexTable.allocate(1, 2, 1, 2, 5)) {
            saved.put(0, 1, 0, 1, new int[] {1, 2});
            ArrowFiles.save(idx, saved);
            target.put(0, 0, 0, 0, new int[] {7});
            var e = assertThrows(MismatchedTargetException.class, () -> ArrowFiles.loadInto(idx, target));
            assertTrue(e.getMessage().contains("refusing to load into a mismatched table"), e.getMessage());
            assertArrayEquals(new int[] {7}, target.get(0, 0, 0, 0));
        }
    }
}

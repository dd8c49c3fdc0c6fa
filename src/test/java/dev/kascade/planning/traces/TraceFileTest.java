package dev.kascade.planning.traces;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kascade.planning.CalibrationRecorder;
import dev.kascade.planning.CalibrationSettings;
import dev.kascade.planning.CalibrationStats;
import dev.kascade.tensor.DType;
import dev.kascade.tensor.Tensor;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.BitVector;
import org.apache.arrow.vector.Float4Vector;
import org.apache.arrow.vector.IntVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.complex.FixedSizeListVector;
import org.apache.arrow.vector.ipc.ArrowFileWriter;
import org.apache.arrow.vector.ipc.ArrowStreamWriter;
import org.apache.arrow.vector.ipc.ArrowWriter;
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.FieldType;
import org.apache.arrow.vector.types.pojo.Schema;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TraceFileTest {
    @TempDir
    Path dir;

    private static final TraceHeader H32 = new TraceHeader(2, 4, 2, 8, 6, DType.F32, "test");

    private static List<TraceLayer> randomPrompt(TraceHeader h, int prompt, int tokens, int prefill, Random rnd) {
        List<TraceLayer> out = new ArrayList<>();
        for (int l = 0; l < h.layers(); l++) {
            out.add(new TraceLayer(prompt, l, prefill,
                    Tensor.wrap(random(tokens * h.qHeads() * h.headDim(), rnd), tokens, h.qHeads(), h.headDim()),
                    Tensor.wrap(random(tokens * h.kvHeads() * h.headDim(), rnd), tokens, h.kvHeads(), h.headDim()),
                    Tensor.wrap(random(tokens * h.hidden(), rnd), tokens, h.hidden()),
                    Tensor.wrap(random(tokens * h.hidden(), rnd), tokens, h.hidden())));
        }
        return out;
    }

    private static float[] random(int n, Random rnd) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) a[i] = (float) rnd.nextGaussian();
        return a;
    }

    @Test
    void roundTripKeepsShapesValuesAndPromptBoundaries() throws IOException {
        for (DType storage : new DType[] {DType.F32, DType.F16}) {
            TraceHeader h = new TraceHeader(2, 4, 2, 8, 6, storage, "round trip");
            Random rnd = new Random(5);
            List<TraceLayer> written = new ArrayList<>();
            written.addAll(randomPrompt(h, 0, 37, 30, rnd));
            written.addAll(randomPrompt(h, 1, 21, 21, rnd));
            Path file = dir.resolve("rt-" + storage.label() + ".arrow");
            try (TraceWriter w = TraceWriter.create(file, h)) {
                for (TraceLayer t : written) w.write(t);
                assertEquals(2, w.promptsWritten());
            }
            try (TraceReader r = TraceReader.open(file)) {
                assertEquals(h, r.header());
                assertEquals(2, r.promptCount());
                for (TraceLayer expected : written) {
                    assertTrue(r.next());
                    TraceLayer got = r.current();
                    assertEquals(expected.prompt(), got.prompt());
                    assertEquals(expected.layer(), got.layer());
                    assertEquals(expected.prefillTokens(), got.prefillTokens());
                    assertEquals(storage, got.queries().dtype());
                    assertSame(expected.queries(), got.queries(), storage);
                    assertSame(expected.keys(), got.keys(), storage);
                    assertSame(expected.residual(), got.residual(), storage);
                    assertSame(expected.attentionOutput(), got.attentionOutput(), storage);
                }
                assertFalse(r.next());
                assertEquals(2, r.promptsDone());
            }
        }
    }

    private static void assertSame(Tensor expected, Tensor got, DType storage) {
        assertArrayEquals(expected.shape(), got.shape());
        float[] e = expected.toFloatArray();
        for (int i = 0; i < e.length; i++) e[i] = storage.roundTrip(e[i]);
        assertArrayEquals(e, got.toFloatArray());
    }

    /** The statistics from a file equal those from feeding the recorder directly (streaming loses nothing). */
    @Test
    void calibrationFromAFileEqualsTheRecorderFedDirectly() throws IOException {
        Random rnd = new Random(9);
        TraceHeader h = new TraceHeader(3, 4, 2, 8, 6, DType.F32, "");
        List<List<TraceLayer>> prompts = List.of(randomPrompt(h, 0, 29, 25, rnd), randomPrompt(h, 1, 23, 23, rnd));
        Path file = dir.resolve("stats.arrow");
        try (TraceWriter w = TraceWriter.create(file, h)) {
            for (List<TraceLayer> p : prompts) for (TraceLayer t : p) w.write(t);
        }
        CalibrationSettings s = new CalibrationSettings(3, 4, 2, 8, 6, 4, 4, 3);
        CalibrationRecorder rec = new CalibrationRecorder(s);
        for (List<TraceLayer> p : prompts) {
            rec.beginPrompt(p.get(0).tokens(), p.get(0).prefillTokens());
            for (TraceLayer t : p) rec.recordLayer(t.layer(), t.queries(), t.keys(), t.residual(), t.attentionOutput());
            rec.endPrompt();
        }
        CalibrationStats direct = rec.statistics();
        int[] calls = {0};
        CalibrationStats fromFile = TraceCalibration.run(file, 4, 4, 3, (done, total) -> {
            calls[0]++;
            assertEquals(2, total);
        });
        assertEquals(2, calls[0], "progress once per prompt");
        for (int a = 0; a < 3; a++) {
            assertEquals(direct.importance(a), fromFile.importance(a));
            for (int b = a; b < 3; b++) {
                for (int gb = 0; gb < 2; gb++) {
                    for (int ga = 0; ga < 2; ga++) assertEquals(direct.recovery(a, b, gb, ga), fromFile.recovery(a, b, gb, ga));
                }
            }
        }
    }

    /** Exporters may write the IPC stream format instead of the file format; both are read. */
    @Test
    void streamFormatIsReadToo() throws IOException {
        Path file = dir.resolve("stream.arrows");
        writeRaw(file, TraceFormat.schema(H32), new int[][] {{7, 0, 12, 10}, {7, 1, 12, 10}, {8, 0, 9, 9}, {8, 1, 9, 9}}, true);
        try (TraceReader r = TraceReader.open(file)) {
            assertEquals(-1, r.promptCount());
            int batches = 0;
            while (r.next()) {
                batches++;
                assertEquals(0.5f, r.current().keys().get(3, 1, 7));
            }
            assertEquals(4, batches);
            assertEquals(2, r.promptsDone());
        }
    }

    @Test
    void emptyTracesAreRejected() throws IOException {
        Path file = dir.resolve("empty.arrow");
        TraceWriter.create(file, H32).close();
        var e = assertThrows(IllegalArgumentException.class, () -> TraceCalibration.run(file, 4, 4, 3, null));
        assertTrue(e.getMessage().contains("no prompts"), e.getMessage());
    }

    @Test
    void promptsTooShortForKAreRejected() throws IOException {
        Path file = dir.resolve("short.arrow");
        try (TraceWriter w = TraceWriter.create(file, H32)) {
            for (TraceLayer t : randomPrompt(H32, 0, 10, 10, new Random(1))) w.write(t);
        }
        var e = assertThrows(IllegalArgumentException.class, () -> TraceCalibration.run(file, 64, 32, 32, null));
        assertTrue(e.getMessage().contains("k = 64"), e.getMessage());
    }

    @Test
    void truncatedPromptIsRejected() throws IOException {
        Path file = dir.resolve("truncated.arrow");
        TraceWriter w = TraceWriter.create(file, H32);
        w.write(randomPrompt(H32, 0, 12, 12, new Random(1)).get(0));
        var closing = assertThrows(IllegalStateException.class, w::close);
        assertTrue(closing.getMessage().contains("incomplete"), closing.getMessage());
        var e = assertThrows(IllegalArgumentException.class, () -> TraceCalibration.run(file, 4, 4, 3, null));
        assertTrue(e.getMessage().contains("truncated"), e.getMessage());
    }

    @Test
    void writerRejectsInconsistentLayers() throws IOException {
        Path file = dir.resolve("inconsistent-writer.arrow");
        try (TraceWriter w = TraceWriter.create(file, H32)) {
            List<TraceLayer> a = randomPrompt(H32, 0, 12, 12, new Random(1));
            List<TraceLayer> b = randomPrompt(H32, 0, 13, 13, new Random(1));
            var e = assertThrows(IllegalArgumentException.class, () -> w.write(a.get(1)));
            assertTrue(e.getMessage().contains("expected layer 0"), e.getMessage());
            w.write(a.get(0));
            e = assertThrows(IllegalArgumentException.class, () -> w.write(b.get(1)));
            assertTrue(e.getMessage().contains("12 tokens"), e.getMessage());
            TraceLayer wrongKeys = new TraceLayer(0, 1, 12, a.get(1).queries(), a.get(1).queries(), a.get(1).residual(),
                    a.get(1).attentionOutput());
            e = assertThrows(IllegalArgumentException.class, () -> w.write(wrongKeys));
            assertTrue(e.getMessage().startsWith("keys"), e.getMessage());
            w.write(a.get(1));
        }
    }

    /** A file written with plain Arrow (as another framework would) whose layer 1 has a different length. */
    @Test
    void readerRejectsInconsistentShapesAndOrder() throws IOException {
        Path file = dir.resolve("inconsistent.arrow");
        writeRaw(file, TraceFormat.schema(H32), new int[][] {{0, 0, 12, 12}, {0, 1, 11, 11}});
        var e = assertThrows(IllegalArgumentException.class, () -> TraceCalibration.run(file, 4, 4, 3, null));
        assertTrue(e.getMessage().contains("inconsistent shapes"), e.getMessage());

        Path order = dir.resolve("order.arrow");
        writeRaw(order, TraceFormat.schema(H32), new int[][] {{0, 1, 12, 12}});
        e = assertThrows(IllegalArgumentException.class, () -> TraceCalibration.run(order, 4, 4, 3, null));
        assertTrue(e.getMessage().contains("layer 0 was expected"), e.getMessage());

        Path decode = dir.resolve("decode.arrow");
        writeRaw(decode, TraceFormat.schema(H32), new int[][] {{0, 0, 12, -1}});
        e = assertThrows(IllegalArgumentException.class, () -> TraceCalibration.run(decode, 4, 4, 3, null));
        assertTrue(e.getMessage().contains("suffix"), e.getMessage());
    }

    @Test
    void foreignAndUnreadableFilesAreRejected() throws IOException {
        Path foreign = dir.resolve("foreign.arrow");
        Schema plain = new Schema(List.of(new Field("x", FieldType.notNullable(new ArrowType.Int(32, true)), null)));
        writeRaw(foreign, plain, new int[0][]);
        var e = assertThrows(IllegalArgumentException.class, () -> TraceReader.open(foreign));
        assertTrue(e.getMessage().contains("not a Kascade trace file"), e.getMessage());

        Schema bad = TraceFormat.schema(H32);
        Map<String, String> meta = new java.util.HashMap<>(bad.getCustomMetadata());
        meta.put(TraceFormat.HEAD_DIM, "16");
        writeRaw(dir.resolve("lying.arrow"), new Schema(bad.getFields(), meta), new int[0][]);
        e = assertThrows(IllegalArgumentException.class, () -> TraceReader.open(dir.resolve("lying.arrow")));
        assertTrue(e.getMessage().contains("q_heads * head_dim"), e.getMessage());

        Path text = dir.resolve("text.arrow");
        Files.writeString(text, "this is not arrow");
        var io = assertThrows(IOException.class, () -> TraceReader.open(text));
        assertTrue(io.getMessage().contains("not a readable Arrow IPC"), io.getMessage());
        Path fakeMagic = dir.resolve("fake.arrow");
        Files.writeString(fakeMagic, "ARROW1 but nothing after");
        assertThrows(IOException.class, () -> TraceReader.open(fakeMagic));

        assertThrows(NoSuchFileException.class, () -> TraceReader.open(dir.resolve("missing.arrow")));
        assertThrows(NoSuchFileException.class, () -> TraceReader.open(dir));
    }

    /** Writes batches {prompt, layer, tokens, prefill (-1: every token marked decode)} with plain Arrow calls. */
    static void writeRaw(Path path, Schema schema, int[][] batches) throws IOException {
        writeRaw(path, schema, batches, false);
    }

    static void writeRaw(Path path, Schema schema, int[][] batches, boolean stream) throws IOException {
        try (BufferAllocator alloc = new RootAllocator();
             VectorSchemaRoot root = VectorSchemaRoot.create(schema, alloc);
             FileChannel ch = FileChannel.open(path, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                     StandardOpenOption.TRUNCATE_EXISTING);
             ArrowWriter w = stream ? new ArrowStreamWriter(root, null, ch) : new ArrowFileWriter(root, null, ch)) {
            w.start();
            for (int[] b : batches) {
                int rows = b[2];
                int prefill = b[3] < 0 ? 0 : b[3];
                root.clear();
                ints(root, TraceFormat.COL_PROMPT, rows, i -> b[0]);
                ints(root, TraceFormat.COL_LAYER, rows, i -> b[1]);
                ints(root, TraceFormat.COL_POSITION, rows, i -> i);
                BitVector d = (BitVector) root.getVector(TraceFormat.COL_DECODE);
                d.allocateNew(rows);
                // prefill < 0 marks the first token decode and the rest prompt: not a suffix
                for (int i = 0; i < rows; i++) d.set(i, b[3] < 0 ? (i == 0 ? 1 : 0) : (i >= prefill ? 1 : 0));
                d.setValueCount(rows);
                for (String col : List.of(TraceFormat.COL_QUERIES, TraceFormat.COL_KEYS, TraceFormat.COL_RESIDUAL,
                        TraceFormat.COL_ATTN_OUT)) {
                    FixedSizeListVector v = (FixedSizeListVector) root.getVector(col);
                    v.setInitialCapacity(rows);
                    v.allocateNew();
                    for (int i = 0; i < rows; i++) v.setNotNull(i);
                    Float4Vector f = (Float4Vector) v.getDataVector();
                    for (int i = 0; i < rows * v.getListSize(); i++) f.set(i, 0.5f);
                    f.setValueCount(rows * v.getListSize());
                    v.setValueCount(rows);
                }
                root.setRowCount(rows);
                w.writeBatch();
            }
            w.end();
        }
    }

    private static void ints(VectorSchemaRoot root, String col, int rows, java.util.function.IntUnaryOperator f) {
        IntVector v = (IntVector) root.getVector(col);
        v.allocateNew(rows);
        for (int i = 0; i < rows; i++) v.set(i, f.applyAsInt(i));
        v.setValueCount(rows);
    }
}

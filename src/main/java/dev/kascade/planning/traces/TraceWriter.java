package dev.kascade.planning.traces;

import dev.kascade.tensor.TensorViews;
import dev.kascade.tensor.Tensor;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.BitVector;
import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.IntVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.complex.FixedSizeListVector;
import org.apache.arrow.vector.ipc.ArrowFileWriter;

/**
 * Writes a trace file (Arrow IPC file format, layout in {@link TraceFormat}): one record batch per
 * (prompt, layer), so only one layer of one prompt is in memory at a time. Layers of a prompt must be
 * written in forward order {@code 0..L-1} before the next prompt starts.
 */
public final class TraceWriter implements AutoCloseable {
    private final TraceHeader header;
    private final BufferAllocator allocator;
    private final FileChannel channel;
    private final VectorSchemaRoot root;
    private final ArrowFileWriter writer;
    private int expectedLayer;
    private int currentPrompt = Integer.MIN_VALUE;
    private int currentTokens;
    private int currentPrefill;
    private int promptsWritten;

    private TraceWriter(TraceHeader header, Path path) throws IOException {
        this.header = header;
        this.allocator = new RootAllocator();
        FileChannel ch = null;
        VectorSchemaRoot r = null;
        try {
            ch = FileChannel.open(path, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE);
            r = VectorSchemaRoot.create(TraceFormat.schema(header), allocator);
            this.writer = new ArrowFileWriter(r, null, ch);
            this.writer.start();
        } catch (IOException | RuntimeException e) {
            if (r != null) r.close();
            if (ch != null) ch.close();
            allocator.close();
            throw e;
        }
        this.channel = ch;
        this.root = r;
    }

    /** Creates (or truncates) {@code path} and writes the schema. */
    public static TraceWriter create(Path path, TraceHeader header) throws IOException {
        if (path == null) throw new IllegalArgumentException("path: expected a file path but got null");
        if (header == null) throw new IllegalArgumentException("header: expected a TraceHeader but got null");
        return new TraceWriter(header, path);
    }

    public TraceHeader header() {
        return header;
    }

    /** Prompts completed so far. */
    public int promptsWritten() {
        return promptsWritten;
    }

    /** Appends one layer of one prompt as a record batch. */
    public void write(TraceLayer t) throws IOException {
        int tokens = t.tokens();
        if (t.layer() != expectedLayer) {
            throw new IllegalArgumentException("layer: expected layer " + expectedLayer + " of prompt "
                    + (expectedLayer == 0 ? "(new)" : currentPrompt) + " next but got " + t.layer());
        }
        if (expectedLayer == 0) {
            if (t.prompt() == currentPrompt) {
                throw new IllegalArgumentException("prompt: id " + t.prompt() + " was already written; prompts must be contiguous");
            }
            currentPrompt = t.prompt();
            currentTokens = tokens;
            currentPrefill = t.prefillTokens();
        } else if (t.prompt() != currentPrompt || tokens != currentTokens || t.prefillTokens() != currentPrefill) {
            throw new IllegalArgumentException("prompt " + currentPrompt + " layer " + t.layer() + ": expected prompt id "
                    + currentPrompt + ", " + currentTokens + " tokens, " + currentPrefill + " prefill tokens (as layer 0) but got "
                    + t.prompt() + ", " + tokens + ", " + t.prefillTokens());
        }
        if (tokens <= 0) throw new IllegalArgumentException("queries: expected at least one token");
        if (t.prefillTokens() <= 0 || t.prefillTokens() > tokens) {
            throw new IllegalArgumentException("prefillTokens: expected 1.." + tokens + " but got " + t.prefillTokens());
        }
        t.queries().requireShape("queries", tokens, header.qHeads(), header.headDim());
        t.keys().requireShape("keys", tokens, header.kvHeads(), header.headDim());
        t.residual().requireShape("residual", tokens, header.hidden());
        t.attentionOutput().requireShape("attentionOutput", tokens, header.hidden());

        root.clear();
        fillInts((IntVector) root.getVector(TraceFormat.COL_PROMPT), tokens, i -> t.prompt());
        fillInts((IntVector) root.getVector(TraceFormat.COL_LAYER), tokens, i -> t.layer());
        fillInts((IntVector) root.getVector(TraceFormat.COL_POSITION), tokens, i -> i);
        BitVector decode = (BitVector) root.getVector(TraceFormat.COL_DECODE);
        decode.allocateNew(tokens);
        for (int i = 0; i < tokens; i++) decode.set(i, i >= t.prefillTokens() ? 1 : 0);
        decode.setValueCount(tokens);
        fillTensor((FixedSizeListVector) root.getVector(TraceFormat.COL_QUERIES), tokens, t.queries());
        fillTensor((FixedSizeListVector) root.getVector(TraceFormat.COL_KEYS), tokens, t.keys());
        fillTensor((FixedSizeListVector) root.getVector(TraceFormat.COL_RESIDUAL), tokens, t.residual());
        fillTensor((FixedSizeListVector) root.getVector(TraceFormat.COL_ATTN_OUT), tokens, t.attentionOutput());
        root.setRowCount(tokens);
        writer.writeBatch();
        expectedLayer++;
        if (expectedLayer == header.layers()) {
            expectedLayer = 0;
            promptsWritten++;
        }
    }

    private static void fillInts(IntVector v, int n, java.util.function.IntUnaryOperator value) {
        v.allocateNew(n);
        for (int i = 0; i < n; i++) v.set(i, value.applyAsInt(i));
        v.setValueCount(n);
    }

    private void fillTensor(FixedSizeListVector v, int rows, Tensor data) {
        long total = (long) rows * v.getListSize();
        if (total > Integer.MAX_VALUE) {
            throw new IllegalArgumentException(v.getName() + ": " + total + " elements exceed one Arrow batch (2^31 - 1)");
        }
        v.setInitialCapacity(rows);
        v.allocateNew();
        for (int i = 0; i < rows; i++) v.setNotNull(i);
        FieldVector child = v.getDataVector();
        int n = (int) total;
        if (child.getValueCapacity() < n) {
            throw new IllegalStateException(v.getName() + ": Arrow allocated room for " + child.getValueCapacity() + " of " + n + " values");
        }
        // Bulk copy into the data buffer, then mark every element valid (the columns never hold nulls).
        long bytes = (long) n * header.storage().byteSize();
        Tensor dst = Tensor.wrap(MemorySegment.ofBuffer(child.getDataBuffer().nioBuffer(0, (int) bytes)), header.storage(), n);
        TensorViews.copy(data, 0, dst, 0, n);
        child.getValidityBuffer().setOne(0L, (n + 7) / 8);
        child.setValueCount(n);
        v.setValueCount(rows);
    }

    /**
     * Writes the footer and closes the file.
     *
     * @throws IllegalStateException when the last prompt is incomplete (the file is still closed and valid
     *                               Arrow, but readers will reject it)
     */
    @Override
    public void close() throws IOException {
        int pending = expectedLayer;
        try {
            writer.end();
        } finally {
            writer.close();
            root.close();
            channel.close();
            allocator.close();
        }
        if (pending != 0) {
            throw new IllegalStateException("prompt " + currentPrompt + " has only layers 0.." + (pending - 1) + " of "
                    + header.layers() + "; the trace file is incomplete");
        }
    }
}

package dev.kascade.planning.traces;

import dev.kascade.tensor.DType;
import dev.kascade.tensor.Tensor;
import java.io.IOException;
import java.io.InputStream;
import java.lang.foreign.MemorySegment;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.apache.arrow.memory.ArrowBuf;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.BitVector;
import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.IntVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.complex.FixedSizeListVector;
import org.apache.arrow.vector.ipc.ArrowFileReader;
import org.apache.arrow.vector.ipc.ArrowReader;
import org.apache.arrow.vector.ipc.ArrowStreamReader;

/**
 * Streams a trace file one (prompt, layer) record batch at a time, checking the layout as it goes: the
 * schema and shape metadata, one prompt and layer per batch, positions {@code 0..T-1}, a decode suffix, no
 * nulls, layers in forward order, whole prompts. Reads the Arrow IPC file format and the stream format.
 *
 * <p>The tensors of {@link #current()} are zero-copy views over the loaded batch, valid until the next
 * {@link #next()} or {@link #close()}.
 */
public final class TraceReader implements AutoCloseable {
    private static final byte[] FILE_MAGIC = {'A', 'R', 'R', 'O', 'W', '1'};

    private final String what;
    private final BufferAllocator allocator;
    private final ArrowReader reader;
    private final TraceHeader header;
    private final int batches;
    private int batchIndex;
    private int expectedLayer;
    private int promptId = Integer.MIN_VALUE;
    private int promptTokens;
    private int promptPrefill;
    private int promptsDone;
    private TraceLayer current;

    private TraceReader(Path path) throws IOException {
        this.what = "traces " + path;
        if (!Files.isRegularFile(path)) {
            throw new NoSuchFileException(path.toString(), null, "trace file not found or not a regular file");
        }
        if (!Files.isReadable(path)) throw new IOException(what + ": file is not readable");
        boolean fileFormat = startsWithMagic(path);
        if (!fileFormat) checkStreamPrefix(path, what);
        this.allocator = new RootAllocator();
        ArrowReader r = null;
        try {
            if (fileFormat) {
                ArrowFileReader fr = new ArrowFileReader(FileChannel.open(path, StandardOpenOption.READ), allocator);
                r = fr;
                this.batches = fr.getRecordBlocks().size();
            } else {
                r = new ArrowStreamReader(Files.newInputStream(path), allocator);
                this.batches = -1;
            }
            this.header = TraceFormat.header(r.getVectorSchemaRoot().getSchema(), what);
        } catch (IOException | RuntimeException e) {
            try {
                if (r != null) r.close();
            } finally {
                allocator.close();
            }
            if (e instanceof IllegalArgumentException) throw e;
            throw new IOException(what + ": not a readable Arrow IPC file (" + e.getMessage() + ")", e);
        }
        this.reader = r;
    }

    /** Opens a trace file and reads its schema. */
    public static TraceReader open(Path path) throws IOException {
        if (path == null) throw new IllegalArgumentException("path: expected a trace file but got null");
        return new TraceReader(path);
    }

    private static boolean startsWithMagic(Path path) throws IOException {
        try (InputStream in = Files.newInputStream(path)) {
            byte[] head = in.readNBytes(FILE_MAGIC.length);
            return java.util.Arrays.equals(head, FILE_MAGIC);
        }
    }

    /**
     * A stream starts with the continuation marker 0xFFFFFFFF and the schema message length. Checking it first
     * keeps a foreign file from being read as a stream whose first word is a gigabyte-sized length.
     */
    private static void checkStreamPrefix(Path path, String what) throws IOException {
        long size = Files.size(path);
        try (InputStream in = Files.newInputStream(path)) {
            byte[] head = in.readNBytes(8);
            java.nio.ByteBuffer b = java.nio.ByteBuffer.wrap(head).order(java.nio.ByteOrder.LITTLE_ENDIAN);
            if (head.length < 8 || b.getInt(0) != -1 || b.getInt(4) <= 0 || b.getInt(4) > size - 8) {
                throw new IOException(what + ": not a readable Arrow IPC file (expected the ARROW1 file magic or a stream's"
                        + " 0xFFFFFFFF continuation marker and schema length at the start)");
            }
        }
    }

    public TraceHeader header() {
        return header;
    }

    /** Number of record batches when known (file format), else -1. */
    public int batchCount() {
        return batches;
    }

    /** Number of prompts when known (file format), else -1. */
    public int promptCount() {
        return batches < 0 ? -1 : batches / header.layers();
    }

    /** Prompts fully read so far. */
    public int promptsDone() {
        return promptsDone;
    }

    /**
     * Loads the next (prompt, layer) batch.
     *
     * @return false at the end of the file
     * @throws IllegalArgumentException when the file breaks the layout (the message says where)
     */
    public boolean next() throws IOException {
        current = null;
        boolean loaded;
        try {
            loaded = reader.loadNextBatch();
        } catch (IOException | RuntimeException e) {
            throw new IOException(what + ": cannot read record batch " + batchIndex + " (" + e.getMessage() + ")", e);
        }
        if (!loaded) {
            if (expectedLayer != 0) {
                throw new IllegalArgumentException(what + ": prompt " + promptId + " ends after layer " + (expectedLayer - 1)
                        + " but the model has " + header.layers() + " layers (truncated file?)");
            }
            return false;
        }
        String where = what + ", record batch " + batchIndex;
        VectorSchemaRoot root = reader.getVectorSchemaRoot();
        int rows = root.getRowCount();
        if (rows <= 0) throw new IllegalArgumentException(where + ": empty batch (expected one row per token)");
        IntVector prompt = (IntVector) root.getVector(TraceFormat.COL_PROMPT);
        IntVector layer = (IntVector) root.getVector(TraceFormat.COL_LAYER);
        IntVector position = (IntVector) root.getVector(TraceFormat.COL_POSITION);
        BitVector decode = (BitVector) root.getVector(TraceFormat.COL_DECODE);
        for (FieldVector v : root.getFieldVectors()) {
            if (v.getNullCount() != 0) throw new IllegalArgumentException(where + ": column " + v.getName() + " has nulls");
        }
        int p = prompt.get(0);
        int l = layer.get(0);
        int prefill = rows;
        for (int i = 0; i < rows; i++) {
            if (prompt.get(i) != p || layer.get(i) != l) {
                throw new IllegalArgumentException(where + ": row " + i + " has prompt " + prompt.get(i) + " layer " + layer.get(i)
                        + " but the batch started with prompt " + p + " layer " + l + " (one prompt and layer per batch)");
            }
            if (position.get(i) != i) {
                throw new IllegalArgumentException(where + ": row " + i + " has position " + position.get(i)
                        + " (rows must be positions 0..T-1 in order)");
            }
            boolean d = decode.get(i) != 0;
            if (d && prefill == rows) prefill = i;
            if (!d && prefill != rows) {
                throw new IllegalArgumentException(where + ": position " + i + " is a prompt token after decoded position " + prefill
                        + " (decoded tokens must be a suffix)");
            }
        }
        if (prefill == 0) throw new IllegalArgumentException(where + ": every position is marked decode; expected a prompt first");
        if (l != expectedLayer) {
            throw new IllegalArgumentException(where + ": layer " + l + " of prompt " + p + " where layer " + expectedLayer
                    + " was expected (layers of a prompt must be contiguous, in order 0.." + (header.layers() - 1) + ")");
        }
        if (l == 0) {
            if (p == promptId) {
                throw new IllegalArgumentException(where + ": prompt " + p + " appears twice (prompts must be contiguous)");
            }
            promptId = p;
            promptTokens = rows;
            promptPrefill = prefill;
        } else if (p != promptId || rows != promptTokens || prefill != promptPrefill) {
            throw new IllegalArgumentException(where + ": prompt " + p + " layer " + l + " has " + rows + " tokens ("
                    + prefill + " prefill) but layer 0 of prompt " + promptId + " had " + promptTokens + " (" + promptPrefill
                    + "): inconsistent shapes");
        }
        current = new TraceLayer(p, l, prefill,
                view(root, TraceFormat.COL_QUERIES, rows, where, header.qHeads(), header.headDim()),
                view(root, TraceFormat.COL_KEYS, rows, where, header.kvHeads(), header.headDim()),
                view(root, TraceFormat.COL_RESIDUAL, rows, where, header.hidden()),
                view(root, TraceFormat.COL_ATTN_OUT, rows, where, header.hidden()));
        batchIndex++;
        expectedLayer++;
        if (expectedLayer == header.layers()) {
            expectedLayer = 0;
            promptsDone++;
        }
        return true;
    }

    /** The batch loaded by the last successful {@link #next()}. */
    public TraceLayer current() {
        if (current == null) throw new IllegalStateException("current: no batch loaded (call next() first)");
        return current;
    }

    private Tensor view(VectorSchemaRoot root, String col, int rows, String where, long... inner) {
        FixedSizeListVector v = (FixedSizeListVector) root.getVector(col);
        FieldVector child = v.getDataVector();
        long elements = (long) rows * v.getListSize();
        if (child.getValueCount() < elements) {
            throw new IllegalArgumentException(where + ": column " + col + " holds " + child.getValueCount()
                    + " values, expected " + elements);
        }
        if (child.getNullCount() != 0) throw new IllegalArgumentException(where + ": column " + col + " has null elements");
        DType dtype = header.storage();
        long bytes = elements * dtype.byteSize();
        ArrowBuf buf = child.getDataBuffer();
        if (buf.capacity() < bytes) {
            throw new IllegalArgumentException(where + ": column " + col + " data buffer has " + buf.capacity() + " bytes, expected "
                    + bytes);
        }
        if (bytes > Integer.MAX_VALUE) {
            throw new IllegalArgumentException(where + ": column " + col + " has " + bytes + " bytes; at most 2 GiB per column and batch");
        }
        MemorySegment seg = MemorySegment.ofBuffer(buf.nioBuffer(0, (int) bytes));
        long[] shape = new long[inner.length + 1];
        shape[0] = rows;
        System.arraycopy(inner, 0, shape, 1, inner.length);
        return Tensor.wrap(seg, dtype, shape);
    }

    @Override
    public void close() throws IOException {
        current = null;
        try {
            reader.close();
        } finally {
            allocator.close();
        }
    }
}

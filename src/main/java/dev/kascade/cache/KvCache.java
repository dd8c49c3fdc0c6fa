package dev.kascade.cache;

import dev.kascade.tensor.DType;
import dev.kascade.tensor.HugePages;
import dev.kascade.tensor.MemoryInfo;
import dev.kascade.tensor.Tensor;
import dev.kascade.tensor.TensorViews;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import org.apache.arrow.memory.ArrowBuf;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;

/**
 * The key/value cache of every layer, in Arrow memory, with a length per (layer, sequence).
 *
 * <h2>Layout</h2>
 * Per layer one K and one V buffer, each a row-major {@code [batch][kvHeads][capacity][headDim]} block of
 * {@link #dtype()} elements: sequence-major, then KV head, then position, then head dim. One KV head's keys
 * of one sequence are therefore one contiguous {@code [capacity][headDim]} run, which a streaming decode
 * kernel reads front to back. Positions at or past {@link #length(int, int)} are zero until written.
 *
 * <h2>Arrow storage</h2>
 * Each buffer is one Arrow {@link ArrowBuf} from the cache's allocator, and {@link #keys(int)}/{@link #values(int)}
 * are zero-copy views of it. Saved ({@link ArrowFiles#save(java.nio.file.Path, KvCache)}), the cache is one
 * record batch per sequence with the not-nullable columns {@code k_0, v_0, k_1, v_1, ...}, each a
 * {@code fixed_size_list<T>[headDim]} of {@code kvHeads * capacity} rows ({@code T}: float32 for f32, Arrow half
 * float for f16, uint16 holding the raw bits for bf16) whose child buffer is a zero-copy slice of the layer's
 * buffer. Concatenating a column's batches gives the {@code [batch][kvHeads][capacity][headDim]} block.
 * One Arrow vector holds at most 2^31-1 values, so {@code kvHeads * capacity * headDim} (one sequence of one
 * layer) must stay below that; the batch is not limited by it.
 *
 * <h2>Ownership and threads</h2>
 * The cache owns its memory (a child of the given allocator, or its own root allocator) and frees it in
 * {@link #close()}; views taken before are invalidated then (access throws {@link IllegalStateException}).
 * Appends to distinct {@code (layer, seq)} pairs may run in parallel; all other mutation needs the caller's
 * synchronisation.
 */
public final class KvCache implements AutoCloseable {
    private final int layers;
    private final int batch;
    private final int kvHeads;
    private final int capacity;
    private final int headDim;
    private final DType dtype;
    private final BufferAllocator allocator;
    private final BufferAllocator ownedRoot;
    private final Arena scope;
    private final ArrowBuf[] keyBuffers;
    private final ArrowBuf[] valueBuffers;
    private final Tensor[] keys;
    private final Tensor[] values;
    private final int[][] lengths;
    private boolean closed;

    private KvCache(int layers, int batch, int kvHeads, int capacity, int headDim, DType dtype,
                    BufferAllocator parent, BufferAllocator ownedRoot) {
        this.layers = layers;
        this.batch = batch;
        this.kvHeads = kvHeads;
        this.capacity = capacity;
        this.headDim = headDim;
        this.dtype = dtype;
        this.ownedRoot = ownedRoot;
        this.allocator = parent.newChildAllocator("kv-cache", 0, Long.MAX_VALUE);
        this.scope = Arena.ofShared();
        this.keyBuffers = new ArrowBuf[layers];
        this.valueBuffers = new ArrowBuf[layers];
        this.keys = new Tensor[layers];
        this.values = new Tensor[layers];
        this.lengths = new int[layers][batch];
        long bytes = layerBytes();
        try {
            for (int l = 0; l < layers; l++) {
                keyBuffers[l] = zeroed(bytes);
                keys[l] = TensorViews.of(keyBuffers[l], 0, scope, dtype, batch, kvHeads, capacity, headDim);
                valueBuffers[l] = zeroed(bytes);
                values[l] = TensorViews.of(valueBuffers[l], 0, scope, dtype, batch, kvHeads, capacity, headDim);
            }
        } catch (RuntimeException e) {
            close();
            throw e;
        }
    }

    private ArrowBuf zeroed(long bytes) {
        ArrowBuf buf = allocator.buffer(bytes);
        // Before the first touch (the zeroing below): ask for huge pages on the buffer's whole 2 MiB pages, so the
        // random row gathers of sparse decode miss the TLB less. Best effort, a no-op where unsupported.
        if (bytes >= Tensor.HUGE_PAGE_THRESHOLD) {
            HugePages.advise(MemorySegment.ofAddress(buf.memoryAddress()).reinterpret(buf.capacity()));
        }
        buf.setZero(0, buf.capacity());
        return buf;
    }

    /** A zeroed cache with its own allocator (freed by {@link #close()}). */
    public static KvCache allocate(int layers, int batch, int kvHeads, int capacity, int headDim, DType dtype) {
        checkDims(layers, batch, kvHeads, capacity, headDim, dtype);
        RootAllocator root = new RootAllocator();
        try {
            return new KvCache(layers, batch, kvHeads, capacity, headDim, dtype, root, root);
        } catch (RuntimeException e) {
            root.close();
            throw e;
        }
    }

    /** A zeroed cache whose memory comes from a child of {@code allocator} (closed with the cache). */
    public static KvCache allocate(int layers, int batch, int kvHeads, int capacity, int headDim, DType dtype,
                                   BufferAllocator allocator) {
        checkDims(layers, batch, kvHeads, capacity, headDim, dtype);
        if (allocator == null) throw new IllegalArgumentException("allocator: expected a BufferAllocator but got null");
        return new KvCache(layers, batch, kvHeads, capacity, headDim, dtype, allocator, null);
    }

    private static void checkDims(int layers, int batch, int kvHeads, int capacity, int headDim, DType dtype) {
        requirePositive("layers", layers);
        requirePositive("batch", batch);
        requirePositive("kvHeads", kvHeads);
        requirePositive("capacity", capacity);
        requirePositive("headDim", headDim);
        if (dtype == null) throw new IllegalArgumentException("dtype: expected f32, f16 or bf16 but got null");
        long perSequence = (long) kvHeads * capacity * headDim;
        if (perSequence > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("kvHeads * capacity * headDim = " + kvHeads + " * " + capacity + " * "
                    + headDim + " = " + perSequence + " elements per sequence and layer exceeds one Arrow vector's limit of "
                    + Integer.MAX_VALUE);
        }
        long bytes;
        try {
            bytes = Math.multiplyExact(Math.multiplyExact(perSequence, (long) batch), 2L * dtype.byteSize() * layers);
        } catch (ArithmeticException e) {
            throw new IllegalArgumentException("layers * batch * kvHeads * capacity * headDim: the cache size overflows 64 bits");
        }
        // Past the physical memory Linux does not refuse the allocation: zeroing it gets the process killed.
        MemoryInfo.requireFits("capacity", "a KV cache of " + layers + " layers x batch " + batch + " x " + kvHeads
                + " KV heads x " + capacity + " positions x " + headDim + " x " + dtype.label() + " (K and V)", bytes,
                MemoryInfo.availableBytes(), "lower the capacity or the batch");
    }

    private static void requirePositive(String name, int value) {
        if (value <= 0) throw new IllegalArgumentException(name + ": expected > 0 but got " + value);
    }

    static String keyColumn(int layer) {
        return "k_" + layer;
    }

    static String valueColumn(int layer) {
        return "v_" + layer;
    }

    public int layers() {
        return layers;
    }

    public int batch() {
        return batch;
    }

    public int kvHeads() {
        return kvHeads;
    }

    public int capacity() {
        return capacity;
    }

    public int headDim() {
        return headDim;
    }

    public DType dtype() {
        return dtype;
    }

    /** Zero-copy view of layer {@code layer}'s keys, {@code [batch][kvHeads][capacity][headDim]}. */
    public Tensor keys(int layer) {
        checkOpen();
        checkLayer(layer);
        return keys[layer];
    }

    /** Zero-copy view of layer {@code layer}'s values, {@code [batch][kvHeads][capacity][headDim]}. */
    public Tensor values(int layer) {
        checkOpen();
        checkLayer(layer);
        return values[layer];
    }

    /** Zero-copy view of the written keys of one KV head of one sequence: {@code [length][headDim]}. */
    public Tensor liveKeys(int layer, int seq, int kvHead) {
        return live(keys(layer), layer, seq, kvHead);
    }

    /** Zero-copy view of the written values of one KV head of one sequence: {@code [length][headDim]}. */
    public Tensor liveValues(int layer, int seq, int kvHead) {
        return live(values(layer), layer, seq, kvHead);
    }

    private Tensor live(Tensor all, int layer, int seq, int kvHead) {
        checkSeq(seq);
        if (kvHead < 0 || kvHead >= kvHeads) {
            throw new IllegalArgumentException("kvHead: " + kvHead + " out of range [0, " + kvHeads + ")");
        }
        return TensorViews.head(TensorViews.slice(all, seq, kvHead), lengths[layer][seq]);
    }

    /** Number of positions written for sequence {@code seq} of layer {@code layer}. */
    public int length(int layer, int seq) {
        checkLayer(layer);
        checkSeq(seq);
        return lengths[layer][seq];
    }

    /** A copy of the per-sequence lengths of layer {@code layer}. */
    public int[] lengths(int layer) {
        checkLayer(layer);
        return lengths[layer].clone();
    }

    /**
     * Sets a length directly, for callers that wrote keys and values through the views (a kernel that
     * stores RoPE'd keys in place) or that drop the newest positions. Positions past the new length keep
     * their bytes until overwritten.
     */
    public void setLength(int layer, int seq, int length) {
        checkOpen();
        checkLayer(layer);
        checkSeq(seq);
        if (length < 0 || length > capacity) {
            throw new IllegalArgumentException("length: seq " + seq + ": " + length + " outside [0, " + capacity + "]");
        }
        lengths[layer][seq] = length;
    }

    /**
     * Appends {@code t} positions to sequence {@code seq} of layer {@code layer}.
     *
     * @param k keys {@code [kvHeads][t][headDim]}, any dtype (converted to {@link #dtype()})
     * @param v values, same shape as {@code k}
     * @throws IllegalArgumentException on a shape mismatch or when the sequence would exceed the capacity
     *     (nothing is written then)
     */
    public void append(int layer, int seq, Tensor k, Tensor v) {
        checkOpen();
        checkLayer(layer);
        checkSeq(seq);
        int t = appendCount(k, v, 3, "append");
        checkRoom(seq, lengths[layer][seq], t);
        write(layer, seq, k, v, 0, t);
        lengths[layer][seq] += t;
    }

    /**
     * Appends {@code t} positions to every sequence of layer {@code layer}, each at its own length.
     *
     * @param k keys {@code [batch][kvHeads][t][headDim]}, any dtype
     * @param v values, same shape as {@code k}
     * @throws IllegalArgumentException on a shape mismatch or when any sequence would exceed the capacity
     *     (nothing is written then)
     */
    public void appendAll(int layer, Tensor k, Tensor v) {
        checkOpen();
        checkLayer(layer);
        int t = appendCount(k, v, 4, "appendAll");
        for (int s = 0; s < batch; s++) {
            checkRoom(s, lengths[layer][s], t);
        }
        long perSeq = (long) kvHeads * t * headDim;
        for (int s = 0; s < batch; s++) {
            write(layer, s, k, v, s * perSeq, t);
            lengths[layer][s] += t;
        }
    }

    /** Validates k and v and returns their token count {@code t}. */
    private int appendCount(Tensor k, Tensor v, int rank, String op) {
        if (k == null || v == null) throw new IllegalArgumentException(op + ": k and v must not be null");
        String expected = rank == 4 ? "[batch=" + batch + "][kvHeads=" + kvHeads + "][t][headDim=" + headDim + "]"
                : "[kvHeads=" + kvHeads + "][t][headDim=" + headDim + "]";
        if (k.rank() != rank) {
            throw new IllegalArgumentException("k: expected shape " + expected + " but got " + java.util.Arrays.toString(k.shape()));
        }
        long t = k.dim(rank - 2);
        long[] want = rank == 4 ? new long[] {batch, kvHeads, t, headDim} : new long[] {kvHeads, t, headDim};
        if (!java.util.Arrays.equals(k.shape(), want)) {
            throw new IllegalArgumentException("k: expected shape " + expected + " but got " + java.util.Arrays.toString(k.shape()));
        }
        if (!java.util.Arrays.equals(v.shape(), want)) {
            throw new IllegalArgumentException("v: expected the shape of k " + java.util.Arrays.toString(want)
                    + " but got " + java.util.Arrays.toString(v.shape()));
        }
        if (t > capacity) {
            throw new IllegalArgumentException(op + ": " + t + " tokens exceed capacity " + capacity);
        }
        return (int) t;
    }

    private void checkRoom(int seq, int length, int t) {
        if ((long) length + t > capacity) {
            throw new IllegalArgumentException("seq " + seq + ": appending " + t + " tokens to length " + length
                    + " exceeds capacity " + capacity);
        }
    }

    /** Copies {@code t} positions of every KV head from {@code k, v} (starting at flat {@code srcBase}). */
    private void write(int layer, int seq, Tensor k, Tensor v, long srcBase, int t) {
        long run = (long) t * headDim;
        long dstStart = lengths[layer][seq];
        for (int g = 0; g < kvHeads; g++) {
            long dst = (((long) seq * kvHeads + g) * capacity + dstStart) * headDim;
            long src = srcBase + g * run;
            TensorViews.copy(k, src, keys[layer], dst, run);
            TensorViews.copy(v, src, values[layer], dst, run);
        }
    }

    /** Sets every length to zero and zeroes all keys and values. */
    public void reset() {
        checkOpen();
        for (int[] row : lengths) java.util.Arrays.fill(row, 0);
        for (int l = 0; l < layers; l++) {
            keys[l].segment().fill((byte) 0);
            values[l].segment().fill((byte) 0);
        }
    }

    /** Frees the memory; views taken from this cache fail afterwards. Idempotent. */
    @Override
    public void close() {
        if (closed) return;
        closed = true;
        scope.close();
        for (ArrowBuf buf : keyBuffers) if (buf != null) buf.close();
        for (ArrowBuf buf : valueBuffers) if (buf != null) buf.close();
        allocator.close();
        if (ownedRoot != null) ownedRoot.close();
    }

    /** Whether {@link #close()} has run. */
    public boolean isClosed() {
        return closed;
    }

    /** Bytes of key and value storage. */
    public long byteSize() {
        return 2L * layers * layerBytes();
    }

    private long layerBytes() {
        return (long) batch * kvHeads * capacity * headDim * dtype.byteSize();
    }

    // --- package-private: the Arrow IPC writer ---

    /** The allocator that owns the cache's buffers. */
    BufferAllocator allocator() {
        return allocator;
    }

    /** Rows of one saved record batch (one sequence): {@code kvHeads * capacity}. */
    int rowsPerSequence() {
        return kvHeads * capacity;
    }

    /** The buffer of layer {@code layer}'s keys ({@code value == false}) or values. */
    ArrowBuf buffer(int layer, boolean value) {
        checkOpen();
        return value ? valueBuffers[layer] : keyBuffers[layer];
    }

    int[][] lengthsTable() {
        return lengths;
    }

    private void checkOpen() {
        if (closed) throw new IllegalStateException("KvCache is closed");
    }

    private void checkLayer(int layer) {
        if (layer < 0 || layer >= layers) {
            throw new IllegalArgumentException("layer: " + layer + " out of range [0, " + layers + ")");
        }
    }

    private void checkSeq(int seq) {
        if (seq < 0 || seq >= batch) {
            throw new IllegalArgumentException("seq: " + seq + " out of range [0, " + batch + ")");
        }
    }

    @Override
    public String toString() {
        return "KvCache{layers=" + layers + ", batch=" + batch + ", kvHeads=" + kvHeads + ", capacity=" + capacity
                + ", headDim=" + headDim + ", dtype=" + dtype.label() + (closed ? ", closed" : "") + "}";
    }
}

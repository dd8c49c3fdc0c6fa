package dev.kascade.cache;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.List;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.types.pojo.Field;

/**
 * Top-k key indices per (layer, sequence, tile, KV head): the index sets that anchor layers select and reuse
 * layers read through the head mapping. Decode uses tile 0; prefill uses one tile per 32 query tokens.
 *
 * <h2>Layout</h2>
 * An entry is one {@code (layer, seq, tile, kvHead)}, numbered row-major over
 * {@code [layers][batch][tiles][kvHeads]}. Every entry has {@code maxK} int32 slots and a count; an entry
 * holds its {@code count} indices in slots {@code [0, count)} and -1 in the rest. Count 0 means nothing was
 * stored (a stored set always has at least one index). A kernel finds entry {@code e}'s indices at int
 * offset {@code e * maxK} of {@link #indicesSegment()} and its count at int {@code e} of
 * {@link #countsSegment()}.
 *
 * <h2>Arrow storage</h2>
 * Two not-nullable columns of one row per entry: {@code count: int32} and
 * {@code indices: fixed_size_list<int32>[maxK]}, written to Arrow IPC as they are.
 *
 * <p>Owns its memory like {@link KvCache}; segment views die with {@link #close()}. Puts to distinct entries
 * may run in parallel.
 */
public final class IndexTable implements AutoCloseable {
    static final String COUNT = "count";
    static final String INDICES = "indices";

    private final int layers;
    private final int batch;
    private final int tiles;
    private final int kvHeads;
    private final int maxK;
    private final BufferAllocator allocator;
    private final BufferAllocator ownedRoot;
    private final Arena scope;
    private final List<Field> fields;
    private final List<FieldVector> vectors;
    private final MemorySegment counts;
    private final MemorySegment indices;
    private boolean closed;

    private IndexTable(int layers, int batch, int tiles, int kvHeads, int maxK, BufferAllocator parent,
                       BufferAllocator ownedRoot) {
        this.layers = layers;
        this.batch = batch;
        this.tiles = tiles;
        this.kvHeads = kvHeads;
        this.maxK = maxK;
        this.ownedRoot = ownedRoot;
        this.allocator = parent.newChildAllocator("index-table", 0, Long.MAX_VALUE);
        this.scope = Arena.ofShared();
        this.fields = List.of(ArrowColumns.intField(COUNT), ArrowColumns.intListField(INDICES, maxK));
        FieldVector countVector = null;
        FieldVector indexVector = null;
        try {
            countVector = ArrowColumns.allocate(fields.get(0), allocator, entries());
            indexVector = ArrowColumns.allocate(fields.get(1), allocator, entries());
            this.vectors = List.of(countVector, indexVector);
            this.counts = ArrowColumns.segment(ArrowColumns.valueBuffer(countVector), (long) entries() * Integer.BYTES, scope);
            this.indices = ArrowColumns.segment(ArrowColumns.valueBuffer(indexVector),
                    (long) entries() * maxK * Integer.BYTES, scope);
            indices.fill((byte) 0xFF);
        } catch (RuntimeException e) {
            scope.close();
            if (indexVector != null) indexVector.close();
            if (countVector != null) countVector.close();
            allocator.close();
            throw e;
        }
    }

    /** An empty table with its own allocator. */
    public static IndexTable allocate(int layers, int batch, int tiles, int kvHeads, int maxK) {
        checkDims(layers, batch, tiles, kvHeads, maxK);
        RootAllocator root = new RootAllocator();
        try {
            return new IndexTable(layers, batch, tiles, kvHeads, maxK, root, root);
        } catch (RuntimeException e) {
            root.close();
            throw e;
        }
    }

    /** An empty table whose memory comes from a child of {@code allocator}. */
    public static IndexTable allocate(int layers, int batch, int tiles, int kvHeads, int maxK, BufferAllocator allocator) {
        checkDims(layers, batch, tiles, kvHeads, maxK);
        if (allocator == null) throw new IllegalArgumentException("allocator: expected a BufferAllocator but got null");
        return new IndexTable(layers, batch, tiles, kvHeads, maxK, allocator, null);
    }

    private static void checkDims(int layers, int batch, int tiles, int kvHeads, int maxK) {
        requirePositive("layers", layers);
        requirePositive("batch", batch);
        requirePositive("tiles", tiles);
        requirePositive("kvHeads", kvHeads);
        requirePositive("maxK", maxK);
        long slots = (long) layers * batch * tiles * kvHeads * maxK;
        if (slots > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("layers * batch * tiles * kvHeads * maxK = " + slots
                    + " index slots exceeds one Arrow vector's limit of " + Integer.MAX_VALUE);
        }
    }

    private static void requirePositive(String name, int value) {
        if (value <= 0) throw new IllegalArgumentException(name + ": expected > 0 but got " + value);
    }

    public int layers() {
        return layers;
    }

    public int batch() {
        return batch;
    }

    public int tiles() {
        return tiles;
    }

    public int kvHeads() {
        return kvHeads;
    }

    /** Slots per entry: the largest index set one entry can hold. */
    public int maxK() {
        return maxK;
    }

    /** Number of entries, {@code layers * batch * tiles * kvHeads}. */
    public int entries() {
        return layers * batch * tiles * kvHeads;
    }

    /** Row-major entry number of {@code (layer, seq, tile, kvHead)}, bounds-checked. */
    public int entry(int layer, int seq, int tile, int kvHead) {
        check("layer", layer, layers);
        check("seq", seq, batch);
        check("tile", tile, tiles);
        check("kvHead", kvHead, kvHeads);
        return ((layer * batch + seq) * tiles + tile) * kvHeads + kvHead;
    }

    private static void check(String name, int value, int bound) {
        if (value < 0 || value >= bound) {
            throw new IllegalArgumentException(name + ": " + value + " out of range [0, " + bound + ")");
        }
    }

    /**
     * Stores {@code indices[0, count)} as the index set of one entry, replacing what was there.
     *
     * @throws IllegalArgumentException when {@code count} is not in {@code [1, maxK]}, exceeds the array, or an
     *     index is negative (nothing is written then)
     */
    public void put(int layer, int seq, int tile, int kvHead, int[] indices, int count) {
        checkOpen();
        int e = entry(layer, seq, tile, kvHead);
        if (indices == null) throw new IllegalArgumentException("indices: expected an int array but got null");
        if (count <= 0 || count > maxK) {
            throw new IllegalArgumentException("count: expected k in [1, maxK=" + maxK + "] but got " + count);
        }
        if (count > indices.length) {
            throw new IllegalArgumentException("count: " + count + " exceeds indices.length " + indices.length);
        }
        for (int i = 0; i < count; i++) {
            if (indices[i] < 0) {
                throw new IllegalArgumentException("indices[" + i + "] = " + indices[i] + " is negative (layer " + layer
                        + ", seq " + seq + ", tile " + tile + ", kvHead " + kvHead + ")");
            }
        }
        long base = (long) e * maxK;
        MemorySegment.copy(indices, 0, this.indices, ValueLayout.JAVA_INT, base * Integer.BYTES, count);
        this.indices.asSlice((base + count) * Integer.BYTES, (long) (maxK - count) * Integer.BYTES).fill((byte) 0xFF);
        counts.setAtIndex(ValueLayout.JAVA_INT, e, count);
    }

    /** Stores a whole index set ({@code count = indices.length}). */
    public void put(int layer, int seq, int tile, int kvHead, int[] indices) {
        put(layer, seq, tile, kvHead, indices, indices == null ? 0 : indices.length);
    }

    /** Size of an entry's index set; 0 when nothing was stored. */
    public int count(int layer, int seq, int tile, int kvHead) {
        checkOpen();
        return counts.getAtIndex(ValueLayout.JAVA_INT, entry(layer, seq, tile, kvHead));
    }

    /** Whether an index set was stored for the entry. */
    public boolean has(int layer, int seq, int tile, int kvHead) {
        return count(layer, seq, tile, kvHead) > 0;
    }

    /**
     * A copy of an entry's index set.
     *
     * @throws IllegalStateException when nothing was stored for the entry
     */
    public int[] get(int layer, int seq, int tile, int kvHead) {
        int n = requireStored(layer, seq, tile, kvHead);
        int[] out = new int[n];
        MemorySegment.copy(indices, ValueLayout.JAVA_INT, (long) entry(layer, seq, tile, kvHead) * maxK * Integer.BYTES, out, 0, n);
        return out;
    }

    /** Copies an entry's index set into {@code dst[0, count)} and returns the count (no allocation). */
    public int get(int layer, int seq, int tile, int kvHead, int[] dst) {
        int n = requireStored(layer, seq, tile, kvHead);
        if (dst == null || dst.length < n) {
            throw new IllegalArgumentException("dst: needs room for " + n + " indices but has "
                    + (dst == null ? "none (null)" : dst.length));
        }
        MemorySegment.copy(indices, ValueLayout.JAVA_INT, (long) entry(layer, seq, tile, kvHead) * maxK * Integer.BYTES, dst, 0, n);
        return n;
    }

    /** Zero-copy view of an entry's stored indices: {@code count} int32 values. */
    public MemorySegment segment(int layer, int seq, int tile, int kvHead) {
        int n = requireStored(layer, seq, tile, kvHead);
        return indices.asSlice((long) entry(layer, seq, tile, kvHead) * maxK * Integer.BYTES, (long) n * Integer.BYTES);
    }

    private int requireStored(int layer, int seq, int tile, int kvHead) {
        int n = count(layer, seq, tile, kvHead);
        if (n == 0) {
            throw new IllegalStateException("no index set stored for layer " + layer + ", seq " + seq + ", tile " + tile
                    + ", kvHead " + kvHead);
        }
        return n;
    }

    /** Zero-copy view of all slots, int32 {@code [layers][batch][tiles][kvHeads][maxK]}, -1 past each count. */
    public MemorySegment indicesSegment() {
        checkOpen();
        return indices;
    }

    /** Zero-copy view of all counts, int32 {@code [layers][batch][tiles][kvHeads]}. */
    public MemorySegment countsSegment() {
        checkOpen();
        return counts;
    }

    /** Forgets every index set (counts 0, slots -1). */
    public void reset() {
        checkOpen();
        counts.fill((byte) 0);
        indices.fill((byte) 0xFF);
    }

    @Override
    public void close() {
        if (closed) return;
        closed = true;
        scope.close();
        for (FieldVector v : vectors) v.close();
        allocator.close();
        if (ownedRoot != null) ownedRoot.close();
    }

    public boolean isClosed() {
        return closed;
    }

    List<Field> fields() {
        return fields;
    }

    List<FieldVector> vectors() {
        checkOpen();
        return vectors;
    }

    private void checkOpen() {
        if (closed) throw new IllegalStateException("IndexTable is closed");
    }

    @Override
    public String toString() {
        return "IndexTable{layers=" + layers + ", batch=" + batch + ", tiles=" + tiles + ", kvHeads=" + kvHeads
                + ", maxK=" + maxK + (closed ? ", closed" : "") + "}";
    }
}

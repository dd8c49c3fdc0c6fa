package dev.kascade.cache;

import dev.kascade.algorithm.AnchorPlan;
import java.util.List;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.vector.BitVector;
import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.IntVector;
import org.apache.arrow.vector.complex.FixedSizeListVector;
import org.apache.arrow.vector.types.pojo.Field;

/**
 * An {@link AnchorPlan} as Arrow vectors: one row per layer with the columns
 * {@code layer: int32}, {@code is_anchor: bool}, {@code anchor: int32} (the most recent anchor at or before
 * the layer) and {@code head_map: fixed_size_list<int32>[kvHeads]} (the {@code [L][G]} head mapping: KV head
 * {@code g} of the layer reads index set {@code head_map[g]} of its anchor; the identity on anchors).
 *
 * <p>The {@code anchor} column is derived from {@code is_anchor}; it is stored so that a reader without
 * Kascade code sees the reuse structure, and checked on load.
 */
public final class HeadMappingTable implements AutoCloseable {
    static final String LAYER = "layer";
    static final String IS_ANCHOR = "is_anchor";
    static final String ANCHOR = "anchor";
    static final String HEAD_MAP = "head_map";

    private final int layers;
    private final int kvHeads;
    private final BufferAllocator allocator;
    private final List<Field> fields;
    private final List<FieldVector> vectors;
    private boolean closed;

    private HeadMappingTable(AnchorPlan plan, BufferAllocator parent) {
        this.layers = plan.layers();
        this.kvHeads = plan.kvHeads();
        this.allocator = parent.newChildAllocator("head-mapping", 0, Long.MAX_VALUE);
        this.fields = List.of(ArrowColumns.intField(LAYER), ArrowColumns.boolField(IS_ANCHOR),
                ArrowColumns.intField(ANCHOR), ArrowColumns.intListField(HEAD_MAP, kvHeads));
        java.util.ArrayList<FieldVector> made = new java.util.ArrayList<>(4);
        try {
            for (Field f : fields) made.add(ArrowColumns.allocate(f, allocator, layers));
            IntVector layerCol = (IntVector) made.get(0);
            BitVector anchorFlag = (BitVector) made.get(1);
            IntVector anchorCol = (IntVector) made.get(2);
            IntVector map = (IntVector) ((FixedSizeListVector) made.get(3)).getDataVector();
            int[][] headMap = plan.headMap();
            for (int l = 0; l < layers; l++) {
                layerCol.set(l, l);
                anchorFlag.set(l, plan.isAnchor(l) ? 1 : 0);
                anchorCol.set(l, plan.anchorOf(l));
                for (int g = 0; g < kvHeads; g++) map.set(l * kvHeads + g, headMap[l][g]);
            }
        } catch (RuntimeException e) {
            made.forEach(FieldVector::close);
            allocator.close();
            throw e;
        }
        this.vectors = List.copyOf(made);
    }

    /** The plan's table in Arrow vectors from a child of {@code allocator} (closed with the table). */
    public static HeadMappingTable fromPlan(AnchorPlan plan, BufferAllocator allocator) {
        if (plan == null) throw new IllegalArgumentException("plan: expected an AnchorPlan but got null");
        if (allocator == null) throw new IllegalArgumentException("allocator: expected a BufferAllocator but got null");
        return new HeadMappingTable(plan, allocator);
    }

    /**
     * Rebuilds the plan from the columns (the anchors from {@code is_anchor}, the mapping from {@code head_map}),
     * checking the derived {@code anchor} and {@code layer} columns.
     *
     * @throws IllegalArgumentException when the columns disagree or do not form a valid plan
     */
    public AnchorPlan toPlan() {
        checkOpen();
        return toPlan(vectors, layers, kvHeads);
    }

    /** Reads a plan out of columns laid out as described above (also used by the file reader). */
    static AnchorPlan toPlan(List<FieldVector> columns, int layers, int kvHeads) {
        IntVector layerCol = (IntVector) columns.get(0);
        BitVector anchorFlag = (BitVector) columns.get(1);
        IntVector anchorCol = (IntVector) columns.get(2);
        IntVector map = (IntVector) ((FixedSizeListVector) columns.get(3)).getDataVector();
        int[][] headMap = new int[layers][kvHeads];
        int[] anchors = new int[layers];
        int anchorCount = 0;
        for (int l = 0; l < layers; l++) {
            if (layerCol.get(l) != l) {
                throw new IllegalArgumentException("column 'layer': row " + l + " holds " + layerCol.get(l) + ", expected " + l);
            }
            if (anchorFlag.get(l) == 1) anchors[anchorCount++] = l;
            for (int g = 0; g < kvHeads; g++) headMap[l][g] = map.get(l * kvHeads + g);
        }
        AnchorPlan plan = new AnchorPlan(java.util.Arrays.copyOf(anchors, anchorCount), headMap);
        for (int l = 0; l < layers; l++) {
            if (anchorCol.get(l) != plan.anchorOf(l)) {
                throw new IllegalArgumentException("column 'anchor': layer " + l + " names anchor " + anchorCol.get(l)
                        + " but the most recent anchor flagged in 'is_anchor' is " + plan.anchorOf(l));
            }
        }
        return plan;
    }

    public int layers() {
        return layers;
    }

    public int kvHeads() {
        return kvHeads;
    }

    /** Anchor KV head whose index set KV head {@code g} of {@code layer} reads. */
    public int sourceHead(int layer, int g) {
        checkOpen();
        if (layer < 0 || layer >= layers) {
            throw new IllegalArgumentException("layer: " + layer + " out of range [0, " + layers + ")");
        }
        if (g < 0 || g >= kvHeads) {
            throw new IllegalArgumentException("g: KV head " + g + " out of range [0, " + kvHeads + ")");
        }
        IntVector map = (IntVector) ((FixedSizeListVector) vectors.get(3)).getDataVector();
        return map.get(layer * kvHeads + g);
    }

    /** Whether {@code layer} is an anchor. */
    public boolean isAnchor(int layer) {
        checkOpen();
        if (layer < 0 || layer >= layers) {
            throw new IllegalArgumentException("layer: " + layer + " out of range [0, " + layers + ")");
        }
        return ((BitVector) vectors.get(1)).get(layer) == 1;
    }

    @Override
    public void close() {
        if (closed) return;
        closed = true;
        vectors.forEach(FieldVector::close);
        allocator.close();
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
        if (closed) throw new IllegalStateException("HeadMappingTable is closed");
    }

    @Override
    public String toString() {
        return "HeadMappingTable{layers=" + layers + ", kvHeads=" + kvHeads + (closed ? ", closed" : "") + "}";
    }
}

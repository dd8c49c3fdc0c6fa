package dev.kascade.cache;

import dev.kascade.algorithm.AnchorPlan;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.types.pojo.Schema;

/**
 * The {@code anchor_plan} file: the {@link HeadMappingTable} columns, one row per layer, with the shape
 * {@code [layers, kv_heads]} and the anchor list in the schema metadata. See docs/arrow-formats.md.
 */
final class AnchorPlanFormat {
    static final String[] DIMS = {"layers", "kv_heads"};

    private AnchorPlanFormat() {
    }

    static void write(Path file, AnchorPlan plan, SaveMode mode, BufferAllocator allocator) throws IOException {
        if (plan == null) throw new IllegalArgumentException("plan: expected an AnchorPlan but got null");
        try (HeadMappingTable table = HeadMappingTable.fromPlan(plan, allocator)) {
            Map<String, String> meta = new LinkedHashMap<>();
            meta.put(FileMetadata.SHAPE, FileMetadata.intList(plan.layers(), plan.kvHeads()));
            meta.put(FileMetadata.DIMS, FileMetadata.nameList(DIMS));
            meta.put(FileMetadata.ANCHORS, FileMetadata.intList(plan.anchors()));
            ArrowFileIO.write(file, mode, FileMetadata.KIND_ANCHOR_PLAN, meta, table.fields(),
                    ArrowFileIO.single(table.fields(), table.vectors(), plan.layers()));
        }
    }

    static AnchorPlan read(Path file, BufferAllocator readAllocator) throws IOException {
        return ArrowFileIO.read(file, FileMetadata.KIND_ANCHOR_PLAN, readAllocator, new ArrowFileIO.FileBody<>() {
            private int[] shape;
            private String listed;
            private AnchorPlan plan;

            @Override
            public int expectBatches(Map<String, String> meta, Schema schema) {
                shape = FileMetadata.requireShape(meta.get(FileMetadata.SHAPE), DIMS);
                listed = meta.get(FileMetadata.ANCHORS);
                ArrowColumns.requireFields(schema.getFields(), List.of(
                        ArrowColumns.intField(HeadMappingTable.LAYER), ArrowColumns.boolField(HeadMappingTable.IS_ANCHOR),
                        ArrowColumns.intField(HeadMappingTable.ANCHOR),
                        ArrowColumns.intListField(HeadMappingTable.HEAD_MAP, shape[1])));
                return 1;
            }

            @Override
            public void checkBatch(int index, VectorSchemaRoot root) {
                ArrowColumns.requireRows(root.getFieldVectors(), shape[0], "");
                plan = HeadMappingTable.toPlan(root.getFieldVectors(), shape[0], shape[1]);
                if (listed != null) {
                    int[] anchors = FileMetadata.parseIntList(FileMetadata.ANCHORS, listed);
                    if (!Arrays.equals(anchors, plan.anchors())) {
                        throw new IllegalArgumentException("metadata '" + FileMetadata.ANCHORS + "' lists "
                                + Arrays.toString(anchors) + " but column 'is_anchor' flags " + Arrays.toString(plan.anchors()));
                    }
                }
            }

            @Override
            public AnchorPlan build(ArrowFileIO.Batches batches) {
                return plan; // heap object, built while checking
            }
        });
    }
}

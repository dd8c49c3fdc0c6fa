package dev.kascade.cache;

import dev.kascade.algorithm.AnchorPlan;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.arrow.memory.BufferAllocator;

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
            ArrowFileIO.write(file, mode, FileMetadata.KIND_ANCHOR_PLAN, meta, table.fields(), table.vectors(), plan.layers());
        }
    }

    static AnchorPlan read(Path file, BufferAllocator readAllocator) throws IOException {
        return ArrowFileIO.read(file, FileMetadata.KIND_ANCHOR_PLAN, readAllocator, (root, meta) -> {
            int[] s = FileMetadata.requireShape(meta.get(FileMetadata.SHAPE), DIMS);
            ArrowColumns.requireColumns(root.getFieldVectors(), List.of(
                    ArrowColumns.intField(HeadMappingTable.LAYER), ArrowColumns.boolField(HeadMappingTable.IS_ANCHOR),
                    ArrowColumns.intField(HeadMappingTable.ANCHOR),
                    ArrowColumns.intListField(HeadMappingTable.HEAD_MAP, s[1])), s[0]);
            AnchorPlan plan = HeadMappingTable.toPlan(root.getFieldVectors(), s[0], s[1]);
            String listed = meta.get(FileMetadata.ANCHORS);
            if (listed != null) {
                int[] anchors = FileMetadata.parseIntList(FileMetadata.ANCHORS, listed);
                if (!Arrays.equals(anchors, plan.anchors())) {
                    throw new IllegalArgumentException("metadata '" + FileMetadata.ANCHORS + "' lists " + Arrays.toString(anchors)
                            + " but column 'is_anchor' flags " + Arrays.toString(plan.anchors()));
                }
            }
            return plan;
        });
    }
}

package dev.kascade.cache;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kascade.algorithm.AnchorPlan;
import java.util.Random;
import java.util.TreeSet;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.BitVector;
import org.apache.arrow.vector.IntVector;
import org.apache.arrow.vector.complex.FixedSizeListVector;
import org.junit.jupiter.api.Test;

class HeadMappingTableTest {
    /** A random valid plan: layer 0 plus random anchors, identity rows on anchors, random many-to-one maps elsewhere. */
    static AnchorPlan randomPlan(Random rnd, int layers, int kvHeads) {
        TreeSet<Integer> anchors = new TreeSet<>();
        anchors.add(0);
        for (int i = 0; i < rnd.nextInt(layers); i++) anchors.add(rnd.nextInt(layers));
        int[][] map = new int[layers][kvHeads];
        for (int l = 0; l < layers; l++) {
            for (int g = 0; g < kvHeads; g++) map[l][g] = anchors.contains(l) ? g : rnd.nextInt(kvHeads);
        }
        return new AnchorPlan(anchors.stream().mapToInt(Integer::intValue).toArray(), map);
    }

    @Test
    void planToTableAndBackIsTheSamePlan() {
        Random rnd = new Random(3);
        try (BufferAllocator alloc = new RootAllocator()) {
            for (int trial = 0; trial < 50; trial++) {
                int layers = 1 + rnd.nextInt(40);
                int kvHeads = 1 + rnd.nextInt(8);
                AnchorPlan plan = randomPlan(rnd, layers, kvHeads);
                try (HeadMappingTable table = HeadMappingTable.fromPlan(plan, alloc)) {
                    assertEquals(layers, table.layers());
                    assertEquals(kvHeads, table.kvHeads());
                    for (int l = 0; l < layers; l++) {
                        assertEquals(plan.isAnchor(l), table.isAnchor(l));
                        for (int g = 0; g < kvHeads; g++) assertEquals(plan.sourceHead(l, g), table.sourceHead(l, g));
                    }
                    AnchorPlan back = table.toPlan();
                    assertEquals(plan, back);
                    assertArrayEquals(plan.anchors(), back.anchors());
                }
            }
            assertEquals(0, alloc.getAllocatedMemory());
        }
    }

    @Test
    void theReferenceLlamaPlanSurvivesAsColumns() {
        int[][] map = new int[32][8];
        for (int l = 0; l < 32; l++) for (int g = 0; g < 8; g++) map[l][g] = l == 1 ? 0 : g; // layer 1: all heads -> head 0
        AnchorPlan plan = new AnchorPlan(new int[] {0, 2, 8, 13, 14}, map);
        try (BufferAllocator alloc = new RootAllocator(); HeadMappingTable table = HeadMappingTable.fromPlan(plan, alloc)) {
            IntVector anchorCol = (IntVector) table.vectors().get(2);
            assertEquals(8, anchorCol.get(12));
            assertEquals(14, anchorCol.get(31));
            assertEquals(0, table.sourceHead(1, 7));
            assertEquals(plan, table.toPlan());
        }
    }

    @Test
    void inconsistentColumnsAreRejected() {
        AnchorPlan plan = AnchorPlan.identity(6, 2, 0, 3);
        try (BufferAllocator alloc = new RootAllocator()) {
            try (HeadMappingTable table = HeadMappingTable.fromPlan(plan, alloc)) {
                ((IntVector) table.vectors().get(2)).set(4, 0); // anchor column says 0, is_anchor says 3
                var e = assertThrows(IllegalArgumentException.class, table::toPlan);
                assertTrue(e.getMessage().startsWith("column 'anchor': layer 4 names anchor 0"), e.getMessage());
            }
            try (HeadMappingTable table = HeadMappingTable.fromPlan(plan, alloc)) {
                ((BitVector) table.vectors().get(1)).set(0, 0); // layer 0 no longer an anchor
                var e = assertThrows(IllegalArgumentException.class, table::toPlan);
                assertTrue(e.getMessage().contains("must contain layer 0"), e.getMessage());
            }
            try (HeadMappingTable table = HeadMappingTable.fromPlan(plan, alloc)) {
                IntVector map = (IntVector) ((FixedSizeListVector) table.vectors().get(3)).getDataVector();
                map.set(5 * 2 + 1, 2); // head 2 of 2 heads
                var e = assertThrows(IllegalArgumentException.class, table::toPlan);
                assertEquals("headMap[5][1] = 2 out of range [0, 2)", e.getMessage());
            }
            try (HeadMappingTable table = HeadMappingTable.fromPlan(plan, alloc)) {
                var e = assertThrows(IllegalArgumentException.class, () -> table.sourceHead(6, 0));
                assertEquals("layer: 6 out of range [0, 6)", e.getMessage());
            }
            var e = assertThrows(IllegalArgumentException.class, () -> HeadMappingTable.fromPlan(null, alloc));
            assertEquals("plan: expected an AnchorPlan but got null", e.getMessage());
        }
    }
}
